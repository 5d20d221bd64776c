import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { loadStackConfig } from "../../config/load";
import { scratchDir } from "../support/scratch";

const projectRoot = path.join(__dirname, "..", "..");
const malformed = "{maxConnections: 200";
const expected = 'pgplat:postgres = "{maxConnections: 200": a valid JSON object (';

describe("index.ts and plan read config the same way", () => {
  afterEach(() => pulumi.runtime.setAllConfig({}, []));

  it("index.ts (loadStackConfig) names the key of a malformed JSON value, with every other problem", () => {
    pulumi.runtime.setAllConfig({ "pgplat:target": "docker", "pgplat:postgres": malformed, "pgplat:size": "huge" }, []);
    expect(() => loadStackConfig()).toThrow(expected);
    expect(() => loadStackConfig()).toThrow('pgplat:size = "huge"');
  });

  it("npm run plan names the same key the same way", () => {
    const file = path.join(scratchDir("decode"), "Pulumi.malformed.yaml");
    writeFileSync(file, `config:\n  pgplat:target: docker\n  pgplat:size: huge\n  pgplat:postgres: "${malformed}"\n`);
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", file], {
      cwd: projectRoot,
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).toContain('pgplat:size = "huge"');
  });

  it("a secret key's malformed value is not printed", () => {
    pulumi.runtime.setAllConfig({ "pgplat:target": "docker", "pgplat:postgres": "{password: hunter2" }, [
      "pgplat:postgres",
    ]);
    expect(() => loadStackConfig()).toThrow("pgplat:postgres = [secret]: a valid JSON object");
  });
});
