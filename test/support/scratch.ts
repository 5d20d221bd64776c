import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const created: string[] = [];

/** A temporary directory removed after the current test file (test/support/afterEachFile.ts). */
export function scratchDir(label: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), `pgplat-${label}-`));
  created.push(directory);
  return directory;
}

export function removeScratchDirs(): void {
  for (const directory of created.splice(0)) rmSync(directory, { recursive: true, force: true });
}
