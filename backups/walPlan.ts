import type { ArchiveListing } from "./archive";
import type { Manifest } from "./manifest";
import { formatInstant, type Micros } from "./time";
import {
  parseLsn,
  parseSegmentFileName,
  segmentFileName,
  timelinePath,
  timelineForSegment,
  type TimelineRange,
} from "./wal";

export type RecoveryTarget = { readonly kind: "latest" } | { readonly kind: "time"; readonly time: Micros };

export type WalPlan =
  | {
      readonly ok: true;
      /** The timeline recovery ends on (recovery_target_timeline = latest picks it). */
      readonly timeline: number;
      /** Segment file names replay reads, in order. */
      readonly segments: readonly string[];
    }
  | { readonly ok: false; readonly problem: string };

/**
 * The newest timeline a restore of `backup` can follow: one whose history
 * passes through the backup's timeline after the backup ended (as recovery
 * requires), or the backup's own timeline.
 */
export function targetTimeline(backup: Manifest, archive: ArchiveListing): number {
  const endLsn = parseLsn(backup.endLsn);
  const candidates = [...archive.histories.entries()]
    .filter(([, history]) => {
      const leaving = history.find((entry) => entry.parentTimeline === backup.timeline);
      return leaving !== undefined && leaving.switchLsn >= endLsn;
    })
    .map(([timeline]) => timeline);
  return Math.max(backup.timeline, ...candidates);
}

/**
 * Which archived segments a restore of `backup` to `target` replays, or why it
 * cannot: a missing or damaged segment is named. Recovery needs every segment
 * from the backup's first to its last to become consistent, then every one up
 * to the target without a gap. For a time target the archive must hold a
 * segment archived at or after that time (the archiver's write time is the
 * evidence that WAL reaches it); for `latest`, no segment may exist past a gap,
 * because replay would stop at the gap and silently lose what follows.
 */
export function planWal(backup: Manifest, archive: ArchiveListing, target: RecoveryTarget): WalPlan {
  const segmentSize = backup.walSegmentSize;
  const timeline = targetTimeline(backup, archive);
  const path = timelinePath(
    timeline,
    timeline === backup.timeline ? [] : (archive.histories.get(timeline) ?? []),
    segmentSize,
  );
  const first = parseSegmentFileName(backup.startWalSegment, segmentSize)!.segment;
  const last = parseSegmentFileName(backup.endWalSegment, segmentSize)!.segment;
  const nameAt = (segment: bigint) => segmentFileName(timelineForSegment(path, segment), segment, segmentSize);
  const present = (segment: bigint) => archive.segments.get(nameAt(segment))?.size === segmentSize;
  const segments: string[] = [];
  let segment = first;
  for (; present(segment); segment++) {
    segments.push(nameAt(segment));
    if (target.kind === "time" && segment >= last && archive.segments.get(nameAt(segment))!.archivedAt >= target.time)
      return { ok: true, timeline, segments };
  }
  const missing = nameAt(segment);
  const why = archive.segments.has(missing)
    ? `WAL segment ${missing} is incomplete (${archive.segments.get(missing)!.size} bytes)`
    : `WAL segment ${missing} is missing from the archive`;
  if (segment <= last)
    return {
      ok: false,
      problem: `${why}; backup ${backup.id} needs ${backup.startWalSegment} to ${backup.endWalSegment} to become consistent`,
    };
  const beyond = laterSegmentOnPath(archive, path, segment, segmentSize);
  if (beyond !== undefined)
    return { ok: false, problem: `${why}, but ${beyond} exists after it: replay would stop at the gap` };
  if (target.kind === "latest") return { ok: true, timeline, segments };
  const newest = segments[segments.length - 1];
  return {
    ok: false,
    problem: `the WAL archive does not reach ${formatInstant(target.time)}: its newest segment on timeline ${timeline}, ${newest}, was archived at ${formatInstant(archive.segments.get(newest)!.archivedAt)} and ${missing} is not there yet`,
  };
}

function laterSegmentOnPath(
  archive: ArchiveListing,
  path: readonly TimelineRange[],
  after: bigint,
  segmentSize: number,
): string | undefined {
  for (const name of [...archive.segments.keys()].sort()) {
    const parsed = parseSegmentFileName(name, segmentSize)!;
    if (parsed.segment > after && timelineForSegment(path, parsed.segment) === parsed.timeline) return name;
  }
  return undefined;
}
