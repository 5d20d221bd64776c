-- Baseline: a locked-down database, the application schema and what each group may do.
-- Runs as app_owner (the migrator's SET ROLE), which owns the database.
-- pg_stat_statements is installed by the platform: it needs the administrator.

create extension if not exists pgcrypto;

-- Nobody creates objects in public, not even the owner role.
revoke create on schema public from public;
revoke create on schema public from pg_database_owner;

do $$
begin
  execute format('revoke all on database %I from public', current_database());
  execute format('grant connect, temporary on database %I to app_readwrite, app_readonly, app_monitor', current_database());
  execute format('alter database %I set search_path = app, public', current_database());
end
$$;

create schema app authorization app_owner;
grant usage on schema app to app_readwrite, app_readonly;

-- Tables and sequences created later by app_owner get the same grants.
alter default privileges for role app_owner in schema app grant select, insert, update, delete on tables to app_readwrite;
alter default privileges for role app_owner in schema app grant usage, select on sequences to app_readwrite;
alter default privileges for role app_owner in schema app grant select on tables to app_readonly;
alter default privileges for role app_owner in schema app revoke execute on functions from public;
alter default privileges for role app_owner in schema app grant execute on functions to app_readwrite, app_readonly;

-- Monitoring views live apart from application data: only the monitor group reads them.
create schema monitoring authorization app_owner;
revoke all on schema monitoring from public;
grant usage on schema monitoring to app_monitor;
alter default privileges for role app_owner in schema monitoring grant select on tables to app_monitor;
