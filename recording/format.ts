import type { RecordedGraph, RecordedResource } from "./recorder";
import { SecretValue } from "./recorder";

/** A dynamic resource's inputs carry its provider as serialized code; a plan shows that it is there, not the code. */
function readableInputs(resource: RecordedResource): Readonly<Record<string, unknown>> {
  return "__provider" in resource.inputs
    ? { ...resource.inputs, __provider: "<serialized dynamic provider>" }
    : resource.inputs;
}

/** The `--json` form: one array of `{ type, name, parent, inputs }`, secrets masked. */
export function graphJson(graph: RecordedGraph): string {
  const resources = graph.resources
    .filter((resource) => resource.type !== "pulumi:pulumi:Stack")
    .map((resource) => ({
      type: resource.type,
      name: resource.name,
      parent: resource.parent ?? null,
      inputs: readableInputs(resource),
    }));
  return JSON.stringify(resources, null, 2);
}

/** A readable tree: components as headings, each resource with its settings as flat `key = value` lines. */
export function graphText(graph: RecordedGraph): string {
  const children = new Map<string | undefined, RecordedResource[]>();
  for (const resource of graph.resources) {
    children.set(resource.parentUrn, [...(children.get(resource.parentUrn) ?? []), resource]);
  }
  const lines: string[] = [];
  const visit = (resource: RecordedResource, depth: number) => {
    const indent = "  ".repeat(depth);
    lines.push(`${indent}${resource.custom ? "+" : "•"} ${resource.type}  ${resource.name}`);
    if (resource.custom) {
      for (const [key, value] of flatten(readableInputs(resource))) lines.push(`${indent}    ${key} = ${value}`);
    }
    for (const child of children.get(resource.urn) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(undefined) ?? []) visit(root, 0);
  const custom = graph.resources.filter((resource) => resource.custom).length;
  lines.push("", `${custom} resources in ${graph.resources.length - custom} components.`);
  lines.push("Values providers compute (ids, assigned ports, generated passwords) are stand-ins; secrets are masked.");
  lines.push("Outputs:", ...flatten(graph.outputs).map(([key, value]) => `    ${key} = ${value}`));
  return lines.join("\n");
}

function flatten(value: unknown, prefix = ""): [string, string][] {
  if (value instanceof SecretValue) return [[prefix, "[secret]"]];
  if (Array.isArray(value)) return value.flatMap((item, index) => flatten(item, `${prefix}[${index}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => flatten(item, prefix === "" ? key : `${prefix}.${key}`));
  }
  if (typeof value === "string" && value.includes("\n"))
    return [[prefix, `<text, ${value.trimEnd().split("\n").length} lines>`]];
  return [[prefix, JSON.stringify(value)]];
}
