import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { clientConfig, type ConnectionSettings } from "../migrations/connection";
import { compressFile, fileConcurrency, forEachLimited, syncFileSystem } from "./copyFile";
import { isContentExcludedDirectory, isExcludedFile, unloggedForksToSkip } from "./exclusions";
import {
  backupIdFor,
  dataDirName,
  fsyncDirectory,
  progressFileName,
  writeManifest,
  type Manifest,
  type StoredFile,
} from "./manifest";
import type { BackupProgress } from "./repository";
import { formatInstant, parseInstant } from "./time";
import { formatLsn, parseLsn, segmentBefore, segmentFileName } from "./wal";

/** How long pg_backup_stop may wait for the archiver to take the backup's last segment. */
export const defaultArchiveWaitSeconds = 300;

export interface TakeBackupArgs {
  readonly connection: ConnectionSettings;
  /** The running server's data directory, readable by this process. */
  readonly pgdata: string;
  /** Backups land in `<repo>/<id>/`; created if missing. */
  readonly repo: string;
  /** @default defaultArchiveWaitSeconds */
  readonly archiveWaitSeconds?: number;
}

/**
 * Takes a base backup of a running PostgreSQL 16 with the low-level API:
 * pg_backup_start, copy the data directory (compressed, checksummed),
 * pg_backup_stop on the same connection, then the manifest — last and
 * atomically. If anything fails the backup directory is removed; if the
 * process dies, the directory stays without a manifest (never complete) and
 * the server ends the backup with the session.
 */
export async function takeBackup(args: TakeBackupArgs): Promise<Manifest> {
  const pgdata = path.resolve(args.pgdata);
  const systemIdentifier = readSystemIdentifier(pgdata);
  const owner = statSync(pgdata);
  const client = new Client(clientConfig(args.connection, "pgplat-backup"));
  await client.connect();
  // pg_backup_stop waits for the archiver without reading from the client; without this, a killed
  // take would leave its backend (and the backup) waiting on the server until archiving works again.
  await client.query("set client_connection_check_interval = '1s'");
  let backupDir: string | undefined;
  try {
    const server = await serverFacts(client);
    if (server.systemIdentifier !== undefined && server.systemIdentifier !== systemIdentifier) {
      throw new Error(
        `${pgdata} belongs to another cluster (system identifier ${systemIdentifier}) than the server at ${args.connection.host}:${args.connection.port} (${server.systemIdentifier})`,
      );
    }
    const id = backupIdFor(new Date());
    backupDir = createBackupDir(args.repo, id);
    const label = `pgplat ${id}`;
    const start = await client.query<{ lsn: string; time: string }>(
      `select pg_backup_start($1, true)::text as lsn, ${utcNow} as time`,
      [label],
    );
    const files = await copyDataDirectory(pgdata, path.join(backupDir, dataDirName), fileConcurrency);
    await client.query(
      `set statement_timeout = ${Math.round((args.archiveWaitSeconds ?? defaultArchiveWaitSeconds) * 1000)}`,
    );
    const stop = await client
      .query<{ lsn: string; labelfile: string; spcmapfile: string; time: string }>(
        `select lsn::text as lsn, labelfile, spcmapfile, ${utcNow} as time from pg_backup_stop(true)`,
      )
      .catch((error: unknown) => {
        throw new Error(
          `pg_backup_stop did not finish: ${error instanceof Error ? error.message : String(error)} (is WAL archiving working?)`,
        );
      });
    const { labelfile, spcmapfile } = stop.rows[0];
    if (spcmapfile.trim() !== "")
      throw new Error("the server has tablespaces outside the data directory; pgplat backups do not support them");
    const timeline = labelTimeline(labelfile);
    const startLsn = parseLsn(start.rows[0].lsn);
    const endLsn = parseLsn(stop.rows[0].lsn);
    const manifest: Manifest = {
      format: 1,
      id,
      status: "complete",
      label,
      pgVersionNum: server.versionNum,
      systemIdentifier,
      timeline,
      walSegmentSize: server.walSegmentSize,
      startLsn: formatLsn(startLsn),
      endLsn: formatLsn(endLsn),
      startTime: normalizeTime(start.rows[0].time),
      endTime: normalizeTime(stop.rows[0].time),
      startWalSegment: labelStartSegment(labelfile),
      endWalSegment: segmentFileName(timeline, segmentBefore(endLsn, server.walSegmentSize), server.walSegmentSize),
      owner: { uid: owner.uid, gid: owner.gid },
      sizeBytes: files.stored.reduce((sum, file) => sum + file.size, 0),
      storedBytes: files.stored.reduce((sum, file) => sum + file.storedSize, 0),
      backupLabel: labelfile,
      directories: [...files.directories],
      files: [...files.stored],
    };
    rmSync(path.join(backupDir, progressFileName));
    writeManifest(backupDir, manifest);
    return manifest;
  } catch (error) {
    if (backupDir) rmSync(backupDir, { recursive: true, force: true });
    throw error;
  } finally {
    // Ending the session also ends a backup still in progress on the server.
    await client.end().catch(() => undefined);
  }
}

