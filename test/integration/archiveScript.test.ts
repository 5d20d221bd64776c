import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = path.join(__dirname, "..", "..", "scripts", "container", "archive-wal.sh");
let root: string;
let archive: string;

function archiveSegment(source: string, name: string) {
  const result = spawnSync("sh", [script, source, name, archive], { encoding: "utf8" });
  return { status: result.status, stderr: result.stderr };
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "pgplat-archive-script-"));
  archive = path.join(root, "archive");
  spawnSync("mkdir", [archive]);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("scripts/container/archive-wal.sh", () => {
  it("copies a segment under its name and leaves no temporary file", () => {
    writeFileSync(path.join(root, "seg"), "wal bytes");
    expect(archiveSegment(path.join(root, "seg"), "000000010000000000000001")).toEqual({ status: 0, stderr: "" });
    expect(readdirSync(archive)).toEqual(["000000010000000000000001"]);
    expect(readFileSync(path.join(archive, "000000010000000000000001"), "utf8")).toBe("wal bytes");
  });

  it("succeeds without writing when the identical segment is already archived", () => {
    writeFileSync(path.join(root, "seg"), "wal bytes");
    archiveSegment(path.join(root, "seg"), "000000010000000000000001");
    expect(archiveSegment(path.join(root, "seg"), "000000010000000000000001").status).toBe(0);
    expect(readdirSync(archive)).toEqual(["000000010000000000000001"]);
  });

  it("refuses to overwrite a different segment of the same name", () => {
    writeFileSync(path.join(archive, "000000010000000000000001"), "the archived bytes");
    writeFileSync(path.join(root, "seg"), "other bytes");
    const result = archiveSegment(path.join(root, "seg"), "000000010000000000000001");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("refusing to overwrite");
    expect(readFileSync(path.join(archive, "000000010000000000000001"), "utf8")).toBe("the archived bytes");
    expect(readdirSync(archive)).toEqual(["000000010000000000000001"]);
  });

  it("fails, leaving nothing behind, when the source cannot be read", () => {
    expect(archiveSegment(path.join(root, "missing"), "000000010000000000000002").status).not.toBe(0);
    expect(readdirSync(archive)).toEqual([]);
  });

  it("rejects a wrong number of arguments", () => {
    expect(spawnSync("sh", [script, "only-one"]).status).toBe(2);
  });
});
