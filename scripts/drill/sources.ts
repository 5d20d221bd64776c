import { chownSync, mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import type { StackConfig } from "../../config";
import { readRun, runningServers } from "../../local/platform";
import { localHost, superuserConnection } from "../../local/postgres";
import { startScratchPostgres } from "../../local/scratchPostgres";
import { readLocalSecrets } from "../../local/secrets";
import { findStateDir } from "../../local/stateDir";
import { serverUser, type ServerUser } from "../lib/serverUser";

/** The server the drill writes its rows into, and whose backups and WAL archive it restores. */
export interface DrillSource {
  /** For the log: what was drilled. */
  readonly description: string;
  readonly port: number;
  readonly superuserPassword: string;
  /** Who runs the source's server, and so the restored ones. */
  readonly user: ServerUser;
  readonly pgdata: string;
  readonly repo: string;
  readonly walArchiveDir: string;
  /** A directory of the drill's own beside the archive (same filesystem, so the archive can be hard-linked into it). */
  readonly workDir: string;
  /** After the disaster: a throwaway source stops for good; a running stack keeps serving. */
  afterDisaster(): Promise<string>;
  /** Removes what the drill added, stopping the source when the drill started it. */
  release(): Promise<void>;
}

/** Name of the database the drill writes into (and drops afterwards on a running stack). */
export const drillDatabase = "pgplat_drill";

/** A new server in a temp directory started as `npm start` starts a stack's: the drill owns it from start to end. */
export async function scratchSource(config: StackConfig): Promise<DrillSource> {
  const server = await startScratchPostgres(config);
  return {
    description: `a throwaway PostgreSQL 16 on ${localHost}:${server.port}`,
    port: server.port,
    superuserPassword: server.superuserPassword,
    user: server.user,
    pgdata: server.state.dataDir,
    repo: server.state.backupsDir,
    walArchiveDir: server.state.walArchiveDir,
    workDir: server.state.real,
    afterDisaster: async () => {
      await server.halt();
      return "the source server is stopped";
    },
    release: () => server.remove(),
  };
}

/**
 * The stack `npm start` runs on this machine: the drill restores from the
 * stack's own backups and WAL archive (the newest base backup the schedule
 * took) and leaves its data alone, writing only into a database of its own
 * that it drops at the end.
 */
export function localStackSource(stack: string, env: NodeJS.ProcessEnv = process.env): DrillSource {
  const state = findStateDir(stack, env);
  const record = readRun(state);
  if (!record.ports || !runningServers(record))
    throw new Error(`the local ${stack} stack is not running: npm start -- ${stack} --detach starts it`);
  const port = record.ports.postgres;
  const superuserPassword = readLocalSecrets(state.secretsFile).superuser;
  const user = serverUser();
  const workDir = mkdtempSync(path.join(state.real, "drill-"));
  // The restored servers read the archive snapshot in it.
  chownSync(workDir, user.uid, user.gid);
  return {
    description: `the local ${stack} stack (PostgreSQL on ${localHost}:${port}, backups in ${state.backupsDir})`,
    port,
    superuserPassword,
    user,
    pgdata: state.dataDir,
    repo: state.backupsDir,
    walArchiveDir: state.walArchiveDir,
    workDir,
    afterDisaster: async () => "the stack keeps running; from here on the drill reads only its backups and archive",
    release: async () => {
      try {
        await dropDrillDatabase(port, superuserPassword);
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}

/** Drops the drill's database, even with sessions left in it (an interrupted drill's). */
export async function dropDrillDatabase(port: number, superuserPassword: string): Promise<void> {
  const client = new Client(superuserConnection(port, superuserPassword));
  await client.connect();
  try {
    await client.query(`drop database if exists ${drillDatabase} with (force)`);
  } finally {
    await client.end();
  }
}
