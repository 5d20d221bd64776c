import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";

/** Name of the file whose presence makes a backup complete; written last, atomically. */
export const manifestFileName = "manifest.json";
/** Written first; says which process is taking the backup, so prune leaves a running one alone. */
export const progressFileName = "progress.json";
/** Where the compressed copies of the data directory's files live inside a backup. */
export const dataDirName = "data";

const storedFile = z.strictObject({
  /** Relative to the data directory, with forward slashes. */
  path: z.string().min(1),
  size: z.number().int().min(0),
  mode: z.number().int(),
  /** SHA-256 of the file's content as copied. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  storedSize: z.number().int().min(0),
  /** SHA-256 of the gzip file in the backup: a flipped byte is found without decompressing. */
  storedSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const manifestSchema = z.strictObject({
  format: z.literal(1),
  id: z.string().regex(/^\d{8}T\d{9}Z$/),
  status: z.literal("complete"),
  label: z.string(),
  pgVersionNum: z.number().int(),
  systemIdentifier: z.string().regex(/^\d+$/),
  timeline: z.number().int().min(1),
  walSegmentSize: z.number().int().min(1),
  startLsn: z.string(),
  endLsn: z.string(),
  startTime: z.iso.datetime({ offset: true }),
  endTime: z.iso.datetime({ offset: true }),
  /** The first WAL segment recovery needs (holds the backup's checkpoint). */
  startWalSegment: z.string().regex(/^[0-9A-F]{24}$/),
  /** The last WAL segment needed to reach consistency. */
  endWalSegment: z.string().regex(/^[0-9A-F]{24}$/),
  /** Owner of the data directory when the backup was taken; restore as root hands the result to it. */
  owner: z.strictObject({ uid: z.number().int(), gid: z.number().int() }),
  sizeBytes: z.number().int().min(0),
  storedBytes: z.number().int().min(0),
  backupLabel: z.string().min(1),
  /** Directories to recreate, including the ones whose contents are excluded (pg_wal, pg_replslot, …). */
  directories: z.array(z.string()),
  files: z.array(storedFile),
});

export type Manifest = z.output<typeof manifestSchema>;
export type StoredFile = z.output<typeof storedFile>;

/** Reads and validates a manifest; throws naming the file when it is not one. */
export function readManifest(backupDir: string): Manifest {
  const file = path.join(backupDir, manifestFileName);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not a readable manifest (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    });
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success)
    throw new Error(
      `${file}: not a valid manifest (${result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")})`,
    );
  return result.data;
}

/** Writes `content` to `file` so that readers see either nothing or all of it: temp file, fsync, rename, fsync the directory. */
export function writeFileAtomically(file: string, content: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  const descriptor = openSync(temporary, "wx", 0o600);
  try {
    writeSync(descriptor, content);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, file);
  fsyncDirectory(path.dirname(file));
}

export function fsyncDirectory(directory: string): void {
  const descriptor = openSync(directory, "r");
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

export function writeManifest(backupDir: string, manifest: Manifest): void {
  writeFileAtomically(
    path.join(backupDir, manifestFileName),
    `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`,
  );
}

/** Backup ids sort by start time: `20261130T101500123Z`. */
export function backupIdFor(time: Date): string {
  const iso = time.toISOString(); // 2026-11-30T10:15:00.123Z
  return `${iso.slice(0, 10).replaceAll("-", "")}T${iso.slice(11, 19).replaceAll(":", "")}${iso.slice(20, 23)}Z`;
}
