import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loginRoles, monitoringLogin, pgbouncerAdminUser, type StackConfig } from "../config";
import { serverUser } from "../scripts/lib/serverUser";
import { startLocalBackups } from "./backups";
import { databaseSetupDigest, setUpLocalDatabase } from "./database";
import { localOutputs, type LocalOutputs, type LocalPorts } from "./outputs";
import { startLocalPgbouncer } from "./pgbouncer";
import { localHost, startLocalPostgres } from "./postgres";
import { freePort, isRunning, portFree, stopServer, type ServerProcess } from "./processes";
import { startLocalRedis } from "./redis";
import { loadSecrets } from "./secrets";
import { ensureStateDir, findStateDir, removeStateDir, type StateDir } from "./stateDir";

type PortName = keyof LocalPorts;
/** The three servers, and the backup schedule when the stack has backups on. */
export type ServerName = PortName | "backups";

/** What run.json records: the ports (kept across stops, so URIs stay the same) and the running servers. */
export interface RunRecord {
  readonly ports?: LocalPorts;
  readonly servers?: Partial<Record<ServerName, ServerProcess>>;
  /** Digest of the roles and database step last completed on this data (see databaseSetupDigest). */
  readonly databaseSetup?: string;
  /** Set while `npm run stop` (or a foreground start's Ctrl-C) stops the servers. */
  readonly stopping?: boolean;
}

export interface LocalPlatform {
  readonly state: StateDir;
  readonly outputs: LocalOutputs;
  readonly servers: Readonly<Record<PortName, ServerProcess>> & { readonly backups?: ServerProcess };
  /** The stack was already running; nothing was started. */
  readonly alreadyRunning: boolean;
}

export interface StartLocalArgs {
  readonly stack: string;
  readonly config: StackConfig;
  /**
   * Stop the stack if it runs and start from an empty state directory.
   * @default false
   */
  readonly reset?: boolean;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines (to stderr in the CLI, so stdout carries only the outputs). */
  readonly say?: (line: string) => void;
}

/** How each server is asked to stop, and how long it gets before SIGKILL. */
const shutdown: Readonly<Record<ServerName, { readonly signal: NodeJS.Signals; readonly graceMs: number }>> = {
  // Fast shutdown: clients are disconnected, everything is checkpointed.
  postgres: { signal: "SIGINT", graceMs: 60_000 },
  pgbouncer: { signal: "SIGINT", graceMs: 10_000 },
  // Redis saves its snapshot on SIGTERM.
  redis: { signal: "SIGTERM", graceMs: 30_000 },
  // The schedule stops after a backup in progress completes.
  backups: { signal: "SIGTERM", graceMs: 120_000 },
};

const configKeys: Readonly<Record<PortName, string>> = {
  postgres: "pgplat:postgres.port",
  pgbouncer: "pgplat:pgbouncer.port",
  redis: "pgplat:redis.port",
};
const labels: Readonly<Record<PortName, string>> = { postgres: "PostgreSQL", pgbouncer: "PgBouncer", redis: "Redis" };

/**
 * Starts the stack's PostgreSQL, PgBouncer and Redis as local processes from
 * its state directory, sets up roles, database and migrations, and returns
 * its outputs once all three are healthy. A stack already running is left as
 * it is. On any failure everything started here is stopped again.
 */
export async function startLocalPlatform(args: StartLocalArgs): Promise<LocalPlatform> {
  const env = args.env ?? process.env;
  const say = args.say ?? (() => undefined);
  const { config } = args;
  const user = serverUser();
  if (args.reset) {
    const previous = findStateDir(args.stack, env);
    if ((await stopLocalPlatform(previous)) === "stopped") say(`stopped the running ${args.stack} stack`);
    removeStateDir(previous);
    say(`reset: ${previous.dir} is empty`);
  }
  const state = ensureStateDir(args.stack, user, env);
  const secrets = loadSecrets(state.secretsFile, [
    ...loginRoles(config.roles.extra).map((login) => login.name),
    pgbouncerAdminUser,
  ]);
  const record = readRun(state);
  const running = runningServers(record);
  if (running && record.ports) {
    if (databaseSetupDigest({ config, port: record.ports.postgres, secrets }) !== record.databaseSetup)
      say(
        `the stack's roles changed since it started: npm run stop -- ${args.stack}, then npm start again, applies them`,
      );
    return {
      state,
      outputs: localOutputs(config, localHost, record.ports, secrets),
      servers: running,
      alreadyRunning: true,
    };
  }
  // Part of a stack (one server crashed or was killed): stop the rest and start all three.
  await stopLocalPlatform(state);
  const ports = await choosePorts(config, record.ports);
  let run: RunRecord = { ports, databaseSetup: record.databaseSetup, servers: {} };
  const started = (name: ServerName) => (server: ServerProcess) => {
    run = { ...run, servers: { ...run.servers, [name]: server } };
    writeRun(state, run);
    return server;
  };
  writeRun(state, run);
  say(`starting PostgreSQL on ${localHost}:${ports.postgres} and Redis on ${localHost}:${ports.redis}`);
  // Every start is awaited before a failure is handled, so the cleanup sees (and stops) all that started.
  const redis = startLocalRedis({ config, state, user, port: ports.redis, secrets }).then(started("redis"));
  const freshData = !existsSync(path.join(state.dataDir, "PG_VERSION"));
  const rest = (async () => {
    const postgres = await startLocalPostgres({
      config,
      state,
      user,
      port: ports.postgres,
      superuserPassword: secrets.superuser,
    }).then(started("postgres"));
    say(`roles, database and migrations; PgBouncer on ${localHost}:${ports.pgbouncer}`);
    // PgBouncer only needs PostgreSQL listening: its readiness probe waits until the roles exist.
    // A data directory initdb just made has none of the roles, whatever the run record says.
    const database = {
      config,
      port: ports.postgres,
      secrets,
      alreadySetUp: freshData ? undefined : record.databaseSetup,
    };
    const [pgbouncer, migrations] = await allOrFirstError([
      startLocalPgbouncer({
        config,
        state,
        user,
        port: ports.pgbouncer,
        postgresPort: ports.postgres,
        secrets,
        probeLogin: monitoringLogin,
      }).then(started("pgbouncer")),
      setUpLocalDatabase(database),
    ] as const);
    run = { ...run, databaseSetup: databaseSetupDigest(database) };
    writeRun(state, run);
    if (migrations) say(`migrations: ${migrations.applied.length} applied, ${migrations.history.length} in history`);
    const backups = config.backups.enabled
      ? await startLocalBackups({ config, state, postgresPort: ports.postgres, secrets }).then(started("backups"))
      : undefined;
    if (backups)
      say(
        `base backups every ${config.backups.baseBackupEveryHours} h into ${state.backupsDir} (WAL archive: ${state.walArchiveDir})`,
      );
    return { postgres, pgbouncer, backups };
  })();
  try {
    const [{ postgres, pgbouncer, backups }, redisServer] = await allOrFirstError([rest, redis] as const);
    return {
      state,
      outputs: localOutputs(config, localHost, ports, secrets),
      servers: { postgres, pgbouncer, redis: redisServer, ...(backups ? { backups } : {}) },
      alreadyRunning: false,
    };
  } catch (error) {
    await stopLocalPlatform(state);
    throw error;
  }
}

