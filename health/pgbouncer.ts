import type { Thresholds } from "../config/thresholds";
import { connectTo, endpointOf } from "./postgres";
import { judge, type CheckResult } from "./report";
import { CouldNotCheck } from "./unreachable";

export type ConsoleRow = Readonly<Record<string, string | number | null>>;

export interface PgbouncerFacts {
  /** SHOW POOLS. */
  readonly pools: readonly ConsoleRow[];
  /** SHOW DATABASES (pool_size per database). */
  readonly databases: readonly ConsoleRow[];
}

const num = (value: unknown): number => (value === null || value === undefined || value === "" ? 0 : Number(value));
const serverColumns = ["sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"];

/** The PgBouncer checks from SHOW POOLS and SHOW DATABASES (pure). */
export function pgbouncerChecks(facts: PgbouncerFacts, thresholds: Thresholds): CheckResult[] {
  // The admin console shows up as a pseudo database; it has no pool.
  const pools = facts.pools.filter((pool) => pool.database !== "pgbouncer");
  const poolSize = new Map(facts.databases.map((database) => [database.name, num(database.pool_size)]));
  const waiting = pools.reduce((sum, pool) => sum + num(pool.cl_waiting), 0);
  const longest = pools.reduce<{ seconds: number; pool?: ConsoleRow }>(
    (worst, pool) => {
      const seconds = num(pool.maxwait) + num(pool.maxwait_us) / 1e6;
      return seconds > worst.seconds ? { seconds, pool } : worst;
    },
    { seconds: 0 },
  );
  const atLimit = pools.filter((pool) => {
    const size = poolSize.get(pool.database) ?? 0;
    return size > 0 && serverColumns.reduce((sum, column) => sum + num(pool[column]), 0) >= size;
  });
  const name = (pool: ConsoleRow) => `${String(pool.database)}/${String(pool.user)}`;
  return [
    judge(
      "pgbouncer_clients_waiting",
      "pgbouncerClientsWaiting",
      waiting,
      thresholds,
      `${waiting} client(s) waiting for a server connection across ${pools.length} pool(s)`,
    ),
    judge(
      "pgbouncer_max_wait",
      "pgbouncerMaxWaitSeconds",
      longest.seconds,
      thresholds,
      longest.pool ? `longest wait in pool ${name(longest.pool)}` : "no client waiting",
    ),
    judge(
      "pgbouncer_pools_at_limit",
      "pgbouncerPoolsAtLimit",
      atLimit.length,
      thresholds,
      atLimit.length > 0
        ? `using every server connection: ${atLimit.map((pool) => `${name(pool)} (pool_size ${poolSize.get(pool.database)})`).join(", ")}`
        : "every pool has server connections to spare",
    ),
  ];
}

/**
 * Reads PgBouncer's admin console as a stats user (the monitoring login is
 * one). `url` names any database; the console is the `pgbouncer` database.
 */
export async function readPgbouncer(url: string): Promise<PgbouncerFacts> {
  const client = await connectTo("PgBouncer", url, "pgbouncer");
  try {
    // The console speaks the simple query protocol only: no parameters.
    const pools = (await client.query("SHOW POOLS")).rows as ConsoleRow[];
    const databases = (await client.query("SHOW DATABASES")).rows as ConsoleRow[];
    return { pools, databases };
  } catch (error) {
    throw new CouldNotCheck("PgBouncer", endpointOf(url), error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkPgbouncer(url: string, thresholds: Thresholds): Promise<CheckResult[]> {
  return pgbouncerChecks(await readPgbouncer(url), thresholds);
}
