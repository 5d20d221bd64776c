import type { Client } from "pg";

/** One advisory lock per database for every pgplat migration run ("pgplat" in ASCII). */
export const migrationLockKey = 0x7067706c6174n;

export class LockWaitTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockWaitTimeout";
  }
}

/**
 * Takes the session-level advisory lock, polling with pg_try_advisory_lock so
 * the waiting runner never sits inside a statement: a CREATE INDEX
 * CONCURRENTLY in the holder waits for old snapshots, and a blocked
 * pg_advisory_lock() call would be one.
 */
export async function acquireMigrationLock(client: Client, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [
      migrationLockKey.toString(),
    ]);
    if (rows[0].locked) return;
    if (Date.now() >= deadline)
      throw new LockWaitTimeout(
        `another migration run holds the lock (${await describeHolder(client)}); waited ${Math.round(waitMs / 1000)}s`,
      );
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
  }
}

export async function releaseMigrationLock(client: Client): Promise<void> {
  await client.query("select pg_advisory_unlock($1)", [migrationLockKey.toString()]);
}

async function describeHolder(client: Client): Promise<string> {
  const { rows } = await client.query<{ pid: number; application_name: string; usename: string; held_for: string }>(
    `select a.pid, a.application_name, a.usename, extract(epoch from now() - a.backend_start)::int || 's' as held_for
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and l.classid = ($1::bigint >> 32)::oid and l.objid = ($1::bigint & 4294967295)::oid`,
    [migrationLockKey.toString()],
  );
  const holder = rows[0];
  return holder
    ? `pid ${holder.pid}, application_name '${holder.application_name}', user ${holder.usename}, connected ${holder.held_for} ago`
    : "the holder has just released it";
}