/** Like Promise.all, but settles only once every promise has: nothing is still starting when the caller cleans up. */
async function allOrFirstError<T extends readonly unknown[]>(promises: {
  readonly [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Stops every server the stack's run record names (PgBouncer and Redis, then PostgreSQL); data is kept. */
export async function stopLocalPlatform(state: StateDir): Promise<"stopped" | "not running"> {
  const record = readRun(state);
  const servers = record.servers ?? {};
  const alive = (Object.keys(servers) as ServerName[]).filter((name) => servers[name] && isRunning(servers[name]));
  if (alive.length > 0) writeRun(state, { ...record, stopping: true });
  const stop = (name: ServerName) =>
    servers[name] ? stopServer(servers[name], shutdown[name].signal, shutdown[name].graceMs) : Promise.resolve();
  await Promise.all([stop("backups"), stop("pgbouncer"), stop("redis")]);
  await stop("postgres");
  if (existsSync(state.runFile)) writeRun(state, { ports: record.ports, databaseSetup: record.databaseSetup });
  return alive.length > 0 ? "stopped" : "not running";
}

/** The servers of a run record when all three (and the backup schedule, if recorded) still run, else undefined. */
export function runningServers(record: RunRecord): LocalPlatform["servers"] | undefined {
  const { postgres, pgbouncer, redis, backups } = record.servers ?? {};
  if (!postgres || !pgbouncer || !redis) return undefined;
  const all = backups ? [postgres, pgbouncer, redis, backups] : [postgres, pgbouncer, redis];
  return all.every(isRunning) ? { postgres, pgbouncer, redis, ...(backups ? { backups } : {}) } : undefined;
}

export function readRun(state: StateDir): RunRecord {
  return existsSync(state.runFile) ? (JSON.parse(readFileSync(state.runFile, "utf8")) as RunRecord) : {};
}

function writeRun(state: StateDir, record: RunRecord): void {
  writeFileSync(state.runFile, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
}

/**
 * A configured port must be free (else nothing starts, and the error names the
 * key); an unconfigured one keeps the previous run's port when it is still
 * free, so URIs survive a restart, and is any free port otherwise.
 */
async function choosePorts(config: StackConfig, previous: LocalPorts | undefined): Promise<LocalPorts> {
  const configured: Readonly<Record<PortName, number | undefined>> = {
    postgres: config.postgres.port,
    pgbouncer: config.pgbouncer.port,
    redis: config.redis.port,
  };
  const names: readonly PortName[] = ["postgres", "pgbouncer", "redis"];
  const busy = [];
  for (const name of names) {
    const port = configured[name];
    if (port !== undefined && !(await portFree(port, localHost)))
      busy.push(
        `${labels[name]}: ${localHost}:${port} is already in use (${configKeys[name]} = ${port}); stop what listens there or set another port`,
      );
  }
  if (busy.length > 0)
    throw new Error(
      `cannot start: ${busy.length === 1 ? "a port is" : "ports are"} in use; nothing was started:\n  - ${busy.join("\n  - ")}`,
    );
  const chosen: Partial<Record<PortName, number>> = {};
  for (const name of names) {
    const wanted = configured[name] ?? previous?.[name];
    const taken = Object.values(chosen);
    chosen[name] =
      wanted !== undefined && !taken.includes(wanted) && (await portFree(wanted, localHost))
        ? wanted
        : await distinctFreePort(taken);
  }
  return chosen as LocalPorts;
}

async function distinctFreePort(taken: readonly (number | undefined)[]): Promise<number> {
  for (;;) {
    const port = await freePort(localHost);
    if (!taken.includes(port)) return port;
  }
}
