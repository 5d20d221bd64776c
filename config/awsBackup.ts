import { z } from "zod";

/**
 * Config of AWS Backup (`pgplat:aws.backupPlan`) and of point-in-time restore
 * as a stack (`pgplat:aws.restoreFrom`): schema, defaults and the cross-field
 * rules. Kept apart from schema.ts so the backup keys read as one piece.
 */

const cron = z
  .string()
  .regex(/^cron\(\S+( \S+){5}\)$/, "must be an AWS cron expression with six fields, such as cron(0 5 * * ? *)");
/** AWS Backup's own bounds on a recovery point's lifetime. */
const retentionDays = z.number().int().min(1).max(36500);

const rule = (schedule: string, days: number, what: string) =>
  z
    .strictObject({
      schedule: cron
        .default(schedule)
        .describe(
          `When the ${what} backup starts (UTC); keep it clear of aws.backupWindow, when RDS takes its own snapshot.`,
        ),
      retentionDays: retentionDays
        .default(days)
        .describe(`Days each ${what} recovery point (and its off-region copy) is kept.`),
    })
    .prefault({});

export const vaultLockModes = ["governance", "compliance"] as const;

export const backupPlanSection = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "AWS Backup for the RDS primary: a vault under the stack's key, a daily/weekly/monthly plan, copies to aws.backupReplicaRegion and scheduled restore tests.",
      ),
    daily: rule("cron(0 5 * * ? *)", 35, "daily"),
    weekly: rule("cron(0 5 ? * SUN *)", 90, "weekly"),
    monthly: rule("cron(0 5 1 * ? *)", 365, "monthly"),
    vaultLock: z
      .strictObject({
        mode: z
          .enum(vaultLockModes)
          .describe(
            "governance: users with the right IAM permission may still delete; compliance: nobody can, once changeableForDays have passed.",
          ),
        minRetentionDays: retentionDays.describe("Shortest retention a recovery point in the vault may have."),
        maxRetentionDays: retentionDays.describe("Longest retention a recovery point in the vault may have."),
        changeableForDays: z
          .number()
          .int()
          .min(3)
          .max(36500)
          .default(3)
          .describe(
            "compliance mode only: days during which the lock can still be removed; after them it is permanent.",
          ),
      })
      .optional()
      .describe("Vault Lock on the vault and its copy vault. Off when unset."),
    restoreTesting: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Let AWS Backup restore a recent recovery point of the instance on a schedule and report whether it worked.",
          ),
        schedule: cron.default("cron(0 8 ? * MON *)").describe("When a restore test starts (UTC)."),
        selectionWindowDays: z
          .number()
          .int()
          .min(1)
          .max(365)
          .default(7)
          .describe("Restore the newest recovery point from this many days back."),
        startWindowHours: z
          .number()
          .int()
          .min(1)
          .max(168)
          .default(8)
          .describe("Hours after the schedule within which the test must start."),
        validationWindowHours: z
          .number()
          .int()
          .min(1)
          .max(168)
          .default(4)
          .describe("Hours the restored instance is kept for validation before AWS Backup deletes it."),
      })
      .prefault({}),
  })
  .prefault({});

/** ISO 8601 with a zone, as RDS takes it for restoreTime. */
const isoTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
    "must be an ISO 8601 time with a zone, such as 2026-11-30T14:05:00Z",
  );

export const restoreFromSection = z
  .strictObject({
    sourceInstanceIdentifier: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, "must be an RDS instance identifier")
      .optional()
      .describe("Point-in-time restore: the instance to restore from (its automated backups)."),
    time: isoTime
      .optional()
      .describe("Point-in-time restore: the moment to restore to (UTC or with an offset); or set latest."),
    latest: z
      .boolean()
      .optional()
      .describe("Point-in-time restore: restore to the latest restorable time instead of time."),
    snapshotIdentifier: z
      .string()
      .min(1)
      .optional()
      .describe("Restore from this DB snapshot (name or ARN) instead of a point in time."),
  })
  .describe(
    "Start the stack's RDS instance from another instance's point in time or from a snapshot (a restore is a new stack). Off when unset.",
  );

export type BackupPlanConfig = z.output<typeof backupPlanSection>;
export type RestoreFromConfig = z.output<typeof restoreFromSection>;

/** A cross-field problem: the key below `pgplat:`, the value, what is allowed. */
export interface BackupConfigIssue {
  readonly path: string;
  readonly value: unknown;
  readonly allowed: string;
}

const ruleNames = ["daily", "weekly", "monthly"] as const;

