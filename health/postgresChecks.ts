import { checkSampleMinimums, type Thresholds } from "../config/thresholds";
import { judge, type CheckResult } from "./report";

/**
 * The PostgreSQL checks: one query each, run as the monitoring login (member
 * of pg_monitor), and a pure function from its row to a result. No query uses
 * the size functions, which wait behind an ACCESS EXCLUSIVE lock: sizes come
 * from pg_class.relpages, and the session's lock_timeout bounds anything else.
 * Catalog-wide checks find their rows by oid and format names only for the
 * five they print: on thousands of relations the formatting cost more than
 * the scan.
 */
export type Row = Readonly<Record<string, unknown>>;

export interface PostgresCheck {
  readonly name: string;
  readonly sql: string;
  readonly params?: readonly unknown[];
  /** Started first, on a session of its own when the report has several: it outlasts the others. @default false */
  readonly costly?: boolean;
  /** The result when the query's relation or function does not exist (an optional extension not installed). */
  readonly whenMissing?: string;
  /** `row` is the query's first row (undefined when it returned none). */
  readonly evaluate: (row: Row | undefined, thresholds: Thresholds) => CheckResult;
}

/** The report's sessions name themselves so (application_name). */
export const applicationName = "pgplat-health";
/**
 * Leaves out the report's own sessions, which run side by side: the monitoring
 * login's sessions under the report's name (their statements and lock waits
 * are bounded by the session's timeouts).
 */
const notThisReport = `not (application_name = '${applicationName}' and usename = current_user)`;

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const list = (value: unknown): string => (Array.isArray(value) ? value.join(", ") : "");
const seconds = (value: number): string => `${Math.round(value)} s`;

