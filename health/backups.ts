import { listBackups } from "../backups/repository";
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
  const unreadable =
    repository.unreadable.length > 0 ? `; ignored unreadable manifest(s): ${repository.unreadable.join(", ")}` : "";
  const newest = complete[0];
  if (!newest) {
    const { threshold } = judge("backup_age", "backupAgeHours", null, thresholds, "");
    return {
      name: "backup_age",
      status: "critical",
      value: null,
      threshold,
      detail: `no complete backup${unreadable}`,
    };
  }
  const hours = (now.getTime() - Date.parse(newest.endTime)) / 3_600_000;
  return judge(
    "backup_age",
    "backupAgeHours",
    hours,
    thresholds,
    `newest complete backup ${newest.id} ended ${newest.endTime}; ${complete.length} complete${unreadable}`,
  );
}

/**
 * The backup tool's own reading of a repository: only a backup with a valid
 * manifest is complete; one without (still running, or failed) is not a
 * backup and is skipped; an unreadable manifest is reported.
 */
export function readBackupRepository(repo: string): BackupRepository {
  const entries = listBackups(repo);
  return {
    summaries: entries.flatMap((entry) =>
      entry.status === "complete"
        ? [{ id: entry.id, status: entry.status, startTime: entry.manifest.startTime, endTime: entry.manifest.endTime }]
        : [],
    ),
    unreadable: entries.flatMap((entry) => (entry.status === "invalid" ? [entry.id] : [])),
  };
}
