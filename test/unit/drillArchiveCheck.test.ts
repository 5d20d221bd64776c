import { describe, expect, it } from "vitest";
import { archiveUntouched } from "../../scripts/drill/archiveCheck";

const before = new Map([
  ["000000010000000000000001", "16777216@1000"],
  ["000000010000000000000002", "16777216@2000"],
  ["000000010000000000000002.00000028.backup", "300@2000"],
]);

describe("archiveUntouched (the drill's check that restores never wrote into the source's archive)", () => {
  it("accepts the archive as it was, and new segments and backup files of the source's own timeline", () => {
    expect(archiveUntouched(before, new Map(before), 1)).toBe(true);
    const grown = new Map([
      ...before,
      ["000000010000000000000003", "16777216@3000"],
      ["000000010000000000000004.00000060.backup", "300@4000"],
    ]);
    expect(archiveUntouched(before, grown, 1)).toBe(true);
  });

  it("refuses a file removed or rewritten", () => {
    const removed = new Map(before);
    removed.delete("000000010000000000000001");
    expect(archiveUntouched(before, removed, 1)).toBe(false);
    expect(archiveUntouched(before, new Map([...before, ["000000010000000000000002", "16777216@2500"]]), 1)).toBe(
      false,
    );
  });

  it("refuses what a restored server would add: a history file or a segment of another timeline", () => {
    expect(archiveUntouched(before, new Map([...before, ["00000002.history", "42@3000"]]), 1)).toBe(false);
    expect(archiveUntouched(before, new Map([...before, ["000000020000000000000003", "16777216@3000"]]), 1)).toBe(
      false,
    );
  });

  it("reads the timeline as PostgreSQL names it: eight upper-case hex digits", () => {
    const onTimeline10 = new Map([["0000000A0000000000000001", "1@1"]]);
    expect(archiveUntouched(new Map(), onTimeline10, 10)).toBe(true);
    expect(archiveUntouched(new Map(), onTimeline10, 1)).toBe(false);
  });
});
