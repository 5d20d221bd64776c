import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { affectedStacks, committedStacks } from "../../scripts/ci/affectedStacks";

const projectRoot = path.join(__dirname, "..", "..");
const stacks = [
  { name: "dev", target: "docker" },
  { name: "prod", target: "aws" },
  { name: "staging", target: "aws" },
];

describe("affectedStacks", () => {
  it("a stack file affects its own stack only, and Docker stacks are never previewed against the backend", () => {
    expect(affectedStacks(["Pulumi.staging.yaml"], stacks)).toEqual(["staging"]);
    expect(affectedStacks(["Pulumi.dev.yaml"], stacks)).toEqual([]);
  });

  it("code, SQL, policies and packages affect every previewed stack; docs, tests and CI files none", () => {
    for (const file of [
      "components/aws/rds.ts",
      "sql/migrations/V0003__x.sql",
      "policy/rules.ts",
      "package-lock.json",
      "Pulumi.yaml",
      "index.ts",
    ]) {
      expect(affectedStacks([file], stacks), file).toEqual(["prod", "staging"]);
    }
    expect(
      affectedStacks(
        [
          "README.md",
          "test/unit/x.test.ts",
          "bench/pooling.ts",
          ".github/workflows/ci.yml",
          ".ci/run",
          ".gitignore",
          "",
        ],
        stacks,
      ),
    ).toEqual([]);
  });

  it("reads the committed stacks and their targets", () => {
    expect(committedStacks(projectRoot).filter((stack) => !stack.name.startsWith("dev-"))).toEqual([
      { name: "dev", target: "docker" },
      { name: "prod", target: "aws" },
    ]);
  });

  it("as a command: changed files on stdin, a JSON array on stdout", () => {
    const run = (input: string) =>
      spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/ci/affectedStacks.ts"], {
        cwd: projectRoot,
        input,
        encoding: "utf8",
      });
    expect(run("README.md\ncomponents/platform.ts\n").stdout).toBe('["prod"]\n');
    expect(run("README.md\n").stdout).toBe("[]\n");
  });
});
