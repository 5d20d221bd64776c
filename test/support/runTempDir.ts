/**
 * Vitest global setup: the whole run gets its own temp directory (TMPDIR), and
 * the run fails if anything is left in it at the end. The directory is removed
 * either way, so a run leaves the system's temp directory as it found it.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const runDir = mkdtempSync(path.join(tmpdir(), "pgplat-test-run-"));
  // Search-only for others: servers run as an unprivileged user inside their own subdirectories.
  chmodSync(runDir, 0o711);
  process.env.TMPDIR = runDir;
  // ts-node's compile cache would otherwise live in TMPDIR/v8-compile-cache-<uid>, outlasting the run.
  process.env.V8_COMPILE_CACHE_CACHE_DIR ??= path.join(
    __dirname,
    "..",
    "..",
    "node_modules",
    ".cache",
    "v8-compile-cache",
  );
  return () => {
    const leftovers = readdirSync(runDir);
    rmSync(runDir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (leftovers.length > 0) {
      console.error(
        `\nFAILED: the tests left ${leftovers.length} entr${leftovers.length === 1 ? "y" : "ies"} in the temp directory (removed now; each test must clean up its own): ${leftovers.join(", ")}\n`,
      );
      process.exitCode = 1;
    }
  };
}
