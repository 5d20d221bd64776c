import { chownSync, existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { freePort, runAs, serverTempDir, serverUser, startManagedServer, type ManagedServer } from "./processes";

/**
 * Debian's PostgreSQL 15 server, the one server whose client tools (pg_dump,
 * pg_restore 15) can be installed here as a matching pair: pg_dump refuses
 * servers newer than itself, and the PostgreSQL 16 client is not packaged.
 */
export const postgres15BinDir = "/usr/lib/postgresql/15/bin";

export interface Postgres15Server {
  readonly port: number;
  readonly superuser: string;
  readonly password: string;
  /** libpq variables for a superuser connection over TCP on loopback. */
  readonly env: Readonly<Record<string, string>>;
  query(sql: string, database?: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * Why the PostgreSQL 15 and AWS CLI tests cannot run here, or undefined when they can.
 * Outside CI that skips them with a warning; in CI (which installs both) it is an error.
 */
export function dumpToolsMissing(): string | undefined {
  const needed = [
    ...["postgres", "initdb", "pg_dump", "pg_dumpall", "pg_restore", "psql"].map((name) =>
      path.join(postgres15BinDir, name),
    ),
    awsCli,
  ];
  const missing = needed.filter((file) => !existsSync(file));
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(", ")} not found: install postgresql-15 and awscli (apt-get install postgresql-15 awscli) or run \`npm test\`, which installs them`;
  if (process.env.CI) throw new Error(reason);
  console.warn(`SKIPPED: ${reason}`);
  return reason;
}

/** Debian's AWS CLI package; the image installs the same package. */
export const awsCli = "/usr/bin/aws";

/** PATH for the dump tools: the PostgreSQL 15 client first, then Debian's AWS CLI. */
export const dumpToolsPath = `${postgres15BinDir}:/usr/bin:/bin`;

export async function startPostgres15(): Promise<Postgres15Server> {
  const user = serverUser();
  const root = serverTempDir(user, "postgres15");
  const port = await freePort();
  const superuser = "admin";
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = path.join(root, "pwfile");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  chownSync(pwfile, user.uid, user.gid);
  const dataDir = path.join(root, "data");
  runAs(user, path.join(postgres15BinDir, "initdb"), [
    "-D",
    dataDir,
    "-U",
    superuser,
    "--pwfile",
    pwfile,
    "--auth=scram-sha-256",
    "--no-locale",
    "-E",
    "UTF8",
  ]);
  const env = {
    PGHOST: "127.0.0.1",
    PGPORT: String(port),
    PGUSER: superuser,
    PGPASSWORD: password,
    PGDATABASE: "postgres",
    PGSSLMODE: "disable",
  };
  const query = async (sql: string, database = "postgres") => {
    const client = new Client({ host: "127.0.0.1", port, user: superuser, password, database });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  const server: ManagedServer = await startManagedServer({
    what: "PostgreSQL 15",
    command: path.join(postgres15BinDir, "postgres"),
    argv: [
      "-D",
      dataDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${root}`,
      "-c",
      "fsync=off",
    ],
    user,
    root,
    ready: () => query("SELECT 1"),
    stopSignal: "SIGINT",
  });
  return { port, superuser, password, env, query, stop: () => server.stop() };
}
