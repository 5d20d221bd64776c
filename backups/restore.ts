import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { readArchive } from "./archive";
import { decompressFile, fileConcurrency, forEachLimited } from "./copyFile";
import { dataDirName, type Manifest } from "./manifest";
import { completeBackups } from "./repository";
import { formatRecoveryTargetTime, parseInstant } from "./time";
import { planWal, type RecoveryTarget } from "./walPlan";

export interface RestoreArgs {
  readonly repo: string;
  readonly walArchive: string;
  /** A directory that does not exist yet or is empty. */
  readonly into: string;
  readonly target: RecoveryTarget;
  /** Restore this backup instead of the newest one that ends before the target. */
  readonly backupId?: string;
}

export interface RestoreResult {
  readonly backup: Manifest;
  readonly timeline: number;
  readonly segments: readonly string[];
}

/**
 * Picks the backup for a target: the one named, or the newest complete one
 * that ended before the target. A target at or before the backup's end is
 * refused: recovery cannot stop before the backup is consistent.
 */
export function chooseBackup(
  backups: readonly Manifest[],
  target: RecoveryTarget,
  backupId?: string,
): Manifest | string {
  if (backupId !== undefined) {
    const named = backups.find((backup) => backup.id === backupId);
    if (!named) return `no complete backup ${backupId} in the repository`;
    if (target.kind === "time" && target.time <= parseInstant(named.endTime)!)
      return `backup ${backupId} ended at ${named.endTime}; a target before its end cannot be reached from it`;
    return named;
  }
  if (backups.length === 0) return "the repository holds no complete backup";
  const candidates =
    target.kind === "latest" ? backups : backups.filter((backup) => parseInstant(backup.endTime)! < target.time);
  if (candidates.length === 0)
    return `no complete backup ended before the target; the oldest, ${backups[0].id}, ended at ${backups[0].endTime}`;
  return candidates.reduce((a, b) => (a.endTime >= b.endTime ? a : b));
}

/**
 * Restores a base backup into a new directory and writes the recovery
 * settings, after proving the archive holds the WAL to reach the target.
 * Starting PostgreSQL 16 on the directory then replays to the target and
 * promotes. On failure nothing that looks like a data directory is left.
 */
export async function restoreBackup(args: RestoreArgs): Promise<RestoreResult> {
  const choice = chooseBackup(completeBackups(args.repo), args.target, args.backupId);
  if (typeof choice === "string") throw new Error(choice);
  const walArchive = path.resolve(args.walArchive);
  const plan = planWal(choice, readArchive(walArchive, choice.walSegmentSize), args.target);
  if (!plan.ok) throw new Error(plan.problem);
  const into = path.resolve(args.into);
  const existed = prepareTarget(into);
  try {
    await unpack(choice, path.join(args.repo, choice.id, dataDirName), into);
    writeFileSync(
      path.join(into, "postgresql.auto.conf"),
      recoverySettings(readIfExists(path.join(into, "postgresql.auto.conf")), walArchive, args.target),
      { mode: 0o600 },
    );
    writeFileSync(path.join(into, "backup_label"), choice.backupLabel, { mode: 0o600 });
    // Last: only a fully unpacked directory starts recovery.
    writeFileSync(path.join(into, "recovery.signal"), "", { mode: 0o600 });
    chmodSync(into, 0o700);
    handOver(into, choice, existed);
  } catch (error) {
    if (existed) for (const name of readdirSync(into)) rmSync(path.join(into, name), { recursive: true, force: true });
    else rmSync(into, { recursive: true, force: true });
    throw error;
  }
  return { backup: choice, timeline: plan.timeline, segments: plan.segments };
}

/** Creates `into` or checks that it is empty; returns whether it existed. Never writes into a directory that has files. */
function prepareTarget(into: string): { uid: number; gid: number } | undefined {
  if (existsSync(into)) {
    const stat = lstatSync(into);
    if (!stat.isDirectory()) throw new Error(`${into} exists and is not a directory`);
    if (readdirSync(into).length > 0)
      throw new Error(`${into} is not empty; restore only writes into a new or empty directory`);
    return { uid: stat.uid, gid: stat.gid };
  }
  mkdirSync(into, { recursive: true, mode: 0o700 });
  return undefined;
}

async function unpack(backup: Manifest, source: string, into: string): Promise<void> {
  for (const directory of backup.directories) mkdirSync(path.join(into, directory), { recursive: true, mode: 0o700 });
  mkdirSync(path.join(into, "pg_wal", "archive_status"), { recursive: true, mode: 0o700 });
  await forEachLimited(backup.files, fileConcurrency, async (file) => {
    const copied = await decompressFile(
      path.join(source, `${file.path}.gz`),
      path.join(into, file.path),
      file.mode || 0o600,
    );
    if (copied.sha256 !== file.sha256 || copied.size !== file.size)
      throw new Error(
        `backup ${backup.id}: ${file.path} does not match its manifest checksum; the backup is damaged (run verify)`,
      );
  });
}

/** Settings recovery reads; archive settings copied from the source are dropped so the restored server never archives into the source's archive. */
const replacedSettings =
  /^\s*(restore_command|recovery_target\w*|archive_command|archive_library|archive_mode|primary_conninfo|primary_slot_name)\s*=/;

export function recoverySettings(existing: string, walArchive: string, target: RecoveryTarget): string {
  const kept = existing
    .split("\n")
    .filter((line) => !replacedSettings.test(line))
    .join("\n")
    .trimEnd();
  const lines = [
    "# Written by pgplat restore. PostgreSQL reads these only while recovery.signal exists.",
    `restore_command = ${confString(`cp ${shellQuote(path.join(walArchive, "%f"))} "%p"`)}`,
    "recovery_target_timeline = 'latest'",
  ];
  if (target.kind === "time")
    lines.push(
      `recovery_target_time = '${formatRecoveryTargetTime(target.time)}'`,
      "recovery_target_action = 'promote'",
    );
  return `${kept === "" ? "" : `${kept}\n`}${lines.join("\n")}\n`;
}

/** A shell word; `%` is doubled because PostgreSQL expands %f, %p and %r in restore_command. */
function shellQuote(text: string): string {
  const [directory, file] = [path.dirname(text), path.basename(text)];
  return `'${directory.replaceAll("%", "%%").replaceAll("'", "'\\''")}'/${file}`;
}

function confString(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** Run as root, the result belongs to whoever will run the server: the existing directory's owner, else the backed-up data directory's. */
function handOver(into: string, backup: Manifest, existing: { uid: number; gid: number } | undefined): void {
  if (process.getuid?.() !== 0) return;
  const owner = existing && existing.uid !== 0 ? existing : backup.owner;
  const walk = (entry: string) => {
    chownSync(entry, owner.uid, owner.gid);
    if (statSync(entry).isDirectory()) for (const name of readdirSync(entry)) walk(path.join(entry, name));
  };
  walk(into);
}
