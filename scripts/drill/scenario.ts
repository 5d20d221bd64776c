import { chownSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import type { StackConfig } from "../../config";
import { restoreBackup } from "../../backups/restore";
import { takeBackup } from "../../backups/take";
import { parseInstant, type Micros } from "../../backups/time";
import type { RecoveryTarget } from "../../backups/walPlan";
import { completeBackups } from "../../backups/repository";
import { settingsFromUrl } from "../../migrations/connection";
import { localHost, postgresSuperuser, superuserConnection } from "../../local/postgres";
import { waitUntilReady } from "../../local/processes";
// Restored servers boot exactly as npm start boots a stack's: the rendered config and the real archive script.
import { scratchState, startScratchPostgres, type ScratchPostgres } from "../../local/scratchPostgres";
import type { ServerUser } from "../lib/serverUser";
import { archiveUntouched, listArchive } from "./archiveCheck";
import { drillDatabase, dropDrillDatabase, type DrillSource } from "./sources";

export interface DrillReport {
  readonly backupId: string;
  readonly committedBeforeTarget: number;
  readonly restoredAtTarget: number;
  /** Rows restored that were committed after the target: must be none. */
  readonly restoredAfterTarget: number;
  readonly missingBeforeTarget: number;
  readonly dropReplayed: boolean;
  readonly indexesChecked: number;
  /** Newest commit lost had the server died at the disaster, from the archive as it was then. */
  readonly rpoSeconds: number;
  readonly archiveTimeoutSeconds: number;
  /** Restore to the target plus replay until the server accepts connections as a primary. */
  readonly rtoSeconds: number;
  readonly sourceArchiveUntouched: boolean;
  readonly passed: boolean;
}

interface Commit {
  readonly id: number;
  readonly committedAt: Micros;
}

/**
 * The restore drill: rows committed continuously into a database of its own
 * on the source, a base backup (see ensureBackup), a target time between two
 * commits, more commits, a disaster (the table dropped); then restores the
 * source's backups and archive to the target (exactly the rows up to it), to
 * the latest point (the drop replayed) and to the latest point of the archive
 * as it stood at the disaster (the RPO).
 */
export async function runDrill(
  config: StackConfig,
  source: DrillSource,
  log: (line: string) => void,
): Promise<DrillReport> {
  const archiveTimeoutSeconds = config.postgres.archiveTimeoutSeconds;
  const cleanups: Array<() => Promise<void>> = [() => source.release()];
  try {
    log(`source: ${source.description}`);
    await dropDrillDatabase(source.port, source.superuserPassword);
    await query(source, "postgres", `create database ${drillDatabase}`);
    await query(
      source,
      drillDatabase,
      "create table drill_rows (id bigint primary key, committed_at timestamptz not null default clock_timestamp())",
    );
    await query(source, drillDatabase, "create index drill_rows_committed_at on drill_rows (committed_at)");
    const writer = startWriter(await connect(source, drillDatabase));
    await sleep(1_000);
    await ensureBackup(source, writer.commits.length, log);
    await sleep(1_000);
    const { lastBefore, target } = await writer.pauseAround(
      async () => (await query<{ now: string }>(source, "postgres", `select ${utcNow} as now`))[0].now,
    );
    log(`target ${target}: between row ${lastBefore} and row ${lastBefore + 1}`);
    // Long enough that archive_timeout switched segments at least once since the target.
    await sleep((archiveTimeoutSeconds + 2) * 1_000);
    const commits = await writer.stop();
    const snapshot = snapshotArchive(
      source.walArchiveDir,
      path.join(source.workDir, "archive-at-disaster"),
      source.user,
    );
    const [{ timeline }] = await query<{ timeline: number }>(
      source,
      "postgres",
      "select timeline_id as timeline from pg_control_checkpoint()",
    );
    await query(source, drillDatabase, "drop table drill_rows");
    await archiveCurrentSegment(source);
    const archiveBefore = listArchive(source.walArchiveDir);
    log(`disaster: drill_rows dropped after ${commits.length} commits; ${await source.afterDisaster()}`);

    const atTarget = await restoreAndStart(
      config,
      source,
      source.walArchiveDir,
      { kind: "time", time: parseInstant(target)! },
      cleanups,
    );
    const restoredIds = (
      await queryRestored<{ id: string }>(atTarget.server, "select id from drill_rows order by id")
    ).map((row) => Number(row.id));
    const expected = commits.filter((commit) => commit.id <= lastBefore).map((commit) => commit.id);
    const indexesChecked = await checkIndexes(atTarget.server);
    log(
      `restored backup ${atTarget.backupId} to the target in ${atTarget.seconds.toFixed(1)} s: ${restoredIds.length} rows (expected ${expected.length}); amcheck passed on ${indexesChecked} indexes`,
    );

    const latest = await restoreAndStart(config, source, source.walArchiveDir, { kind: "latest" }, cleanups);
    const dropReplayed =
      (
        await queryRestored<{ present: boolean }>(
          latest.server,
          "select to_regclass('drill_rows') is not null as present",
        )
      )[0].present === false;
    log(
      `restored to the latest point: drill_rows ${dropReplayed ? "is gone (the drop was replayed)" : "still exists"}`,
    );

    const beforeLoss = await restoreAndStart(config, source, snapshot, { kind: "latest" }, cleanups);
    const newest = (
      await queryRestored<{ newest: string }>(
        beforeLoss.server,
        `select to_char(max(committed_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as newest from drill_rows`,
      )
    )[0].newest;
    const lastCommit = commits[commits.length - 1].committedAt;
    const rpoSeconds = Math.max(0, Number(lastCommit - parseInstant(newest)!) / 1e6);
    log(
      `had the server died at the disaster, the archive then held every commit up to ${newest}: RPO ${rpoSeconds.toFixed(1)} s (archive_timeout ${archiveTimeoutSeconds} s)`,
    );

    const sourceArchiveUntouched = archiveUntouched(archiveBefore, listArchive(source.walArchiveDir), timeline);
    const restoredSet = new Set(restoredIds);
    const report: DrillReport = {
      backupId: atTarget.backupId,
      committedBeforeTarget: expected.length,
      restoredAtTarget: restoredIds.length,
      restoredAfterTarget: restoredIds.filter((id) => id > lastBefore).length,
      missingBeforeTarget: expected.filter((id) => !restoredSet.has(id)).length,
      dropReplayed,
      indexesChecked,
      rpoSeconds,
      archiveTimeoutSeconds,
      rtoSeconds: atTarget.seconds,
      sourceArchiveUntouched,
      passed: false,
    };
    const passed =
      report.restoredAfterTarget === 0 &&
      report.missingBeforeTarget === 0 &&
      report.restoredAtTarget === report.committedBeforeTarget &&
      dropReplayed &&
      indexesChecked > 0 &&
      sourceArchiveUntouched &&
      // One segment switch late at most, plus the time to copy it.
      rpoSeconds <= archiveTimeoutSeconds + 2;
    return { ...report, passed };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * The drill restores the newest complete base backup that ended before its
 * target: on a running stack, the one its schedule took. A repository with
 * none (a throwaway source, or a stack whose first backup is still running)
 * gets one now, under the writer's load.
 */
async function ensureBackup(source: DrillSource, rowsSoFar: number, log: (line: string) => void): Promise<void> {
  const existing = completeBackups(source.repo);
  if (existing.length > 0) {
    const newest = existing[existing.length - 1];
    log(`the repository's newest base backup is ${newest.id} (ended ${newest.endTime}): the drill restores from it`);
    return;
  }
  const url = `postgresql://${postgresSuperuser}:${encodeURIComponent(source.superuserPassword)}@${localHost}:${source.port}/postgres`;
  const backup = await takeBackup({ connection: settingsFromUrl(url), pgdata: source.pgdata, repo: source.repo });
  log(`backup ${backup.id} taken under load (${rowsSoFar} rows so far)`);
}

const utcNow = `to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One row per transaction, one after the other, each stamped with its time just before commit. */
function startWriter(client: Client) {
  const commits: Commit[] = [];
  let running = true;
  let paused: Promise<void> | undefined;
  let next = 1;
  const loop = (async () => {
    while (running) {
      if (paused) await paused;
      const { rows } = await client.query<{ at: string }>(
        `insert into drill_rows (id) values ($1) returning to_char(committed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at`,
        [next],
      );
      commits.push({ id: next, committedAt: parseInstant(rows[0].at)! });
      next++;
      await sleep(10);
    }
  })();
  return {
    commits,
    /** Runs `read` (which returns the target time) while no transaction is in flight. */
    async pauseAround(read: () => Promise<string>): Promise<{ lastBefore: number; target: string }> {
      let resume!: () => void;
      paused = new Promise((resolve) => (resume = resolve));
      await sleep(50); // the in-flight insert, if any, commits
      const lastBefore = commits[commits.length - 1].id;
      const target = await read();
      await sleep(5);
      paused = undefined;
      resume();
      return { lastBefore, target };
    },
    async stop(): Promise<readonly Commit[]> {
      running = false;
      await loop;
      await client.end();
      return commits;
    },
  };
}

/** The archive as it stood at one moment: hard links, so later archiving does not change it. */
function snapshotArchive(archiveDir: string, into: string, user: ServerUser): string {
  mkdirSync(into, { mode: 0o700 });
  chownSync(into, user.uid, user.gid);
  for (const name of readdirSync(archiveDir))
    if (!name.startsWith(".")) linkSync(path.join(archiveDir, name), path.join(into, name));
  return into;
}

async function archiveCurrentSegment(source: DrillSource): Promise<void> {
  const [{ segment }] = await query<{ segment: string }>(
    source,
    "postgres",
    "select pg_walfile_name(pg_switch_wal()) as segment",
  );
  await waitUntilReady(
    `segment ${segment} to be archived`,
    async () => {
      if (!existsSync(path.join(source.walArchiveDir, segment))) throw new Error("not yet");
    },
    30_000,
  );
}

async function restoreAndStart(
  config: StackConfig,
  source: DrillSource,
  walArchive: string,
  target: RecoveryTarget,
  cleanups: Array<() => Promise<void>>,
) {
  const state = scratchState("restored", source.user);
  cleanups.push(async () => rmSync(state.real, { recursive: true, force: true }));
  const started = process.hrtime.bigint();
  const restored = await restoreBackup({ repo: source.repo, walArchive, into: state.dataDir, target });
  const server = await startScratchPostgres(config, {
    restored: { state, superuserPassword: source.superuserPassword },
  });
  cleanups.push(() => server.remove());
  await waitUntilReady(
    "the restored server to promote",
    async () => {
      if ((await server.query<{ recovery: boolean }>("select pg_is_in_recovery() as recovery"))[0].recovery)
        throw new Error("still in recovery");
    },
    120_000,
  );
  return { server, backupId: restored.backup.id, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** amcheck on every B-tree index of every database of the restored server, heap included. */
async function checkIndexes(server: ScratchPostgres): Promise<number> {
  const databases = await server.query<{ name: string }>(
    "select datname as name from pg_database where datallowconn and not datistemplate order by datname",
  );
  let checked = 0;
  for (const { name } of databases) {
    const client = await server.connect({ database: name });
    try {
      await client.query("create extension if not exists amcheck");
      const { rows } = await client.query<{ checked: string }>(
        `select count(bt_index_check(c.oid, true))::text as checked
           from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
          where a.amname = 'btree' and c.relpersistence <> 't' and i.indisready and i.indisvalid`,
      );
      checked += Number(rows[0].checked);
    } finally {
      await client.end();
    }
  }
  return checked;
}

function connect(source: DrillSource, database: string): Promise<Client> {
  const client = new Client(superuserConnection(source.port, source.superuserPassword, database));
  return client.connect().then(() => client);
}

async function query<Row extends Record<string, unknown>>(
  source: DrillSource,
  database: string,
  sql: string,
): Promise<Row[]> {
  const client = await connect(source, database);
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function queryRestored<Row extends Record<string, unknown>>(
  server: ScratchPostgres,
  sql: string,
): Promise<Row[]> {
  const client = await server.connect({ database: drillDatabase });
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}
