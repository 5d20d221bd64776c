import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../config";
import { rdsRestoreInputs, rdsRestoreSource } from "../../components/aws/rdsRestore";

const aws = (extra: Record<string, unknown>) => ({ target: "aws", aws: { region: "eu-west-1", ...extra } });
const issues = (raw: Record<string, unknown>) => {
  const result = parseStackConfig(raw);
  return result.ok ? [] : result.issues;
};

describe("aws.backupPlan config", () => {
  it("defaults to daily 35 days, weekly 90 days, a year of monthlies, no lock, weekly restore tests", () => {
    const result = parseStackConfig(aws({}));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.aws?.backupPlan).toEqual({
      enabled: true,
      daily: { schedule: "cron(0 5 * * ? *)", retentionDays: 35 },
      weekly: { schedule: "cron(0 5 ? * SUN *)", retentionDays: 90 },
      monthly: { schedule: "cron(0 5 1 * ? *)", retentionDays: 365 },
      restoreTesting: {
        enabled: true,
        schedule: "cron(0 8 ? * MON *)",
        selectionWindowDays: 7,
        startWindowHours: 8,
        validationWindowHours: 4,
      },
    });
  });

  it("names every retention a vault lock would refuse, and inverted lock bounds, all at once", () => {
    expect(
      issues(
        aws({
          backupPlan: {
            daily: { retentionDays: 3 },
            vaultLock: { mode: "governance", minRetentionDays: 400, maxRetentionDays: 300 },
          },
        }),
      ),
    ).toEqual([
      {
        key: "pgplat:aws.backupPlan.vaultLock.minRetentionDays",
        value: 400,
        allowed: "at most aws.backupPlan.vaultLock.maxRetentionDays (300)",
      },
      ...["daily", "weekly", "monthly"].map((rule, index) => ({
        key: `pgplat:aws.backupPlan.${rule}.retentionDays`,
        value: [3, 90, 365][index],
        allowed:
          "between the vault lock's minRetentionDays (400) and maxRetentionDays (300): AWS Backup refuses other retentions in a locked vault",
      })),
    ]);
  });

  it("rejects a schedule that is not an AWS cron expression and a compliance window under 3 days", () => {
    expect(
      issues(
        aws({
          backupPlan: {
            weekly: { schedule: "0 5 * * 0" },
            vaultLock: { mode: "compliance", minRetentionDays: 1, maxRetentionDays: 400, changeableForDays: 1 },
          },
        }),
      ),
    ).toEqual([
      {
        key: "pgplat:aws.backupPlan.weekly.schedule",
        value: "0 5 * * 0",
        allowed: "must be an AWS cron expression with six fields, such as cron(0 5 * * ? *)",
      },
      { key: "pgplat:aws.backupPlan.vaultLock.changeableForDays", value: 1, allowed: "a number ≥ 3" },
    ]);
  });
});

describe("aws.restoreFrom config", () => {
  it("accepts a point in time, the latest restorable time, or a snapshot", () => {
    for (const restoreFrom of [
      { sourceInstanceIdentifier: "pgplat-prod-postgres", time: "2026-11-30T14:05:00Z" },
      { sourceInstanceIdentifier: "pgplat-prod-postgres", latest: true },
      { snapshotIdentifier: "pgplat-prod-postgres-final-0a1b2c3d" },
    ]) {
      expect(issues(aws({ restoreFrom }))).toEqual([]);
    }
  });

  it("rejects inconsistent combinations by key", () => {
    expect(issues(aws({ restoreFrom: { snapshotIdentifier: "s1", time: "2026-11-30T14:05:00Z" } }))).toEqual([
      {
        key: "pgplat:aws.restoreFrom.snapshotIdentifier",
        value: "s1",
        allowed:
          "unset when restoring to a point in time (sourceInstanceIdentifier, time, latest): choose one kind of restore",
      },
    ]);
    expect(issues(aws({ restoreFrom: { time: "2026-11-30T14:05:00Z", latest: true } }))).toEqual([
      {
        key: "pgplat:aws.restoreFrom.sourceInstanceIdentifier",
        value: undefined,
        allowed: "required for a point-in-time restore (or give snapshotIdentifier instead)",
      },
      {
        key: "pgplat:aws.restoreFrom.latest",
        value: true,
        allowed: "unset when time is given: exactly one of time and latest",
      },
    ]);
    expect(issues(aws({ restoreFrom: { sourceInstanceIdentifier: "pgplat-prod-postgres" } }))).toEqual([
      {
        key: "pgplat:aws.restoreFrom.time",
        value: undefined,
        allowed:
          "required for a point-in-time restore: an ISO 8601 moment such as 2026-11-30T14:05:00Z, or set latest: true",
      },
    ]);
    expect(
      issues(aws({ restoreFrom: { sourceInstanceIdentifier: "pgplat-prod-postgres", time: "30/11/2026 14:05" } })),
    ).toEqual([
      {
        key: "pgplat:aws.restoreFrom.time",
        value: "30/11/2026 14:05",
        allowed: "must be an ISO 8601 time with a zone, such as 2026-11-30T14:05:00Z",
      },
    ]);
  });

  it("turns the section into RDS restore inputs, times in UTC", () => {
    expect(
      rdsRestoreInputs(rdsRestoreSource({ sourceInstanceIdentifier: "src", time: "2026-11-30T16:05:00+02:00" })!),
    ).toEqual({ restoreToPointInTime: { sourceDbInstanceIdentifier: "src", restoreTime: "2026-11-30T14:05:00Z" } });
    expect(rdsRestoreInputs(rdsRestoreSource({ sourceInstanceIdentifier: "src", latest: true })!)).toEqual({
      restoreToPointInTime: { sourceDbInstanceIdentifier: "src", useLatestRestorableTime: true },
    });
    expect(rdsRestoreInputs(rdsRestoreSource({ snapshotIdentifier: "snap" })!)).toEqual({ snapshotIdentifier: "snap" });
    expect(rdsRestoreSource(undefined)).toBeUndefined();
  });
});

describe("the dump schedule and the missed-backup alarm", () => {
  it("knows the period of daily and weekly crons and of rates", async () => {
    const { schedulePeriodHours } = await import("../../config/awsBackup");
    expect(
      [
        "cron(0 2 * * ? *)",
        "cron(30 4 ? * SUN *)",
        "rate(6 hours)",
        "rate(2 days)",
        "cron(0 5 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "at(2026-12-01T00:00:00)",
      ].map(schedulePeriodHours),
    ).toEqual([24, 168, 6, 48, undefined, undefined, undefined]);
  });

  it("rejects a schedule the alarm cannot watch, naming the margin", () => {
    expect(issues({ ...aws({}), backups: { schedule: "cron(0 5 1 * ? *)" } })).toEqual([
      {
        key: "pgplat:backups.schedule",
        value: "cron(0 5 1 * ? *)",
        allowed:
          "a daily or weekly cron(m h * * ? *) / cron(m h ? * DAY *), or rate(N hours|days), whose period plus backups.missedDumpMarginHours (2) is at most 168 hours, so the missed-backup alarm can watch it",
      },
    ]);
    expect(issues({ ...aws({}), backups: { schedule: "rate(7 days)" } })).toHaveLength(1);
    expect(issues({ ...aws({}), backups: { schedule: "rate(7 days)", enabled: false } })).toEqual([]);
  });
});
