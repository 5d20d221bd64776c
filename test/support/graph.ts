import * as path from "node:path";
import { vi } from "vitest";
import { configNamespace, parseStackConfig, type StackConfig } from "../../config";
import { recordGraph, SecretValue, type RecordedGraph, type RecordedResource } from "../../scripts/plan/recorder";
import { namespaceValues, readStackFile } from "../../scripts/plan/stackConfig";

/** Records index.ts's graph for a repository stack file, exactly as `npm run plan` does. */
export async function recordStack(stackFile: string, stackName = stackFile): Promise<{ graph: RecordedGraph; config: StackConfig }> {
  const { config: rawConfig, secretKeys } = readStackFile(path.join(__dirname, "..", "..", `Pulumi.${stackFile}.yaml`));
  const parsed = parseStackConfig(namespaceValues(rawConfig, configNamespace));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const program = async () => {
    // index.ts runs at import; load a fresh copy for each recording.
    vi.resetModules();
    return { ...((await import("../../index")) as Record<string, unknown>) };
  };
  const graph = await recordGraph({ project: "pgplat", stack: stackName, config: rawConfig, secretKeys, program });
  return { graph, config: parsed.config };
}

export function resource(graph: RecordedGraph, name: string): RecordedResource {
  const found = graph.resources.filter((candidate) => candidate.name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}: ${graph.resources.map((r) => r.name).join(", ")}`);
  return found[0];
}

export function secretText(value: unknown): string {
  if (!(value instanceof SecretValue)) throw new Error(`expected a secret, got ${JSON.stringify(value)}`);
  if (typeof value.value !== "string") throw new Error("expected a secret string");
  return value.value;
}
