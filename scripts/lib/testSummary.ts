/**
 * node -r ts-node/register/transpile-only scripts/lib/testSummary.ts <vitest-json-report> <vitest-exit-code>
 *
 * Prints the test command's closing line, `tests: N passed, N failed, N skipped`,
 * and exits non-zero when anything failed. Vitest's own `numFailedTests` stays 0
 * when a file fails to load or its beforeAll throws (its tests are reported as
 * skipped), so the counts are taken per file here.
 */
import { readFileSync } from "node:fs";
import { exitWhenFlushed } from "./exit";

/** The part of vitest's JSON report the summary reads. */
export interface VitestReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults: readonly { readonly status: string }[];
  }[];
}

export interface TestSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Why failures were counted that no test reported, one line each. */
  readonly notes: readonly string[];
}

/**
 * Counts a file that failed without a failing test (it did not load, or a hook
 * threw) as failed: each of its tests that did not pass is a failure, and a
 * file with no tests counts once. A non-zero exit with nothing failed (an error
 * outside any test file) counts once too, so the line never says `0 failed`
 * while the run failed. A missing report means vitest did not finish.
 */
export function summarize(report: VitestReport | undefined, vitestExitCode: number): TestSummary {
  if (!report)
    return {
      passed: 0,
      failed: 1,
      skipped: 0,
      notes: ["no test report: vitest did not finish (see its output above)"],
    };
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const notes: string[] = [];
  for (const file of report.testResults) {
    const statuses = file.assertionResults.map((test) => test.status);
    const filePassed = statuses.filter((status) => status === "passed").length;
    const fileFailed = statuses.filter((status) => status === "failed").length;
    const notRun = statuses.length - filePassed - fileFailed;
    passed += filePassed;
    if (file.status === "failed" && fileFailed === 0) {
      const counted = Math.max(1, notRun);
      failed += counted;
      notes.push(`${file.name}: failed outside its tests (${counted} counted as failed): ${firstLine(file.message)}`);
    } else {
      failed += fileFailed;
      skipped += notRun;
    }
  }
  if (vitestExitCode !== 0 && failed === 0) {
    failed = 1;
    notes.push(
      `vitest exited with ${vitestExitCode} although every test passed: an error outside the test files (see its output above)`,
    );
  }
  return { passed, failed, skipped, notes };
}

export function closingLine(summary: TestSummary): string {
  return `tests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
}

function firstLine(message: string | undefined): string {
  return (
    (message ?? "")
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "no message"
  );
}

function readReport(file: string): VitestReport | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as VitestReport;
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  const [reportFile, exitCode] = process.argv.slice(2);
  const summary = summarize(reportFile ? readReport(reportFile) : undefined, Number(exitCode ?? 1));
  for (const note of summary.notes) process.stdout.write(`${note}\n`);
  process.stdout.write(`${closingLine(summary)}\n`);
  exitWhenFlushed(summary.failed > 0 ? 1 : 0);
}
