-- Monitoring views, readable by the monitor group only (schema monitoring).
-- Re-applied whenever this file changes. References: pghero, pgwatch,
-- postgres_exporter and CloudNativePG's default monitoring queries.

-- Statements by total time, from pg_stat_statements (installed by the platform).
create or replace view monitoring.slow_queries as
select s.queryid,
       r.rolname as role_name,
       s.calls,
       round(s.total_exec_time::numeric, 2) as total_ms,
       round(s.mean_exec_time::numeric, 2) as mean_ms,
       round(s.max_exec_time::numeric, 2) as max_ms,
       s.rows,
       s.query
  from public.pg_stat_statements s
  left join pg_roles r on r.oid = s.userid
 where s.dbid = (select oid from pg_database where datname = current_database())
 order by s.total_exec_time desc;

create or replace view monitoring.cache_hit_ratios as
select 'table' as kind,
       round(sum(heap_blks_hit)::numeric / nullif(sum(heap_blks_hit) + sum(heap_blks_read), 0), 4) as ratio
  from pg_statio_user_tables
union all
select 'index',
       round(sum(idx_blks_hit)::numeric / nullif(sum(idx_blks_hit) + sum(idx_blks_read), 0), 4)
  from pg_statio_user_indexes;

create or replace view monitoring.relation_sizes as
select n.nspname as schema_name,
       c.relname as relation_name,
       case c.relkind when 'r' then 'table' when 'p' then 'partitioned table' when 'm' then 'materialized view' when 'i' then 'index' end as kind,
       pg_relation_size(c.oid) as bytes,
       case when c.relkind in ('r', 'p', 'm') then pg_total_relation_size(c.oid) end as total_bytes,
       pg_size_pretty(case when c.relkind in ('r', 'p', 'm') then pg_total_relation_size(c.oid) else pg_relation_size(c.oid) end) as size
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p', 'm', 'i')
   and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
 order by coalesce(pg_total_relation_size(c.oid), pg_relation_size(c.oid)) desc;

-- One row: the state of this database at a glance.
create or replace view monitoring.database_summary as
select current_database() as database_name,
       pg_database_size(current_database()) as size_bytes,
       (select count(*) from pg_stat_activity where datname = current_database()) as connections,
       (select count(*) from pg_stat_activity where datname = current_database() and state = 'active') as active,
       (select count(*) from pg_stat_activity where datname = current_database() and state = 'idle') as idle,
       (select count(*) from pg_stat_activity where datname = current_database() and state like 'idle in transaction%') as idle_in_transaction,
       current_setting('max_connections')::int as max_connections,
       (select round(blks_hit::numeric / nullif(blks_hit + blks_read, 0), 4) from pg_stat_database where datname = current_database()) as cache_hit_ratio,
       (select max(now() - xact_start) from pg_stat_activity where xact_start is not null and pid <> pg_backend_pid()) as oldest_transaction_age,
       (select age(datfrozenxid) from pg_database where datname = current_database()) as xid_age,
       round(100.0 * (select age(datfrozenxid) from pg_database where datname = current_database()) / 2147483647, 2) as xid_wraparound_percent,
       now() - pg_postmaster_start_time() as uptime;

-- Indexes never scanned since statistics were reset; unique and primary-key indexes enforce rules and are kept.
create or replace view monitoring.unused_indexes as
select s.schemaname as schema_name,
       s.relname as table_name,
       s.indexrelname as index_name,
       pg_relation_size(s.indexrelid) as bytes,
       s.idx_scan as scans
  from pg_stat_user_indexes s
  join pg_index i on i.indexrelid = s.indexrelid
 where s.idx_scan = 0
   and not i.indisunique
   and not i.indisprimary
 order by pg_relation_size(s.indexrelid) desc;

-- Indexes with the same table, columns, operator classes, expressions and predicate.
create or replace view monitoring.duplicate_indexes as
select n.nspname as schema_name,
       t.relname as table_name,
       array_agg(c.relname::text order by c.relname) as index_names,
       pg_size_pretty(sum(pg_relation_size(i.indexrelid))) as total_size
  from pg_index i
  join pg_class c on c.oid = i.indexrelid
  join pg_class t on t.oid = i.indrelid
  join pg_namespace n on n.oid = t.relnamespace
 where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
 group by n.nspname, t.relname, i.indrelid, i.indkey::text, i.indclass::text, i.indcollation::text,
          coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
having count(*) > 1;

-- Foreign keys whose columns are not the leading columns of any index: deletes and updates
-- on the referenced table scan the referencing one.
create or replace view monitoring.foreign_keys_without_index as
select n.nspname as schema_name,
       t.relname as table_name,
       con.conname as constraint_name,
       array_agg(a.attname::text order by k.ordinality) as columns,
       con.confrelid::regclass::text as referenced_table
  from pg_constraint con
  join pg_class t on t.oid = con.conrelid
  join pg_namespace n on n.oid = t.relnamespace
  cross join lateral unnest(con.conkey) with ordinality as k(attnum, ordinality)
  join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
 where con.contype = 'f'
   and not exists (
     select 1
       from pg_index i
      where i.indrelid = con.conrelid
        and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey
        and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] <@ con.conkey
   )
 group by n.nspname, t.relname, con.conname, con.confrelid;

-- Every backend in a query or a transaction, longest first.
create or replace view monitoring.long_running as
select pid,
       usename as role_name,
       application_name,
       state,
       now() - query_start as query_duration,
       now() - xact_start as transaction_duration,
       wait_event_type,
       wait_event,
       left(query, 500) as query
  from pg_stat_activity
 where datname = current_database()
   and pid <> pg_backend_pid()
   and (state = 'active' or xact_start is not null)
 order by coalesce(now() - xact_start, now() - query_start) desc;

-- Who waits on whom.
create or replace view monitoring.blocking_locks as
select waiting.pid as waiting_pid,
       waiting.usename as waiting_role,
       now() - waiting.query_start as waiting_for,
       left(waiting.query, 300) as waiting_query,
       blocking.pid as blocking_pid,
       blocking.usename as blocking_role,
       blocking.state as blocking_state,
       left(blocking.query, 300) as blocking_query
  from pg_stat_activity waiting
  cross join lateral unnest(pg_blocking_pids(waiting.pid)) as blocker(pid)
  join pg_stat_activity blocking on blocking.pid = blocker.pid
 where waiting.datname = current_database();

-- Bloat estimate from the statistics collector: dead tuples as a share of all tuples.
create or replace view monitoring.table_bloat as
select schemaname as schema_name,
       relname as table_name,
       n_live_tup as live_tuples,
       n_dead_tup as dead_tuples,
       round(n_dead_tup::numeric / nullif(n_live_tup + n_dead_tup, 0), 4) as dead_ratio,
       pg_size_pretty(pg_total_relation_size(relid)) as total_size,
       last_autovacuum,
       last_vacuum
  from pg_stat_user_tables
 order by n_dead_tup desc;

create or replace view monitoring.archiver_status as
select archived_count,
       last_archived_wal,
       last_archived_time,
       failed_count,
       last_failed_wal,
       last_failed_time,
       now() - last_archived_time as since_last_archive,
       stats_reset
  from pg_stat_archiver;

create or replace view monitoring.replication_lag as
select application_name,
       client_addr,
       state,
       sync_state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) as replay_lag_bytes,
       write_lag,
       flush_lag,
       replay_lag
  from pg_stat_replication;

grant select on all tables in schema monitoring to app_monitor;
