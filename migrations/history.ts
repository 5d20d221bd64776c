import type { Client } from "pg";
import type { Migration } from "./files";
import type { HistoryRow } from "./plan";

/** The history lives in its own schema, apart from application objects. */
export const historySchema = "pgplat_migrations";
export const historyTable = `${historySchema}.history`;

export async function ensureHistoryTable(client: Client): Promise<void> {
  await client.query(`
    create schema if not exists ${historySchema};
    create table if not exists ${historyTable} (
      installed_rank bigint generated always as identity primary key,
      version text,
      name text not null,
      kind text not null check (kind in ('versioned', 'repeatable')),
      checksum text not null,
      applied_at timestamptz not null default now(),
      duration_ms integer not null check (duration_ms >= 0),
      applied_by text not null default session_user,
      success boolean not null,
      check ((kind = 'versioned') = (version is not null))
    );
    create unique index if not exists history_applied_version on ${historyTable} (version) where success and kind = 'versioned';
  `);
}

export async function readHistory(client: Client): Promise<HistoryRow[]> {
  const exists = await client.query<{ exists: boolean }>("select to_regclass($1) is not null as exists", [
    historyTable,
  ]);
  if (!exists.rows[0].exists) return [];
  const { rows } = await client.query(
    `select installed_rank, version, name, kind, checksum, applied_at, duration_ms, applied_by, success from ${historyTable} order by installed_rank`,
  );
  return rows.map((row) => ({
    installedRank: Number(row.installed_rank),
    version: row.version,
    name: row.name,
    kind: row.kind,
    checksum: row.checksum,
    appliedAt: new Date(row.applied_at).toISOString(),
    durationMs: row.duration_ms,
    appliedBy: row.applied_by,
    success: row.success,
  }));
}

/**
 * The history insert as literal SQL, so it can share a round trip with the
 * COMMIT. Every value is quoted; file names only allow [A-Za-z0-9_.].
 */
export function historyInsertSql(migration: Migration, durationMs: number, success: boolean): string {
  const literal = (value: string | undefined) => (value === undefined ? "null" : `'${value.replace(/'/g, "''")}'`);
  const values = [
    literal(migration.version),
    literal(migration.name),
    literal(migration.kind),
    literal(migration.checksum),
    String(Math.max(0, Math.round(durationMs))),
    String(success),
  ];
  // session_user is the login that ran the migration; current_user is the role it acted as (SET ROLE app_owner).
  return `insert into ${historyTable} (version, name, kind, checksum, duration_ms, success, applied_by) values (${values.join(", ")}, session_user)`;
}

export async function recordRun(
  client: Client,
  migration: Migration,
  durationMs: number,
  success: boolean,
): Promise<void> {
  await client.query(historyInsertSql(migration, durationMs, success));
}
