import type { Thresholds } from "../config/thresholds";
import { backupAgeCheck, readBackupRepository } from "./backups";
import { checkPgbouncer } from "./pgbouncer";
import { checkPostgres } from "./postgres";
import { checkRedis } from "./redis";
import { reportOf, type CheckResult, type Report, type UnknownReport } from "./report";

/** What to check; only the database is required. */
export interface HealthTargets {
  /** As the monitoring login, directly to PostgreSQL (not through PgBouncer). */
  readonly databaseUrl: string;
  /** Any URL PgBouncer accepts for a stats user; the report reads its `pgbouncer` console database. */
  readonly pgbouncerUrl?: string;
  readonly redisUrl?: string;
  /** A directory of backups, `<id>/manifest.json` each. */
  readonly backupRepo?: string;
}

/**
 * Runs every check that has a target, in parallel. Any server it cannot
 * reach or log in to makes the whole report unknown (exit 3), with the
 * reason and the checks that did run. `checkDatabase` runs the PostgreSQL
 * checks: by default on new sessions, in `--serve` on kept ones (WarmSessions).
 */
export async function healthReport(
  targets: HealthTargets,
  thresholds: Thresholds,
  now: () => Date = () => new Date(),
  checkDatabase: (thresholds: Thresholds) => Promise<CheckResult[]> = (given) =>
    checkPostgres(targets.databaseUrl, given),
): Promise<Report | UnknownReport> {
  const parts: Promise<CheckResult[]>[] = [
    checkDatabase(thresholds),
    targets.backupRepo === undefined
      ? Promise.resolve([])
      : Promise.resolve().then(() => [backupAgeCheck(readBackupRepository(targets.backupRepo!), now(), thresholds)]),
    targets.pgbouncerUrl === undefined ? Promise.resolve([]) : checkPgbouncer(targets.pgbouncerUrl, thresholds),
    targets.redisUrl === undefined ? Promise.resolve([]) : checkRedis(targets.redisUrl, thresholds),
  ];
  const settled = await Promise.allSettled(parts);
  const checks = settled.flatMap((part) => (part.status === "fulfilled" ? part.value : []));
  const errors = settled.flatMap((part) =>
    part.status === "rejected" ? [part.reason instanceof Error ? part.reason.message : String(part.reason)] : [],
  );
  return errors.length > 0 ? { status: "unknown", error: errors.join("; "), checks } : reportOf(checks);
}
