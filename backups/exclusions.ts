/**
 * What a base backup leaves out of the data directory, per PostgreSQL 16's
 * "Making a Base Backup Using the Low Level API" and what pg_basebackup skips
 * (src/backend/backup/basebackup.c). Directories whose contents are skipped
 * are still recreated empty on restore.
 */

/** Directories kept, contents skipped: recovery recreates or does not need what is in them. */
export const directoriesWithoutContents: ReadonlySet<string> = new Set([
  "pg_wal", // replayed from the archive instead
  "pg_dynshmem",
  "pg_notify",
  "pg_replslot", // slots would be copied as stale state
  "pg_serial",
  "pg_snapshots",
  "pg_stat_tmp",
  "pg_subtrans",
]);

/** Files skipped at the top of the data directory. */
const topLevelFiles: ReadonlySet<string> = new Set([
  "postmaster.pid", // would make the restored server think another one runs
  "postmaster.opts",
  "backup_label", // written from pg_backup_stop's result instead
  "tablespace_map",
  "backup_manifest",
  "postgresql.auto.conf.tmp",
  "current_logfiles.tmp",
  "recovery.signal",
  "standby.signal",
]);

/** Whether a file (path relative to the data directory, `/`-separated) is left out. */
export function isExcludedFile(relativePath: string): boolean {
  const parts = relativePath.split("/");
  const name = parts[parts.length - 1];
  if (parts.length === 1 && topLevelFiles.has(name)) return true;
  if (name.startsWith("pgsql_tmp") || name.startsWith("pg_internal.init")) return true;
  return parts.some((part) => part.startsWith("pgsql_tmp"));
}

/** Whether a directory's contents are skipped (the directory itself is kept). */
export function isContentExcludedDirectory(relativePath: string): boolean {
  return (
    directoriesWithoutContents.has(relativePath) || relativePath.split("/").some((part) => part.startsWith("pgsql_tmp"))
  );
}

/**
 * Unlogged relations are reset from their init fork at the end of recovery,
 * so only the init fork is copied (as pg_basebackup does). Given the names in
 * one database directory, returns the ones to skip.
 */
export function unloggedForksToSkip(names: readonly string[]): ReadonlySet<string> {
  const unlogged = new Set(names.flatMap((name) => /^(\d+)_init$/.exec(name)?.slice(1, 2) ?? []));
  if (unlogged.size === 0) return new Set();
  return new Set(
    names.filter((name) => {
      const match = /^(\d+)(_fsm|_vm)?(\.\d+)?$/.exec(name);
      return match !== null && unlogged.has(match[1]);
    }),
  );
}
