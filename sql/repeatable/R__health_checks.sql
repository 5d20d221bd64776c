-- What the health report (npm run health) needs beyond the monitoring views.
-- The monitoring login reads pg_sequences.last_value as NULL for sequences it
-- has no privilege on, so sequence usage comes from a narrow SECURITY DEFINER
-- function owned by app_owner (the owner of the application's sequences) that
-- returns numbers only. Re-applied whenever this file changes.

create or replace function monitoring.sequence_usage()
returns table (schema_name name, sequence_name name, last_value bigint, max_value bigint, percent numeric)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  with ranges as (
    select n.nspname as schema_name,
           c.relname as sequence_name,
           c.oid,
           -- A serial or identity column of type int2/int4 runs out before its bigint sequence does.
           least(s.seqmax, coalesce((
             select case a.atttypid when 'int2'::regtype then 32767 when 'int4'::regtype then 2147483647 end
               from pg_depend d
               join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
              where d.classid = 'pg_class'::regclass and d.objid = c.oid
                and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
              limit 1), s.seqmax)) as max_value
      from pg_sequence s
      join pg_class c on c.oid = s.seqrelid
      join pg_namespace n on n.oid = c.relnamespace
     where s.seqincrement > 0
       and not s.seqcycle
       and n.nspname not in ('pg_catalog', 'information_schema')
  ), usage as (
    -- Reading a value opens the sequence: only for ranges that can run out. A bigint range
    -- cannot (at a million values a second, 2^53 lasts 285 years and 2^63 far longer).
    select schema_name, sequence_name, max_value,
           case when has_sequence_privilege(oid, 'SELECT,USAGE') then pg_sequence_last_value(oid) end as last_value
      from ranges
     where max_value < 9007199254740992
  )
  select schema_name, sequence_name, last_value, max_value, round(100.0 * last_value / max_value, 2)
    from usage
   where last_value is not null
$$;

revoke all on function monitoring.sequence_usage() from public;
grant execute on function monitoring.sequence_usage() to app_monitor;

-- Sequences by how much of their range is used (ascending, non-cycling ones whose range can run out).
create or replace view monitoring.sequences as
select * from monitoring.sequence_usage() order by percent desc;

-- Indexes left invalid (e.g. by a failed CREATE INDEX CONCURRENTLY): written on every change, never read.
create or replace view monitoring.invalid_indexes as
select n.nspname as schema_name,
       t.relname as table_name,
       c.relname as index_name
  from pg_index i
  join pg_class c on c.oid = i.indexrelid
  join pg_class t on t.oid = i.indrelid
  join pg_namespace n on n.oid = c.relnamespace
 where not i.indisvalid;

grant select on monitoring.sequences, monitoring.invalid_indexes to app_monitor;

-- Base backups, as the backup tool records them after each one completes
-- (pgplat-basebackup take --record-url): the backup age the exporter exports
-- (pgplat_base_backup_age_hours) without reading the backups volume. Only the
-- backup login writes here, through the function below; the monitor group reads.
create table if not exists monitoring.base_backups (
  backup_id text primary key,
  start_time timestamptz not null,
  end_time timestamptz not null,
  size_bytes bigint not null,
  recorded_at timestamptz not null default now()
);
grant select on monitoring.base_backups to app_monitor;

-- Records one completed base backup and keeps the newest 100. Refuses an end
-- time in the future or before the start: a record may not make backups look
-- fresher than they are.
create or replace function monitoring.record_base_backup(backup_id text, start_time timestamptz, end_time timestamptz, size_bytes bigint)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if end_time > now() + interval '1 minute' or end_time < start_time then
    raise exception 'base backup % ends at %, started at %: not a completed backup', backup_id, end_time, start_time;
  end if;
  insert into monitoring.base_backups (backup_id, start_time, end_time, size_bytes)
  values (backup_id, start_time, end_time, size_bytes)
  on conflict on constraint base_backups_pkey do update set start_time = excluded.start_time, end_time = excluded.end_time, size_bytes = excluded.size_bytes, recorded_at = now();
  delete from monitoring.base_backups
   where base_backups.end_time < (select min(newest.end_time) from (select n.end_time from monitoring.base_backups n order by n.end_time desc limit 100) newest);
end
$$;

-- Nobody may call it but the backup login, which the deployment grants it to.
revoke all on function monitoring.record_base_backup(text, timestamptz, timestamptz, bigint) from public;
