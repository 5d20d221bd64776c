import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Thresholds } from "../config/thresholds";
import { judge, type CheckResult } from "./report";

/** What the report needs of a backup manifest (`<repo>/<id>/manifest.json`, written last). */
export interface BackupSummary {
  readonly id: string;
  readonly status: string;
  readonly startTime: string;
  readonly endTime: string;
}

export interface BackupRepository {
  readonly summaries: readonly BackupSummary[];
  /** Manifests that are not JSON or lack the fields above. */
  readonly unreadable: readonly string[];
}

/** Age of the newest complete backup against the threshold (pure). */
export function backupAgeCheck(repository: BackupRepository, now: Date, thresholds: Thresholds): CheckResult {
  const complete = repository.summaries
    .filter((summary) => summary.status === "complete" && !Number.isNaN(Date.parse(summary.endTime)))
    .sort((a, b) => Date.parse(b.endTime) - Date.parse(a.endTime));
  const unreadable = repository.unreadable.length > 0 ? `; ignored unreadable manifest(s): ${repository.unreadable.join(", ")}` : "";
  const newest = complete[0];
  if (!newest) {
    const { threshold } = judge("backup_age", "backupAgeHours", null, thresholds, "");
    return { name: "backup_age", status: "critical", value: null, threshold, detail: `no complete backup${unreadable}` };
  }
  const hours = (now.getTime() - Date.parse(newest.endTime)) / 3_600_000;
  return judge("backup_age", "backupAgeHours", hours, thresholds, `newest complete backup ${newest.id} ended ${newest.endTime}; ${complete.length} complete${unreadable}`);
}

/**
 * Reads `<repo>/*\/manifest.json`. A directory without a manifest is a backup
 * still running or one that failed: not a backup, so it is skipped silently.
 */
export function readBackupRepository(repo: string): BackupRepository {
  if (!existsSync(repo)) throw new Error(`backup repository ${repo} does not exist`);
  const summaries: BackupSummary[] = [];
  const unreadable: string[] = [];
  for (const entry of readdirSync(repo, { withFileTypes: true })) {
    const manifest = path.join(repo, entry.name, "manifest.json");
    if (!entry.isDirectory() || !existsSync(manifest)) continue;
    try {
      const parsed = JSON.parse(readFileSync(manifest, "utf8")) as Partial<Record<keyof BackupSummary, unknown>>;
      if ([parsed.id, parsed.status, parsed.startTime, parsed.endTime].some((field) => typeof field !== "string")) throw new Error("missing fields");
      summaries.push(parsed as BackupSummary);
    } catch {
      unreadable.push(entry.name);
    }
  }
  return { summaries, unreadable };
}
