import type { Client } from "pg";
import { hostname } from "node:os";
import { migrationDefaults } from "../config/schema";
import { clientConfig, type ConnectionSettings } from "./connection";
import { fileError, MigrationError, RoleError, type AppliedFile } from "./errors";
import { backoff, beginSql, lockNotAvailable, runInTransaction, runWithoutTransaction } from "./execute";
import type { Migration } from "./files";
import { ensureHistoryTable, historyInsertSql, readHistory, recordRun } from "./history";
import { acquireMigrationLock, releaseMigrationLock } from "./lock";
import { planMigrations, type HistoryRow, type StatusEntry } from "./plan";

/** Defaults are the stack config's (`migrationDefaults` in config/schema.ts). */
export interface EngineOptions {
  /** lock_timeout for each file, in milliseconds. @default 5000 */
  readonly lockTimeoutMs?: number;
  /** statement_timeout for each file, in milliseconds; 0 means none. @default 0 */
  readonly statementTimeoutMs?: number;
  /** Retries of a file (or, outside a transaction, a statement) that hit lock_timeout. @default 3 */
  readonly lockRetries?: number;
  /** How long to wait for another run's advisory lock, in milliseconds. @default 60000 (60 s) */
  readonly lockWaitMs?: number;
  /** Allow new versioned files older than the newest applied one. @default false */
  readonly outOfOrder?: boolean;
  /** Role to act as (SET ROLE), so created objects belong to it rather than to the login. @default the login itself */
  readonly role?: string;
}

export interface ApplyResult {
  readonly applied: readonly AppliedFile[];
  readonly history: readonly HistoryRow[];
}

// The stack config's defaults, so `pulumi up` and `npm run migrate` run with the same ones.
const defaults = {
  lockTimeoutMs: migrationDefaults.lockTimeoutMs,
  statementTimeoutMs: migrationDefaults.statementTimeoutMs,
  lockRetries: migrationDefaults.lockRetries,
  lockWaitMs: migrationDefaults.lockWaitSeconds * 1000,
  outOfOrder: migrationDefaults.outOfOrder,
  role: "",
};

/** Applies pending files, each in its own transaction, under one advisory lock held for the whole run. */
export async function applyMigrations(
  connection: ConnectionSettings,
  migrations: readonly Migration[],
  engineOptions: EngineOptions = {},
): Promise<ApplyResult> {
  const options = { ...defaults, ...engineOptions };
  return withClient(connection, async (client) => {
    if (options.role) await assumeRole(client, options.role, connection.user);
    await acquireMigrationLock(client, options.lockWaitMs);
    try {
      await ensureHistoryTable(client);
      // Planned under the lock: a run that waited sees what the other one applied.
      const plan = planMigrations(migrations, await readHistory(client), options);
      if (plan.problems.length > 0)
        throw new MigrationError(firstFile(plan.problems), undefined, undefined, plan.problems.join("\n"));
      const applied: AppliedFile[] = [];
      for (const migration of plan.pending) {
        try {
          applied.push(await applyFile(client, migration, options));
        } catch (error) {
          throw error instanceof MigrationError ? error.withApplied(applied) : error;
        }
      }
      return { applied, history: await readHistory(client) };
    } finally {
      await releaseMigrationLock(client).catch(() => undefined);
    }
  });
}

/** Every file and history entry with its state; takes no lock and changes nothing. */
export async function migrationStatus(
  connection: ConnectionSettings,
  migrations: readonly Migration[],
  outOfOrder = false,
): Promise<{ status: readonly StatusEntry[]; problems: readonly string[] }> {
  return withClient(connection, async (client) => {
    const plan = planMigrations(migrations, await readHistory(client), { outOfOrder });
    return { status: plan.status, problems: plan.problems };
  });
}

export async function historyOf(connection: ConnectionSettings): Promise<HistoryRow[]> {
  return withClient(connection, readHistory);
}

async function applyFile(client: Client, migration: Migration, options: Required<EngineOptions>): Promise<AppliedFile> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      if (migration.noTransaction) {
        await runWithoutTransaction(client, migration, options, options.lockRetries);
        await recordRun(client, migration, performance.now() - started, true);
      } else {
        // Three round trips, as for any file in its own transaction: bookkeeping rides along.
        await client.query(beginSql(options));
        await runInTransaction(client, migration);
        await client.query(`${historyInsertSql(migration, performance.now() - started, true)}; commit`);
      }
      return {
        file: migration.file,
        kind: migration.kind,
        version: migration.version,
        name: migration.name,
        checksum: migration.checksum,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (caught) {
      if (!migration.noTransaction) await client.query("rollback").catch(() => undefined);
      // Errors outside the file's own SQL (a dropped connection, say) still name the file.
      const error = caught instanceof MigrationError ? caught : fileError(migration, caught, -1);
      if (!migration.noTransaction && error.sqlstate === lockNotAvailable && attempt < options.lockRetries) {
        await backoff(attempt);
        continue;
      }
      // The failure is recorded for the audit trail; best effort, as the connection may be gone.
      await recordRun(client, migration, performance.now() - started, false).catch(() => undefined);
      throw error;
    }
  }
}

async function withClient<T>(connection: ConnectionSettings, work: (client: Client) => Promise<T>): Promise<T> {
  // Required here, not at the top: the dynamic provider that calls this is serialized.
  const { Client: PgClient } = require("pg") as typeof import("pg");
  const client = new PgClient(clientConfig(connection, `pgplat-migrate@${hostname()}:${process.pid}`));
  // A server-side termination surfaces on the query that was running; keep the process alive.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** SET ROLE, failing with a RoleError (which role, which login, why) when the role is missing or not granted to the login. */
async function assumeRole(client: Client, role: string, login: string): Promise<void> {
  try {
    await client.query(`set role ${quoteIdentifier(role)}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // SET ROLE is a setting: no such role is 22023 invalid_parameter_value; not a member is 42501 insufficient_privilege.
    if (code === "22023" || code === "42501") throw new RoleError(role, login, (error as Error).message);
    throw error;
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function firstFile(problems: readonly string[]): string {
  return problems[0]?.split(" ")[0] ?? "";
}
