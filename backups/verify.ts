import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { checkSegment, readArchive } from "./archive";
import { checksumStoredFile } from "./copyFile";
import { dataDirName, type Manifest } from "./manifest";
import { targetTimeline } from "./walPlan";
import { parseSegmentFileName, segmentFileName, timelineForSegment, timelinePath } from "./wal";

export interface VerifyResult {
  readonly backup: string;
  /** Problems in file order; empty when the backup and its WAL are intact. */
  readonly problems: readonly string[];
  readonly filesChecked: number;
  /** The WAL checked: from the backup's first segment to the newest archived one on its timeline path. */
  readonly walChecked: { readonly from: string; readonly to: string; readonly count: number };
}

/**
 * Re-reads every stored file (the compressed bytes and the content against
 * the manifest's checksums) and every archived WAL segment from the backup's
 * first to the newest one: present, full size, page headers intact. Names the
 * first missing or damaged segment.
 */
export async function verifyBackup(repo: string, walArchive: string, backup: Manifest): Promise<VerifyResult> {
  const problems: string[] = [];
  const source = path.join(repo, backup.id, dataDirName);
  for (const file of backup.files) {
    const stored = path.join(source, `${file.path}.gz`);
    if (!existsSync(stored)) {
      problems.push(`${file.path}: missing from the backup`);
      continue;
    }
    const checked = await checksumStoredFile(stored).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    // Damaged compressed bytes usually also break gunzip: the stored checksum says which it is.
    const storedIntact =
      checked instanceof Error
        ? hashFile(stored) === file.storedSha256
        : checked.storedSha256 === file.storedSha256 && checked.storedSize === file.storedSize;
    if (!storedIntact) problems.push(`${file.path}: damaged (stored checksum mismatch)`);
    else if (checked instanceof Error) problems.push(`${file.path}: unreadable (${checked.message})`);
    else if (checked.sha256 !== file.sha256 || checked.size !== file.size)
      problems.push(`${file.path}: content checksum mismatch`);
  }
  const wal = verifyWal(walArchive, backup);
  if (wal.problem) problems.push(wal.problem);
  return { backup: backup.id, problems, filesChecked: backup.files.length, walChecked: wal.checked };
}

function verifyWal(
  walArchive: string,
  backup: Manifest,
): { problem: string | undefined; checked: VerifyResult["walChecked"] } {
  const segmentSize = backup.walSegmentSize;
  const archive = readArchive(walArchive, segmentSize);
  const timeline = targetTimeline(backup, archive);
  const timelines = timelinePath(
    timeline,
    timeline === backup.timeline ? [] : (archive.histories.get(timeline) ?? []),
    segmentSize,
  );
  const first = parseSegmentFileName(backup.startWalSegment, segmentSize)!.segment;
  const onPath = [...archive.segments.keys()]
    .map((name) => ({ name, ...parseSegmentFileName(name, segmentSize)! }))
    .filter(
      (segment) => segment.segment >= first && timelineForSegment(timelines, segment.segment) === segment.timeline,
    );
  const newest = onPath.reduce(
    (max, segment) => (segment.segment > max ? segment.segment : max),
    parseSegmentFileName(backup.endWalSegment, segmentSize)!.segment,
  );
  let count = 0;
  for (let segment = first; segment <= newest; segment++) {
    const segmentTimeline = timelineForSegment(timelines, segment);
    const name = segmentFileName(segmentTimeline, segment, segmentSize);
    const checked = { from: backup.startWalSegment, to: name, count };
    if (!archive.segments.has(name)) return { problem: `WAL segment ${name}: missing from the archive`, checked };
    const damage = checkSegment(path.join(walArchive, name), {
      timeline: segmentTimeline,
      segment,
      segmentSize,
      systemIdentifier: backup.systemIdentifier,
    });
    if (damage) return { problem: `WAL segment ${name}: damaged (${damage})`, checked };
    count++;
  }
  return {
    problem: undefined,
    checked: {
      from: backup.startWalSegment,
      to: segmentFileName(timelineForSegment(timelines, newest), newest, segmentSize),
      count,
    },
  };
}

function hashFile(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}
