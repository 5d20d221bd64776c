import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/** scripts/ci/plan-stacks.sh, as the pull-request workflow runs it. */
const projectRoot = path.join(__dirname, "..", "..");
const scratch = mkdtempSync(path.join(tmpdir(), "pgplat-plan-stacks-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the pull request's offline plan (scripts/ci/plan-stacks.sh)", () => {
  it("plans every stack given, writes each with its verdict to the job summary, and fails if any breaks a guardrail", () => {
    const summary = path.join(scratch, "summary.md");
    const insecure = path.join(scratch, "Pulumi.insecure.yaml");
    writeFileSync(
      insecure,
      readFileSync(path.join(projectRoot, "Pulumi.prod.yaml"), "utf8").replace(
        "deletionProtection: true",
        "deletionProtection: false",
      ),
    );
    const result = spawnSync("bash", ["scripts/ci/plan-stacks.sh", insecure, "dev-pr-7"], {
      cwd: projectRoot,
      env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    const written = readFileSync(summary, "utf8");
    expect(written).toContain(`<summary><b>${insecure}</b>: FAILS</summary>`);
    expect(written).toContain("<summary><b>dev-pr-7</b>: passes every guardrail</summary>");
    // The review stack is planned from the dev template under its own name.
    expect(written).toContain("pgplat-dev-pr-7-postgres");
    expect(result.stderr).toContain("No Pulumi.dev-pr-7.yaml yet: planning dev-pr-7 from Pulumi.dev.yaml");
    expect(result.stderr).toMatch(/Policy violations \(\d+\):[\s\S]*deletion/i);
    expect(result.stdout).toContain("::group::plan dev-pr-7");
  });
});
