import { describe, expect, it } from "vitest";
import { closingLine, summarize, type VitestReport } from "../../scripts/lib/testSummary";

const file = (name: string, status: string, tests: readonly string[], message = "") => ({
  name,
  status,
  message,
  assertionResults: tests.map((test) => ({ status: test })),
});

describe("summarize", () => {
  it("counts passed, failed and skipped tests of healthy files", () => {
    const report: VitestReport = {
      testResults: [
        file("a", "passed", ["passed", "passed", "skipped"]),
        file("b", "failed", ["passed", "failed"], "boom"),
      ],
    };
    expect(summarize(report, 1)).toEqual({ passed: 3, failed: 1, skipped: 1, notes: [] });
  });

  it("counts the tests of a file whose hook threw as failed, and a file that did not load once", () => {
    const report: VitestReport = {
      testResults: [
        file("setup", "failed", ["skipped", "skipped", "skipped"], "beforeAll boom\nstack"),
        file("import", "failed", [], "Cannot find module 'x'"),
      ],
    };
    const summary = summarize(report, 1);
    expect(closingLine(summary)).toBe("tests: 0 passed, 4 failed, 0 skipped");
    expect(summary.notes).toEqual([
      "setup: failed outside its tests (3 counted as failed): beforeAll boom",
      "import: failed outside its tests (1 counted as failed): Cannot find module 'x'",
    ]);
  });

  it("a file whose afterAll threw after its tests passed counts once", () => {
    expect(
      closingLine(summarize({ testResults: [file("teardown", "failed", ["passed", "passed"], "afterAll boom")] }, 1)),
    ).toBe("tests: 2 passed, 1 failed, 0 skipped");
  });

  it("never says 0 failed when vitest failed outside the test files or left no report", () => {
    const allPassed: VitestReport = { testResults: [file("a", "passed", ["passed"])] };
    expect(closingLine(summarize(allPassed, 1))).toBe("tests: 1 passed, 1 failed, 0 skipped");
    expect(closingLine(summarize(allPassed, 0))).toBe("tests: 1 passed, 0 failed, 0 skipped");
    expect(closingLine(summarize(undefined, 0))).toBe("tests: 0 passed, 1 failed, 0 skipped");
  });
});
