/**
 * What AWS accepts, as pure checks: each returns undefined when the value is
 * accepted, or says what is allowed. Used by the schema so a value is judged
 * where it is declared.
 */
import { Region } from "@pulumi/aws/types/enums";

/** The regions the AWS provider pgplat deploys with knows (its own enum, not a pattern). */
export const awsRegions: readonly string[] = Object.freeze(Object.values(Region).map(String));

/** Performance Insights retention RDS accepts: 7 (free tier), a multiple of 31 up to 713 (months), or 731. */
export const performanceInsightsRetentionDays: readonly number[] = Object.freeze([
  7,
  ...Array.from({ length: 23 }, (_, month) => 31 * (month + 1)),
  731,
]);

/**
 * ElastiCache engine versions pgplat deploys, per engine: Redis OSS 7 (what
 * the Docker target runs) and every Valkey ElastiCache offers. Redis OSS
 * stops at 7.1 on ElastiCache (7.2 and later are Valkey); older Redis OSS
 * lacks the ACLs pgplat sets up and takes a differently named parameter
 * group family (redis6.x).
 */
export const cacheEngineVersions = Object.freeze({
  redis: ["7.0", "7.1"],
  valkey: ["7.2", "8.0", "8.1", "8.2", "9.0", "9.1"],
} as const);
export type CacheEngine = keyof typeof cacheEngineVersions;

/** Whether ElastiCache offers `version` of `engine`; otherwise what it offers. */
export function cacheEngineVersionProblem(engine: CacheEngine, version: string): string | undefined {
  const offered: readonly string[] = cacheEngineVersions[engine];
  if (offered.includes(version)) return undefined;
  const other = (Object.keys(cacheEngineVersions) as CacheEngine[]).find(
    (candidate) => candidate !== engine && (cacheEngineVersions[candidate] as readonly string[]).includes(version),
  );
  const hint = other ? ` (${version} is ${other}: set aws.cacheEngine to ${other})` : "";
  return `a ${engine} version ElastiCache offers: ${offered.join(", ")}${hint}`;
}

/** RDS: both windows last at least 30 minutes. */
const minimumWindowMinutes = 30;
const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const minutesPerDay = 24 * 60;
const minutesPerWeek = 7 * minutesPerDay;

/** A window as [start, end) minutes; `end` may exceed `period` when it wraps (past midnight, past Sunday). */
export interface Window {
  readonly start: number;
  readonly end: number;
  readonly period: number;
}

function clock(text: string): number | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

function window(start: number, end: number, period: number): Window | string {
  const length = (end - start + period) % period;
  if (length < minimumWindowMinutes)
    return `a window of at least ${minimumWindowMinutes} minutes (this one is ${length})`;
  return { start, end: start + length, period };
}

/** RDS backup window `hh:mm-hh:mm` (UTC, daily). */
export function parseBackupWindow(text: string): Window | string {
  const [from, to, extra] = text.split("-");
  const start = clock(from ?? "");
  const end = clock(to ?? "");
  if (extra !== undefined || start === undefined || end === undefined)
    return "hh:mm-hh:mm in UTC with real times (00:00 to 23:59), such as 03:00-04:00";
  return window(start, end, minutesPerDay);
}

/** RDS maintenance window `ddd:hh:mm-ddd:hh:mm` (UTC, weekly); AWS documents the days as Mon…Sun and reads them in any case. */
export function parseMaintenanceWindow(text: string): Window | string {
  const match = /^([a-z]{3}):(\d{2}:\d{2})-([a-z]{3}):(\d{2}:\d{2})$/.exec(text.toLowerCase());
  const dayIndex = (day: string) => (days as readonly string[]).indexOf(day);
  const start = match && clock(match[2]);
  const end = match && clock(match[4]);
  if (!match || dayIndex(match[1]) < 0 || dayIndex(match[3]) < 0 || start == null || end == null) {
    return `ddd:hh:mm-ddd:hh:mm in UTC with days ${days.join(", ")} and real times, such as sun:04:30-sun:05:30`;
  }
  return window(dayIndex(match[1]) * minutesPerDay + start, dayIndex(match[3]) * minutesPerDay + end, minutesPerWeek);
}

/**
 * A CIDR spelled so every reader takes the same range: AWS refuses spaces
 * and leading zeros, and inet_aton (behind pg_hba.conf on glibc) reads an
 * octet such as 010 as octal 8. Assumes `parseCidr` accepted the text.
 */