export const postgresChecks: readonly PostgresCheck[] = [
  {
    name: "connections",
    sql: `select count(*)::int as used, current_setting('max_connections')::int as max_connections
            from pg_stat_activity where backend_type = 'client backend'`,
    evaluate: (row, thresholds) => {
      const used = num(row?.used);
      const max = num(row?.max_connections);
      return judge(
        "connections",
        "connectionsPercent",
        (100 * used) / max,
        thresholds,
        `${used} of max_connections ${max} in use`,
      );
    },
  },
  {
    name: "long_running_queries",
    sql: `select pid, usename, query_id::text as query_id, extract(epoch from now() - query_start)::float8 as seconds, count(*) over ()::int as active
            from pg_stat_activity
           where state = 'active' and backend_type = 'client backend' and ${notThisReport}
           order by query_start limit 1`,
    evaluate: (row, thresholds) =>
      judge(
        "long_running_queries",
        "longQuerySeconds",
        num(row?.seconds),
        thresholds,
        row
          ? `longest: pid ${String(row.pid)} (${String(row.usename)}) for ${seconds(num(row.seconds))}, query_id ${String(row.query_id ?? "unknown")}; ${num(row.active)} active`
          : "no active statements",
      ),
  },
  {
    name: "idle_in_transaction",
    sql: `select pid, usename, extract(epoch from now() - state_change)::float8 as seconds,
                 extract(epoch from now() - xact_start)::float8 as transaction_seconds, count(*) over ()::int as sessions
            from pg_stat_activity
           where state in ('idle in transaction', 'idle in transaction (aborted)') and backend_type = 'client backend'
           order by state_change limit 1`,
    evaluate: (row, thresholds) =>
      judge(
        "idle_in_transaction",
        "idleInTransactionSeconds",
        num(row?.seconds),
        thresholds,
        row
          ? `longest: pid ${String(row.pid)} (${String(row.usename)}) idle for ${seconds(num(row.seconds))} in a transaction open for ${seconds(num(row.transaction_seconds))}; ${num(row.sessions)} session(s)`
          : "no session idle in a transaction",
      ),
  },
  {
    name: "lock_waits",
    sql: `select pid, usename, pg_blocking_pids(pid) as blockers, extract(epoch from now() - query_start)::float8 as seconds, count(*) over ()::int as blocked
            from pg_stat_activity
           where wait_event_type = 'Lock' and backend_type = 'client backend' and ${notThisReport}
           order by query_start limit 1`,
    evaluate: (row, thresholds) =>
      judge(
        "lock_waits",
        "lockWaitSeconds",
        num(row?.seconds),
        thresholds,
        row
          ? `${num(row.blocked)} session(s) blocked; longest: pid ${String(row.pid)} (${String(row.usename)}) for ${seconds(num(row.seconds))}, blocked by pid ${list(row.blockers)}`
          : "no session waits on a lock",
      ),
  },
  {
    name: "transaction_id_wraparound",
    sql: `with oldest as materialized (
            select c.oid, age(c.relfrozenxid)::bigint as table_age
              from pg_class c
             where c.relkind in ('r', 'm', 't') and c.relfrozenxid <> '0'::xid
             order by 2 desc limit 1),
          oldest_table as (
            select format('%I.%I', n.nspname, c.relname) as oldest_table, o.table_age
              from oldest o join pg_class c on c.oid = o.oid join pg_namespace n on n.oid = c.relnamespace)
          select d.datname, age(d.datfrozenxid)::bigint as xid_age, current_setting('autovacuum_freeze_max_age')::bigint as freeze_max_age, t.oldest_table, t.table_age
            from pg_database d cross join oldest_table t
           where d.datallowconn
           order by age(d.datfrozenxid) desc limit 1`,
    evaluate: (row, thresholds) => {
      const age = num(row?.xid_age);
      const freezeMaxAge = num(row?.freeze_max_age);
      return judge(
        "transaction_id_wraparound",
        "wraparoundPercent",
        (100 * age) / freezeMaxAge,
        thresholds,
        `oldest database ${String(row?.datname)}: ${age} transaction IDs (autovacuum_freeze_max_age ${freezeMaxAge}); oldest table here: ${String(row?.oldest_table)} at ${num(row?.table_age)}`,
      );
    },
  },
  {
    name: "replication_lag",
    sql: `select application_name, extract(epoch from coalesce(replay_lag, '0'))::float8 as seconds, count(*) over ()::int as replicas
            from pg_stat_replication order by replay_lag desc nulls last limit 1`,
    evaluate: (row, thresholds) =>
      judge(
        "replication_lag",
        "replicationLagSeconds",
        row ? num(row.seconds) : null,
        thresholds,
        row ? `${num(row.replicas)} replica(s); slowest: ${String(row.application_name)}` : "no replicas connected",
      ),
  },
  {
    name: "inactive_replication_slots",
    sql: `select count(*)::int as slots, string_agg(slot_name, ', ' order by slot_name) as names,
                 coalesce(sum(pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_receive_lsn() else pg_current_wal_lsn() end, restart_lsn)), 0)::float8 as bytes
            from pg_replication_slots where not active`,
    evaluate: (row, thresholds) =>
      judge(
        "inactive_replication_slots",
        "inactiveSlotWalMb",
        num(row?.bytes) / 1024 / 1024,
        thresholds,
        num(row?.slots) > 0
          ? `${num(row?.slots)} inactive slot(s) holding WAL: ${String(row?.names)}`
          : "no inactive replication slots",
      ),
  },
  {
    name: "wal_archiver",
    sql: `select current_setting('archive_mode') as archive_mode, a.failed_count, a.last_archived_wal, a.last_failed_wal, a.last_failed_time::text as last_failed_time,
                 (a.last_failed_time is not null and (a.last_archived_time is null or a.last_failed_time > a.last_archived_time)) as failing,
                 extract(epoch from now() - coalesce(a.last_archived_time, pg_postmaster_start_time()))::float8 as since_last_archive,
                 (select count(*) from pg_ls_archive_statusdir() where name like '%.ready')::int as ready
            from pg_stat_archiver a`,
    evaluate: (row, thresholds) => {
      if (row?.archive_mode === "off")
        return judge("wal_archiver", "archiveLagSeconds", null, thresholds, "archive_mode is off");
      const ready = num(row?.ready);
      if (row?.failing === true) {
        return {
          ...judge("wal_archiver", "archiveLagSeconds", num(row.since_last_archive), thresholds, ""),
          status: "critical",
          detail: `archive_command is failing: last failure on ${String(row.last_failed_wal)} at ${String(row.last_failed_time)}; ${ready} segment(s) waiting`,
        };
      }
      return judge(
        "wal_archiver",
        "archiveLagSeconds",
        ready > 0 ? num(row?.since_last_archive) : 0,
        thresholds,
        `${ready} segment(s) waiting; last archived ${String(row?.last_archived_wal ?? "none yet")}`,
      );
    },
  },
  {
    name: "cache_hit_ratio",
    // pg_statio_user_tables, without its per-table join to pg_index: the same sums, one pass over pg_class.
    sql: `select coalesce(sum(pg_stat_get_blocks_hit(c.oid)), 0)::float8 as hit,
                 coalesce(sum(pg_stat_get_blocks_fetched(c.oid) - pg_stat_get_blocks_hit(c.oid)), 0)::float8 as read
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relkind in ('r', 'i', 'm', 'p')
             and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'`,
    evaluate: (row, thresholds) => {
      const hit = num(row?.hit);
      const total = hit + num(row?.read);
      const judged = total >= checkSampleMinimums.cacheHitBlocks;
      return judge(
        "cache_hit_ratio",
        "cacheHitPercent",
        judged ? (100 * hit) / total : null,
        thresholds,
        judged
          ? `${hit} of ${total} table and index block reads from shared buffers`
          : `only ${total} block reads so far (judged from ${checkSampleMinimums.cacheHitBlocks})`,
      );
    },
  },
  {
    name: "invalid_indexes",
    sql: `select count(*)::int as count, (array_agg(format('%I.%I', n.nspname, c.relname) order by n.nspname, c.relname))[1:5] as names
            from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
           where not i.indisvalid`,
    evaluate: (row, thresholds) =>
      countCheck(
        "invalid_indexes",
        "invalidIndexes",
        row,
        thresholds,
        "no invalid indexes",
        "invalid (drop and rebuild)",
      ),
  },
  {
    name: "unvalidated_constraints",
    sql: `select count(*)::int as count,
                 (array_agg(format('%I on %s', con.conname, coalesce(nullif(con.conrelid, 0)::regclass::text, con.contypid::regtype::text)) order by con.conname))[1:5] as names
            from pg_constraint con join pg_namespace n on n.oid = con.connamespace
           where not con.convalidated and n.nspname not in ('pg_catalog', 'information_schema')`,
    evaluate: (row, thresholds) =>
      countCheck(
        "unvalidated_constraints",
        "unvalidatedConstraints",
        row,
        thresholds,
        "every constraint is validated",
        "NOT VALID (run ALTER TABLE … VALIDATE CONSTRAINT)",
      ),
  },
  {
    name: "sequences",
    sql: `select format('%I.%I', schema_name, sequence_name) as sequence, last_value::text, max_value::text, percent::float8, count(*) over ()::int as sequences
            from monitoring.sequence_usage() order by percent desc limit 1`,
    costly: true,
    evaluate: (row, thresholds) =>
      judge(
        "sequences",
        "sequencePercent",
        row ? num(row.percent) : 0,
        thresholds,
        row
          ? `most used: ${String(row.sequence)} at ${String(row.last_value)} of ${String(row.max_value)}`
          : "no sequence in use",
      ),
  },
  {
    name: "duplicate_indexes",
    // Duplicates share their table and key columns: only indexes that do are compared on everything else.
    // Expressions and predicates compare as node trees without the parse locations; pg_get_expr would wait behind locks.
    sql: `with duplicates as materialized (
            select array_agg(i.indexrelid) as indexes
              from pg_index i join pg_class c on c.oid = i.indexrelid
             where i.indisvalid and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)
               and (i.indrelid, i.indkey) in (select indrelid, indkey from pg_index group by 1, 2 having count(*) > 1)
             group by i.indrelid, i.indkey::int2[], i.indclass::oid[], i.indcollation::oid[], i.indoption::int2[],
                      regexp_replace(i.indexprs::text, ' :location -?[0-9]+', '', 'g'), regexp_replace(i.indpred::text, ' :location -?[0-9]+', '', 'g')
            having count(*) > 1)
          select (select count(*) from duplicates)::int as count,
                 array(select (select string_agg(format('%I.%I', n.nspname, c.relname), ' = ' order by c.relname)
                                 from unnest(d.indexes) x join pg_class c on c.oid = x join pg_namespace n on n.oid = c.relnamespace)
                         from duplicates d order by 1 limit 5) as names`,
    evaluate: (row, thresholds) =>
      countCheck(
        "duplicate_indexes",
        "duplicateIndexes",
        row,
        thresholds,
        "no duplicate indexes",
        "duplicate (keep one)",
      ),
  },
  {
    name: "unused_indexes",
    // pg_stat_user_indexes' rows, without the view's joins and columns: indexes of tables ('i'), outside the system schemas.
    sql: `with unused as materialized (
            select c.oid, c.relpages
              from pg_index i join pg_class c on c.oid = i.indexrelid
             where c.relkind = 'i' and not i.indisunique and not i.indisprimary
               and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)
               and pg_stat_get_numscans(c.oid) = 0)
          select (select count(*) from unused)::int as count,
                 (select coalesce(sum(relpages), 0) * current_setting('block_size')::int from unused)::float8 as bytes,
                 array(select format('%I.%I', n.nspname, c.relname)
                         from unused u join pg_class c on c.oid = u.oid join pg_namespace n on n.oid = c.relnamespace
                        order by u.relpages desc, c.relname limit 5) as names`,
    evaluate: (row, thresholds) =>
      judge(
        "unused_indexes",
        "unusedIndexMb",
        num(row?.bytes) / 1024 / 1024,
        thresholds,
        num(row?.count) > 0
          ? `${num(row?.count)} never scanned, largest: ${list(row?.names)}`
          : "every index has been scanned",
      ),
  },
  {
    name: "foreign_keys_without_index",
    sql: `with missing as materialized (
            select con.conname, con.conrelid
              from pg_constraint con
             where con.contype = 'f'
               and not exists (select 1 from pg_index i
                                where i.indrelid = con.conrelid
                                  and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey
                                  and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] <@ con.conkey))
          select (select count(*) from missing)::int as count,
                 array(select format('%I on %s', conname, conrelid::regclass::text) from missing order by conname limit 5) as names`,
    evaluate: (row, thresholds) =>
      countCheck(
        "foreign_keys_without_index",
        "foreignKeysWithoutIndex",
        row,
        thresholds,
        "every foreign key has an index",
        "without an index on its columns",
      ),
  },
  {
    name: "dead_tuples",
    sql: `select format('%I.%I', schemaname, relname) as table_name, n_dead_tup, n_live_tup,
                 (100.0 * n_dead_tup / nullif(n_live_tup + n_dead_tup, 0))::float8 as percent, last_autovacuum::text, last_vacuum::text
            from pg_stat_user_tables where n_dead_tup >= $1 order by 4 desc limit 1`,
    params: [checkSampleMinimums.deadTuples],
    evaluate: (row, thresholds) =>
      judge(
        "dead_tuples",
        "deadTuplePercent",
        row ? num(row.percent) : 0,
        thresholds,
        row
          ? `worst: ${String(row.table_name)} with ${num(row.n_dead_tup)} dead and ${num(row.n_live_tup)} live tuples; last vacuum ${String(row.last_autovacuum ?? row.last_vacuum ?? "never")}`
          : `no table has ${checkSampleMinimums.deadTuples} dead tuples`,
      ),
  },
  {
    name: "tables_never_vacuumed",
    sql: `select count(*)::int as count, (array_agg(format('%I.%I', schemaname, relname) order by n_live_tup desc))[1:5] as names
            from pg_stat_user_tables
           where n_live_tup + n_dead_tup >= $1
             and (coalesce(last_vacuum, last_autovacuum) is null or coalesce(last_analyze, last_autoanalyze) is null)`,
    params: [checkSampleMinimums.neverVacuumedRows],
    evaluate: (row, thresholds) =>
      countCheck(
        "tables_never_vacuumed",
        "tablesNeverVacuumed",
        row,
        thresholds,
        `every table with ${checkSampleMinimums.neverVacuumedRows}+ rows was vacuumed and analyzed`,
        "never vacuumed or never analyzed",
      ),
  },
  {
    name: "slow_statements",
    // Without the statement texts: reading them means reading the whole texts file on every run.
    sql: `select queryid::text as query_id, calls, mean_exec_time::float8 as mean_ms
            from public.pg_stat_statements(false)
           where dbid = (select oid from pg_database where datname = current_database()) and calls >= $1
           order by mean_exec_time desc limit 1`,
    params: [checkSampleMinimums.statementCalls],
    whenMissing: "pg_stat_statements is not installed in this database",
    evaluate: (row, thresholds) =>
      judge(
        "slow_statements",
        "statementMeanMs",
        row ? num(row.mean_ms) : 0,
        thresholds,
        row
          ? `slowest on average: query_id ${String(row.query_id)}, ${Math.round(num(row.mean_ms))} ms over ${num(row.calls)} calls (its text: monitoring.slow_queries)`
          : `no statement with ${checkSampleMinimums.statementCalls}+ calls`,
      ),
  },
];

function countCheck(
  name: string,
  threshold: Parameters<typeof judge>[1],
  row: Row | undefined,
  thresholds: Thresholds,
  none: string,
  what: string,
): CheckResult {
  const count = num(row?.count);
  return judge(
    name,
    threshold,
    count,
    thresholds,
    count === 0 ? none : `${count} ${what}: ${list(row?.names)}${count > 5 ? ", …" : ""}`,
  );
}
