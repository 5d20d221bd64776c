import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { manifestFileName, progressFileName, readManifest, type Manifest } from "./manifest";

/** What a running `take` records before it copies anything. */
export interface BackupProgress {
  readonly pid: number;
  readonly hostname: string;
  readonly startTime: string;
}

export type BackupEntry =
  | { readonly id: string; readonly dir: string; readonly status: "complete"; readonly manifest: Manifest }
  | {
      readonly id: string;
      readonly dir: string;
      readonly status: "incomplete";
      readonly progress: BackupProgress | undefined;
    }
  | { readonly id: string; readonly dir: string; readonly status: "invalid"; readonly problem: string };

const backupDirPattern = /^\d{8}T\d{9}Z$/;

/**
 * Every backup directory in a repository, oldest first. Only a directory with
 * a valid manifest is complete; anything else is garbage to collect, never a
 * backup to restore.
 */
export function listBackups(repo: string): readonly BackupEntry[] {
  if (!existsSync(repo)) throw new Error(`backup repository ${repo} does not exist`);
  return readdirSync(repo, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && backupDirPattern.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((id): BackupEntry => {
      const dir = path.join(repo, id);
      if (!existsSync(path.join(dir, manifestFileName)))
        return { id, dir, status: "incomplete", progress: readProgress(dir) };
      try {
        return { id, dir, status: "complete", manifest: readManifest(dir) };
      } catch (error) {
        return { id, dir, status: "invalid", problem: error instanceof Error ? error.message : String(error) };
      }
    });
}

export function completeBackups(repo: string): readonly Manifest[] {
  return listBackups(repo).flatMap((entry) => (entry.status === "complete" ? [entry.manifest] : []));
}

function readProgress(dir: string): BackupProgress | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, progressFileName), "utf8")) as BackupProgress;
  } catch {
    return undefined;
  }
}
