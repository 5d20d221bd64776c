import { z } from "zod";
import { stringify } from "yaml";
import { replaceGeneratedBlock } from "./generatedBlock";
import { stackConfigSchema } from "../../config/schema";
import { configNamespace } from "../../config/validate";

/**
 * The `config:` block of Pulumi.yaml, generated from the schema so Pulumi
 * itself knows pgplat's keys (their type, meaning and, for plain values, their
 * default) and the two cannot drift (a unit test compares them).
 */
export interface ProjectConfigType {
  readonly type: "string" | "integer" | "boolean" | "array" | "object";
  readonly description: string;
  readonly items?: { readonly type: ProjectConfigType["type"] };
  readonly default?: string | number | boolean;
}

interface JsonSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema;
}

export function projectConfigTypes(): Record<string, ProjectConfigType> {
  const root = z.toJSONSchema(stackConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return Object.fromEntries(
    Object.entries(root.properties ?? {}).map(([name, property]) => {
      const type = pulumiType(property);
      const keys = Object.keys(property.properties ?? {});
      const meaning = property.description ?? `${name} settings.`;
      const description =
        type === "object" ? `${meaning} Keys: ${keys.join(", ")} (see the README's configuration reference).` : meaning;
      // Pulumi applies a default to a stack that omits the key; only plain values get one (sections resolve theirs in config/).
      const plainDefault =
        typeof property.default === "string" ||
        typeof property.default === "number" ||
        typeof property.default === "boolean"
          ? { default: property.default }
          : {};
      const items = type === "array" ? { items: { type: pulumiType(property.items ?? {}) } } : {};
      return [`${configNamespace}:${name}`, { type, description, ...items, ...plainDefault }];
    }),
  );
}

function pulumiType(schema: JsonSchema): ProjectConfigType["type"] {
  const type = schema.type ?? (schema.enum && typeof schema.enum[0] === "number" ? "integer" : "string");
  if (type === "number") return "integer";
  if (type === "integer" || type === "boolean" || type === "array" || type === "object" || type === "string")
    return type;
  return "string";
}

export const projectConfigStart = "# config:start (generated from config/schema.ts by npm run docs:config)";
export const projectConfigEnd = "# config:end";

/** Pulumi.yaml with its generated config block replaced. */
export function withProjectConfig(pulumiYaml: string): string {
  return replaceGeneratedBlock(
    pulumiYaml,
    projectConfigStart,
    projectConfigEnd,
    stringify({ config: projectConfigTypes() }, { lineWidth: 0 }).trimEnd(),
  );
}