/** Vault lock bounds against the rules' retention, and the lock's own consistency. */
export function backupPlanIssues(plan: BackupPlanConfig): BackupConfigIssue[] {
  const lock = plan.vaultLock;
  if (!plan.enabled || !lock) return [];
  const issues: BackupConfigIssue[] = [];
  if (lock.minRetentionDays > lock.maxRetentionDays) {
    issues.push({
      path: "aws.backupPlan.vaultLock.minRetentionDays",
      value: lock.minRetentionDays,
      allowed: `at most aws.backupPlan.vaultLock.maxRetentionDays (${lock.maxRetentionDays})`,
    });
  }
  for (const name of ruleNames) {
    const days = plan[name].retentionDays;
    if (days < lock.minRetentionDays || days > lock.maxRetentionDays) {
      issues.push({
        path: `aws.backupPlan.${name}.retentionDays`,
        value: days,
        allowed: `between the vault lock's minRetentionDays (${lock.minRetentionDays}) and maxRetentionDays (${lock.maxRetentionDays}): AWS Backup refuses other retentions in a locked vault`,
      });
    }
  }
  return issues;
}

/** Exactly one source: a snapshot, or an instance with exactly one of time and latest. */
export function restoreFromIssues(restore: RestoreFromConfig | undefined): BackupConfigIssue[] {
  if (!restore) return [];
  const key = (name: string) => `aws.restoreFrom.${name}`;
  const issues: BackupConfigIssue[] = [];
  const pointInTime =
    restore.sourceInstanceIdentifier !== undefined || restore.time !== undefined || restore.latest !== undefined;
  if (restore.snapshotIdentifier !== undefined && pointInTime) {
    issues.push({
      path: key("snapshotIdentifier"),
      value: restore.snapshotIdentifier,
      allowed:
        "unset when restoring to a point in time (sourceInstanceIdentifier, time, latest): choose one kind of restore",
    });
  } else if (restore.snapshotIdentifier === undefined) {
    if (restore.sourceInstanceIdentifier === undefined) {
      issues.push({
        path: key("sourceInstanceIdentifier"),
        value: undefined,
        allowed: "required for a point-in-time restore (or give snapshotIdentifier instead)",
      });
    }
    if (restore.time !== undefined && restore.latest !== undefined) {
      issues.push({
        path: key("latest"),
        value: restore.latest,
        allowed: "unset when time is given: exactly one of time and latest",
      });
    } else if (restore.time === undefined && restore.latest !== true) {
      issues.push({
        path: key("time"),
        value: undefined,
        allowed:
          "required for a point-in-time restore: an ISO 8601 moment such as 2026-11-30T14:05:00Z, or set latest: true",
      });
    }
  }
  return issues;
}

/** CloudWatch evaluates hourly periods over at most 7 days. */
const longestAlarmWindowHours = 7 * 24;

/**
 * Hours between two runs of an EventBridge Scheduler expression, for the
 * schedules the missed-backup alarm understands: daily or weekly cron, and
 * rate() in hours or days. Undefined for anything else.
 */
export function schedulePeriodHours(expression: string): number | undefined {
  const rate = /^rate\((\d+) (hour|hours|day|days)\)$/.exec(expression);
  if (rate) return Number(rate[1]) * (rate[2].startsWith("day") ? 24 : 1);
  const cronFields = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (!cronFields) return undefined;
  const [, minute, hour, dayOfMonth, month, dayOfWeek] = cronFields;
  const once = (field: string) => /^\d+$/.test(field);
  const every = (field: string) => field === "*" || field === "?";
  if (!once(minute) || !once(hour) || !every(month)) return undefined;
  if (every(dayOfMonth) && every(dayOfWeek)) return 24;
  if (every(dayOfMonth) && /^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)$/i.test(dayOfWeek)) return 7 * 24;
  return undefined;
}

/** The dump schedule must be one the missed-backup alarm can watch. */
export function dumpScheduleIssues(schedule: string, marginHours: number): BackupConfigIssue[] {
  const period = schedulePeriodHours(schedule);
  if (period !== undefined && period + marginHours <= longestAlarmWindowHours) return [];
  return [
    {
      path: "backups.schedule",
      value: schedule,
      allowed: `a daily or weekly cron(m h * * ? *) / cron(m h ? * DAY *), or rate(N hours|days), whose period plus backups.missedDumpMarginHours (${marginHours}) is at most ${longestAlarmWindowHours} hours, so the missed-backup alarm can watch it`,
    },
  ];
}
