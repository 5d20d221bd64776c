import { stringify } from "yaml";
import { checkSampleMinimums } from "../config/thresholds";

/**
 * postgres_exporter's custom queries (`--extend.query-path`): one row of
 * `pgplat_*` gauges holding the same values the health report judges
 * (health/postgresChecks.ts), so the alert rules and the report agree.
 * What the standard exporter lacks: archiver state, wraparound against
 * autovacuum_freeze_max_age, lock waits, invalid indexes, sequences, the age
 * of the last base backup.
 * Run as the monitoring login; no size functions (they wait behind locks).
 */
const metrics: readonly (readonly [string, string, string])[] = [
  [
    "connections_percent",
    "Client connections in use, % of max_connections",
    "(select 100.0 * count(*) / current_setting('max_connections')::int from pg_stat_activity where backend_type = 'client backend')",
  ],
  [
    "longest_query_seconds",
    "Longest running statement, seconds",
    "coalesce((select extract(epoch from max(now() - query_start)) from pg_stat_activity where state = 'active' and backend_type = 'client backend' and pid <> pg_backend_pid()), 0)",
  ],
  [
    "idle_in_transaction_seconds",
    "Longest idle-in-transaction session, seconds",
    "coalesce((select extract(epoch from max(now() - state_change)) from pg_stat_activity where state in ('idle in transaction', 'idle in transaction (aborted)') and backend_type = 'client backend'), 0)",
  ],
  [
    "lock_wait_seconds",
    "Longest lock wait, seconds",
    "coalesce((select extract(epoch from max(now() - query_start)) from pg_stat_activity where wait_event_type = 'Lock' and backend_type = 'client backend'), 0)",
  ],
  [
    "wraparound_percent",
    "Oldest database transaction ID age, % of autovacuum_freeze_max_age",
    "(select 100.0 * max(age(datfrozenxid)) / current_setting('autovacuum_freeze_max_age')::bigint from pg_database where datallowconn)",
  ],
  [
    "replication_lag_seconds",
    "Replay lag of the slowest replica, seconds",
    "coalesce((select extract(epoch from max(replay_lag)) from pg_stat_replication), 0)",
  ],
  [
    "inactive_slot_wal_mb",
    "WAL held by inactive replication slots, MiB",
    "coalesce((select sum(pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_receive_lsn() else pg_current_wal_lsn() end, restart_lsn)) / 1048576 from pg_replication_slots where not active), 0)",
  ],
  [
    "archive_failing",
    "1 while the last archive_command attempt failed",
    "(select case when last_failed_time is not null and (last_archived_time is null or last_failed_time > last_archived_time) then 1 else 0 end from pg_stat_archiver)",
  ],
  [
    "archive_lag_seconds",
    "Seconds since the last archived segment while segments wait (0 when none wait)",
    "(select case when (select count(*) from pg_ls_archive_statusdir() where name like '%.ready') = 0 then 0 else extract(epoch from now() - coalesce(last_archived_time, pg_postmaster_start_time())) end from pg_stat_archiver)",
  ],
  [
    "cache_hit_percent",
    `Table and index block reads from shared buffers, % (100 until ${checkSampleMinimums.cacheHitBlocks} reads)`,
    `(select case when total < ${checkSampleMinimums.cacheHitBlocks} then 100 else 100.0 * hit / total end from (select coalesce(sum(heap_blks_hit), 0) + coalesce(sum(idx_blks_hit), 0) as hit, coalesce(sum(heap_blks_hit + heap_blks_read), 0) + coalesce(sum(idx_blks_hit + idx_blks_read), 0) as total from pg_statio_user_tables) blocks)`,
  ],
  ["invalid_indexes", "Invalid indexes", "(select count(*) from pg_index where not indisvalid)"],
  [
    "sequence_percent",
    "Most used sequence, % of its range",
    "coalesce((select max(percent) from monitoring.sequence_usage()), 0)",
  ],
  // Recorded by the backup tool (--record-url) in the application database; +Inf while none is: no backup is infinitely old.
  [
    "base_backup_age_hours",
    "Hours since the newest recorded complete base backup (+Inf when none is recorded)",
    "coalesce((select extract(epoch from now() - max(end_time)) / 3600 from monitoring.base_backups), 'Infinity')",
  ],
  [
    "dead_tuple_percent",
    `Dead tuples in the worst table with ${checkSampleMinimums.deadTuples}+ dead, %`,
    `coalesce((select max(100.0 * n_dead_tup / nullif(n_live_tup + n_dead_tup, 0)) from pg_stat_user_tables where n_dead_tup >= ${checkSampleMinimums.deadTuples}), 0)`,
  ],
];

export function exporterQuerySql(): string {
  return `select ${metrics.map(([name, , sql]) => `${sql}::float8 as ${name}`).join(",\n       ")}`;
}

/** The queries.yaml postgres_exporter reads; metric names are `pgplat_<column>`. */
export function renderExporterQueries(): string {
  const document = {
    pgplat: {
      query: exporterQuerySql(),
      metrics: metrics.map(([name, description]) => ({ [name]: { usage: "GAUGE", description } })),
    },
  };
  return `# Rendered by pgplat (render/exporterQueries.ts).\n${stringify(document, { lineWidth: 0 })}`;
}
