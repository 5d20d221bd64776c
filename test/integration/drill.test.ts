import { describe, expect, it } from "vitest";
import { runDrill } from "../../scripts/drill/scenario";
import { scratchSource } from "../../scripts/drill/sources";
import { stackConfig } from "../support/stackConfig";

describe("the restore drill", () => {
  it("restores exactly the rows committed before the target, replays the drop at latest, passes amcheck, and bounds the RPO by archive_timeout", async () => {
    const lines: string[] = [];
    const config = stackConfig({ postgres: { archiveTimeoutSeconds: 3 } });
    const report = await runDrill(config, await scratchSource(config), (line) => lines.push(line));
    expect(report).toMatchObject({
      restoredAfterTarget: 0,
      missingBeforeTarget: 0,
      restoredAtTarget: report.committedBeforeTarget,
      dropReplayed: true,
      sourceArchiveUntouched: true,
      archiveTimeoutSeconds: 3,
      passed: true,
    });
    // A backup under load and a target well after it: hundreds of rows each side.
    expect(report.committedBeforeTarget).toBeGreaterThan(50);
    expect(report.indexesChecked).toBeGreaterThan(100);
    expect(report.rpoSeconds).toBeLessThanOrEqual(5);
    expect(report.rtoSeconds).toBeGreaterThan(0);
    expect(lines.join("\n")).toMatch(/backup \S+ taken under load/);
    expect(lines.join("\n")).toMatch(/restored to the latest point: drill_rows is gone \(the drop was replayed\)/);
  }, 240_000);
});