const utcNow = `to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

interface ServerFacts {
  readonly versionNum: number;
  readonly walSegmentSize: number;
  /** Undefined when the login may not read pg_control_system(). */
  readonly systemIdentifier: string | undefined;
}

async function serverFacts(client: Client): Promise<ServerFacts> {
  const { rows } = await client.query<{ version: string; segment: string; recovery: boolean }>(
    "select current_setting('server_version_num') as version, pg_size_bytes(current_setting('wal_segment_size'))::text as segment, pg_is_in_recovery() as recovery",
  );
  const versionNum = Number(rows[0].version);
  if (Math.floor(versionNum / 10000) !== 16)
    throw new Error(`the server runs PostgreSQL ${versionNum}; pgplat backups are for PostgreSQL 16`);
  if (rows[0].recovery) throw new Error("the server is a standby; take backups from the primary");
  const identifier = await client
    .query<{ id: string }>("select system_identifier::text as id from pg_control_system()")
    .then((result) => result.rows[0].id)
    .catch(() => undefined);
  return { versionNum, walSegmentSize: Number(rows[0].segment), systemIdentifier: identifier };
}

/** The first 8 bytes of global/pg_control: the cluster's system identifier. */
function readSystemIdentifier(pgdata: string): string {
  const versionFile = path.join(pgdata, "PG_VERSION");
  if (!existsSync(versionFile))
    throw new Error(`${pgdata} is not a PostgreSQL data directory (no PG_VERSION), or this process cannot read it`);
  const version = readFileSync(versionFile, "utf8").trim();
  if (version !== "16") throw new Error(`${pgdata} holds PostgreSQL ${version}; pgplat backups are for PostgreSQL 16`);
  return readFileSync(path.join(pgdata, "global", "pg_control"))
    .readBigUInt64LE(0)
    .toString();
}

/** The backup directory appears under its id with progress.json already in it, so prune never sees one without it. */
function createBackupDir(repo: string, id: string): string {
  mkdirSync(repo, { recursive: true, mode: 0o700 });
  const staging = path.join(repo, `.${id}.new`);
  mkdirSync(staging, { mode: 0o700 });
  const progress: BackupProgress = { pid: process.pid, hostname: hostname(), startTime: new Date().toISOString() };
  writeFileSync(path.join(staging, progressFileName), JSON.stringify(progress), { mode: 0o600 });
  mkdirSync(path.join(staging, dataDirName), { mode: 0o700 });
  const dir = path.join(repo, id);
  renameSync(staging, dir);
  fsyncDirectory(repo);
  return dir;
}

interface CopiedTree {
  readonly stored: readonly StoredFile[];
  readonly directories: readonly string[];
}

/** Copies every file the backup keeps; files that vanish while copying (a dropped table) are skipped, as WAL replay drops them anyway. */
async function copyDataDirectory(pgdata: string, target: string, concurrency: number): Promise<CopiedTree> {
  const directories: string[] = [];
  const files: { relative: string; mode: number }[] = [];
  const walk = (relative: string) => {
    const absolute = relative === "" ? pgdata : path.join(pgdata, relative);
    const entries = readdirSync(absolute, { withFileTypes: true });
    const skipForks = /^base\/\d+$/.test(relative)
      ? unloggedForksToSkip(entries.map((entry) => entry.name))
      : new Set<string>();
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        if (relative === "pg_tblspc")
          throw new Error(
            `tablespace ${child} lives outside the data directory; pgplat backups do not support tablespaces`,
          );
        if (child === "pg_wal") {
          directories.push(child);
          continue;
        }
        throw new Error(`${path.join(pgdata, child)} is a symbolic link; pgplat backups copy plain files only`);
      }
      if (entry.isDirectory()) {
        directories.push(child);
        mkdirSync(path.join(target, child), { mode: 0o700 });
        if (!isContentExcludedDirectory(child)) walk(child);
      } else if (entry.isFile() && !isExcludedFile(child) && !skipForks.has(entry.name)) {
        files.push({ relative: child, mode: lstatSafe(path.join(absolute, entry.name)) });
      }
    }
  };
  walk("");
  const stored: StoredFile[] = [];
  await forEachLimited(files, concurrency, async (file) => {
    try {
      const result = await compressFile(path.join(pgdata, file.relative), path.join(target, `${file.relative}.gz`));
      stored.push({ path: file.relative, mode: file.mode, ...result });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      rmSync(path.join(target, `${file.relative}.gz`), { force: true });
    }
  });
  stored.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  syncFileSystem(target);
  return { stored, directories };
}

function lstatSafe(file: string): number {
  try {
    return lstatSync(file).mode & 0o777;
  } catch {
    return 0o600;
  }
}

function labelTimeline(label: string): number {
  const match = /^START TIMELINE: (\d+)$/m.exec(label);
  if (!match) throw new Error("pg_backup_stop returned a backup label without START TIMELINE");
  return Number(match[1]);
}

function labelStartSegment(label: string): string {
  const match = /^START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)$/m.exec(label);
  if (!match) throw new Error("pg_backup_stop returned a backup label without START WAL LOCATION");
  return match[1];
}

function normalizeTime(text: string): string {
  const micros = parseInstant(text);
  if (micros === undefined) throw new Error(`the server returned an unreadable time ${text}`);
  return formatInstant(micros);
}