export function cidrSpellingProblem(text: string): string | undefined {
  if (text !== text.trim()) return "without spaces around it (AWS refuses them)";
  const [address, prefix] = text.split("/");
  const canonicalPrefix = String(Number(prefix));
  const octets = address.includes(":") ? [] : address.split(".");
  const canonicalAddress = octets.length > 0 ? octets.map(Number).join(".") : address;
  if (prefix === canonicalPrefix && canonicalAddress === address) return undefined;
  return `written without leading zeros, as ${canonicalAddress}/${canonicalPrefix} (AWS refuses leading zeros, and pg_hba.conf may read an octet such as 010 as octal 8)`;
}

/** Whether the daily backup window meets the weekly maintenance window on any day (RDS refuses overlapping windows). */
export function windowsOverlap(backup: Window, maintenance: Window): boolean {
  const weekly = (start: number, end: number): [number, number][] =>
    end <= minutesPerWeek
      ? [[start, end]]
      : [
          [start, minutesPerWeek],
          [0, end - minutesPerWeek],
        ];
  const maintenanceRanges = weekly(maintenance.start, maintenance.end);
  return days.some((_, day) =>
    weekly(day * minutesPerDay + backup.start, day * minutesPerDay + backup.end).some(([from, to]) =>
      maintenanceRanges.some(([otherFrom, otherTo]) => from < otherTo && otherFrom < to),
    ),
  );
}

const cronFields = [
  { name: "minutes", min: 0, max: 59, names: [] as string[] },
  { name: "hours", min: 0, max: 23, names: [] as string[] },
  { name: "day-of-month", min: 1, max: 31, names: [] as string[] },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  { name: "day-of-week", min: 1, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
  { name: "year", min: 1970, max: 2199, names: [] as string[] },
] as const;

/**
 * EventBridge Scheduler expressions: `cron(min hour day-of-month month day-of-week year)`
 * with `?` in exactly one of the two day fields, `rate(n minute|minutes|hour|hours|day|days)`
 * (singular for 1), or `at(yyyy-mm-ddThh:mm:ss)`.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const usage =
    "cron(minutes hours day-of-month month day-of-week year) with ? in one day field, rate(n minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss), as EventBridge Scheduler accepts";
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1) return `a rate of at least 1 (${usage})`;
    if ((value === 1) !== !rate[2].endsWith("s"))
      return `rate(1 ${rate[2].replace(/s$/, "")}) for 1, plural units otherwise`;
    return undefined;
  }
  if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(expression))
    return Number.isNaN(Date.parse(`${expression.slice(3, -1)}Z`)) ? `a real date and time in at(...)` : undefined;
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return usage;
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) return `6 fields in cron(...), not ${fields.length}: ${usage}`;
  const [dayOfMonth, dayOfWeek] = [fields[2], fields[4]];
  if ((dayOfMonth === "?") === (dayOfWeek === "?"))
    return `? in exactly one of day-of-month and day-of-week (e.g. cron(0 2 * * ? *))`;
  for (const [index, field] of fields.entries()) {
    const problem = cronFieldProblem(field, cronFields[index], index === 2 || index === 4);
    if (problem) return `${cronFields[index].name} field "${field}": ${problem}`;
  }
  return undefined;
}

function cronFieldProblem(field: string, spec: (typeof cronFields)[number], dayField: boolean): string | undefined {
  if (field === "*" || (dayField && field === "?")) return undefined;
  const value = (text: string) => {
    const named = (spec.names as readonly string[]).indexOf(text.toUpperCase());
    const number = named >= 0 ? spec.min + named : /^\d+$/.test(text) ? Number(text) : NaN;
    return number >= spec.min && number <= spec.max ? number : undefined;
  };
  const range = `${spec.min}-${spec.max}${spec.names.length > 0 ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : ""}`;
  for (const part of field.split(",")) {
    const [base, step] = part.split("/");
    if (step !== undefined && !/^\d+$/.test(step)) return `the step after / must be a number`;
    if (dayField && /^(L|LW|\d{1,2}W|[1-7A-Z]{1,3}#[1-5]|[1-7A-Z]{0,3}L)$/i.test(base)) continue;
    const bounds = base === "*" ? [] : base.split("-");
    if (bounds.length > 2 || bounds.some((bound) => value(bound) === undefined)) return `values in ${range}`;
  }
  return undefined;
}
