import { rmSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { manifestFileName } from "./manifest";
import type { BackupEntry, BackupProgress } from "./repository";
import { parseInstant, type Micros } from "./time";
import { archivedFileSegment, parseSegmentFileName } from "./wal";

export interface PrunePlan {
  /** Complete backups kept: every one ending inside the window, and the newest ending before it. */
  readonly keep: readonly string[];
  readonly deleteBackups: readonly { readonly id: string; readonly reason: string }[];
  /** Archived WAL below the oldest kept backup's first segment; history files are never deleted. */
  readonly deleteWal: readonly string[];
  /** The oldest WAL segment kept, when any WAL is deleted. */
  readonly walCutoff: string | undefined;
}

const microsPerDay = 86_400_000_000n;

/**
 * A recovery window: every moment of the last `retentionDays` stays
 * restorable. Restoring to the window's first moment needs the newest backup
 * that ended before it, so that one stays too; WAL is deleted only below the
 * first segment of the oldest backup kept — never WAL a kept backup needs.
 * Incomplete backups are garbage unless their `take` still runs.
 */
export function planPrune(args: {
  readonly entries: readonly BackupEntry[];
  readonly archiveNames: readonly string[];
  readonly now: Micros;
  readonly retentionDays: number;
  readonly isRunning: (progress: BackupProgress) => boolean;
}): PrunePlan {
  const windowStart = args.now - BigInt(args.retentionDays) * microsPerDay;
  const complete = args.entries
    .flatMap((entry) => (entry.status === "complete" ? [entry.manifest] : []))
    .sort((a, b) => (a.endTime < b.endTime ? -1 : 1));
  const endsBefore = complete.filter((manifest) => parseInstant(manifest.endTime)! < windowStart);
  const anchor = endsBefore[endsBefore.length - 1];
  const kept = complete.filter((manifest) => manifest === anchor || parseInstant(manifest.endTime)! >= windowStart);
  const deleteBackups = [
    ...complete
      .filter((manifest) => !kept.includes(manifest))
      .map((manifest) => ({
        id: manifest.id,
        reason: `ended ${manifest.endTime}, before ${anchor.id}, the newest backup older than the ${args.retentionDays}-day window`,
      })),
    ...args.entries.flatMap((entry) =>
      entry.status === "incomplete" && !(entry.progress && args.isRunning(entry.progress))
        ? [{ id: entry.id, reason: "incomplete (no manifest) and not being taken" }]
        : [],
    ),
  ].sort((a, b) => (a.id < b.id ? -1 : 1));
  if (kept.length === 0) return { keep: [], deleteBackups, deleteWal: [], walCutoff: undefined };
  const segmentSize = kept[0].walSegmentSize;
  const oldest = kept.reduce((a, b) =>
    parseSegmentFileName(a.startWalSegment, segmentSize)!.segment <=
    parseSegmentFileName(b.startWalSegment, segmentSize)!.segment
      ? a
      : b,
  );
  const cutoff = parseSegmentFileName(oldest.startWalSegment, segmentSize)!.segment;
  const deleteWal = args.archiveNames.filter((name) => {
    const segment = archivedFileSegment(name, segmentSize);
    return segment !== undefined && segment.segment < cutoff;
  });
  return {
    keep: kept.map((manifest) => manifest.id),
    deleteBackups,
    deleteWal: deleteWal.sort(),
    walCutoff: deleteWal.length > 0 ? oldest.startWalSegment : undefined,
  };
}

/** Whether a `take` that wrote `progress` is still running on this host. */
export function isTakeRunning(progress: BackupProgress): boolean {
  if (progress.hostname !== hostname()) return true; // another host's process cannot be checked: leave it
  try {
    process.kill(progress.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Carries out a plan: a backup loses its manifest first, so a half-deleted backup never looks complete. */
export function applyPrune(plan: PrunePlan, repo: string, walArchive: string): void {
  for (const backup of plan.deleteBackups) {
    const dir = path.join(repo, backup.id);
    rmSync(path.join(dir, manifestFileName), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  for (const name of plan.deleteWal) unlinkSync(path.join(walArchive, name));
}
