import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { stackConfigSchema } from "../../config";
import { projectConfigTypes, withProjectConfig, type ProjectConfigType } from "../../scripts/docs/projectConfig";

const projectRoot = path.join(__dirname, "..", "..");
const projectFile = readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8");

/** Pulumi's own check of a stack value against a declared project config type (workspace.ValidateConfigValue). */
function pulumiAccepts(declared: ProjectConfigType, value: unknown): boolean {
  if (value !== null && typeof value === "object" && "secure" in value) return true;
  switch (declared.type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value) || (typeof value === "string" && /^-?\d+$/.test(value));
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
  }
}

describe("Pulumi.yaml declares pgplat's config keys", () => {
  it("carries the config block generated from the schema (run npm run docs:config after changing config/schema.ts)", () => {
    expect(projectFile).toBe(withProjectConfig(projectFile));
  });

  it("declares every top-level key of the schema with a type Pulumi knows, and defaults only where the schema has them", () => {
    const declared = (parse(projectFile) as { config: Record<string, ProjectConfigType> }).config;
    expect(Object.keys(declared)).toEqual(Object.keys(stackConfigSchema.shape).map((key) => `pgplat:${key}`));
    expect(declared["pgplat:target"]).toEqual({
      type: "string",
      description: "Where the platform runs: docker (dev and ephemeral stacks) or aws (prod).",
    });
    expect(declared["pgplat:size"]).toMatchObject({ type: "string", default: "dev" });
    expect(declared["pgplat:aws"]).toMatchObject({
      type: "object",
      description: expect.stringContaining("Keys: region, vpcId, subnetIds"),
    });
    for (const [key, type] of Object.entries(declared)) {
      expect(["string", "integer", "boolean", "array", "object"]).toContain(type.type);
      if (type.default !== undefined) expect([key, pulumiAccepts(type, type.default)]).toEqual([key, true]);
    }
  });

  it("every stack file's pgplat values have the type Pulumi.yaml declares", () => {
    const declared = projectConfigTypes();
    const stackFiles = [
      ...readdirSync(projectRoot)
        .filter((file) => /^Pulumi\..+\.yaml$/.test(file))
        .map((file) => path.join(projectRoot, file)),
      ...readdirSync(path.join(projectRoot, "test", "fixtures"))
        .filter((file) => file.endsWith(".yaml"))
        .map((file) => path.join(projectRoot, "test", "fixtures", file)),
    ];
    expect(stackFiles.length).toBeGreaterThanOrEqual(4);
    for (const file of stackFiles) {
      const config = (parse(readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
      for (const [key, value] of Object.entries(config).filter(([name]) => name.startsWith("pgplat:"))) {
        expect([path.basename(file), key, declared[key] !== undefined && pulumiAccepts(declared[key], value)]).toEqual([
          path.basename(file),
          key,
          true,
        ]);
      }
    }
  });
});
