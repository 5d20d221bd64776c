import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { scratchDir } from "../support/scratch";

const projectRoot = path.join(__dirname, "..", "..");
const demos = path.join(projectRoot, "test", "fixtures", "failing-suites");

function run(command: string, args: readonly string[]) {
  return spawnSync(command, args, { cwd: projectRoot, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
}

describe("the test command's closing line", () => {
  it("counts a file whose beforeAll throws and a file that fails to import as failed", () => {
    const report = path.join(scratchDir("summary"), "report.json");
    // The same reporters scripts/test.sh uses, on demo files the normal run never includes (*.demo.mjs).
    const vitest = run("npx", [
      "vitest",
      "run",
      "--configLoader",
      "runner",
      "--config",
      path.join(demos, "vitest.config.mts"),
      "--reporter=json",
      `--outputFile.json=${report}`,
    ]);
    expect(vitest.status).toBe(1);
    const summary = run(process.execPath, [
      "-r",
      "ts-node/register/transpile-only",
      "scripts/lib/testSummary.ts",
      report,
      String(vitest.status),
    ]);
    const lines = summary.stdout.trim().split("\n");
    // a.demo.mjs: its 2 tests never ran; b.demo.mjs: nothing loaded (counts once); c.demo.mjs: 1 passed, 1 skipped on purpose.
    expect(lines.at(-1)).toBe("tests: 1 passed, 3 failed, 1 skipped");
    expect(lines.slice(0, -1)).toEqual([
      expect.stringMatching(/a\.demo\.mjs: failed outside its tests \(2 counted as failed\): .*setup boom/),
      expect.stringMatching(/b\.demo\.mjs: failed outside its tests \(1 counted as failed\): .*does-not-exist/),
    ]);
    expect(summary.status).toBe(1);
  });

  it("says vitest did not finish when there is no report", () => {
    const summary = run(process.execPath, [
      "-r",
      "ts-node/register/transpile-only",
      "scripts/lib/testSummary.ts",
      path.join(scratchDir("summary"), "missing.json"),
      "1",
    ]);
    expect(summary.stdout.trim().split("\n").at(-1)).toBe("tests: 0 passed, 1 failed, 0 skipped");
    expect(summary.status).toBe(1);
  });
});
