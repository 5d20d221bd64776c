import type { z } from "zod";
import { pinnedImages, stackConfigSchema, type ParsedStackConfig } from "./schema";
import { sizeProfiles } from "./profiles";
import { loginRoles, reservedRoleNames } from "./roles";
import { parseInstant } from "../backups/time";
import {
  awsRegions,
  cacheEngineVersionProblem,
  parseBackupWindow,
  parseMaintenanceWindow,
  windowsOverlap,
} from "./awsFacts";
import { flatKeyHint, nearest } from "./keyHints";
import { reservedRoleProblem } from "./postgresNames";
import { poolBudget } from "./pools";
import { backupAgeLevels, thresholdIssues, type Thresholds } from "./thresholds";
import { backupPlanIssues, dumpScheduleIssues, restoreFromIssues } from "./awsBackup";
import type { ConfigIssue, StackConfig } from "./types";

export const configNamespace = "pgplat";
/** RDS storage autoscaling ceiling, as a multiple of the allocated storage, when aws.maxStorageGb is not set. */
const storageAutoscalingFactor = 4;

export type ParseResult =
  { readonly ok: true; readonly config: StackConfig } | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Config of other namespaces that must agree with pgplat's: given by callers that read the whole stack config. */
export interface ProviderConfig {
  /** `aws:region`, which the default AWS provider reads. */
  readonly awsRegion?: string;
}

/**
 * Validates raw stack config (keys without the `pgplat:` prefix, values as
 * parsed from YAML) and resolves every default. Reports every problem at once:
 * when the schema rejects values, the cross-field checks still run on the rest
 * (each rejected value replaced by its default), so one never hides the other.
 */
export function parseStackConfig(raw: Readonly<Record<string, unknown>>, providers?: ProviderConfig): ParseResult {
  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((issue) => schemaIssues(issue, raw));
    return { ok: false, issues: [...issues, ...crossFieldIssuesWithout(raw, parsed.error.issues, providers)] };
  }
  const config = resolveDefaults(parsed.data);
  const issues = [...crossFieldIssues(config), ...providerIssues(config, providers)];
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: deepFreeze(config) };
}

/** Cross-field issues of `raw` with every rejected value removed; none about a removed key (its problem is already reported). */
function crossFieldIssuesWithout(
  raw: Readonly<Record<string, unknown>>,
  rejected: readonly z.core.$ZodIssue[],
  providers?: ProviderConfig,
): ConfigIssue[] {
  const repaired: unknown = structuredClone(raw);
  let issues = rejected;
  const removed: string[] = [];
  for (let attempt = 0; attempt < 5 && issues.length > 0; attempt++) {
    for (const issue of issues) {
      // A rejected list item takes its list with it; an unknown key goes alone.
      const firstIndex = issue.path.findIndex((segment) => typeof segment === "number");
      const path = issue.code === "unrecognized_keys" || firstIndex < 0 ? issue.path : issue.path.slice(0, firstIndex);
      const keys = issue.code === "unrecognized_keys" ? issue.keys.map((unknownKey) => [...path, unknownKey]) : [path];
      for (const rejectedPath of keys) {
        // A required key cannot be removed to make way: its parent goes instead.
        const keyPath = removed.includes(formatPath(rejectedPath)) ? rejectedPath.slice(0, -1) : rejectedPath;
        if (keyPath.length === 0) return [];
        removed.push(formatPath(keyPath));
        removeAt(repaired, keyPath);
      }
    }
    const retry = stackConfigSchema.safeParse(repaired);
    if (retry.success) {
      const config = resolveDefaults(retry.data);
      return [...crossFieldIssues(config), ...providerIssues(config, providers)].filter(
        (issue) =>
          !removed.some(
            (path) =>
              issue.key === key(path) || issue.key.startsWith(`${key(path)}.`) || issue.key.startsWith(`${key(path)}[`),
          ),
      );
    }
    issues = retry.error.issues;
  }
  return [];
}

function removeAt(root: unknown, path: readonly PropertyKey[]): void {
  const parent = valueAt(root, path.slice(0, -1));
  if (parent !== null && typeof parent === "object")
    delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]];
}

/** The one region: the default AWS provider's `aws:region` and `pgplat:aws.region` must name the same region. */
function providerIssues(config: StackConfig, providers: ProviderConfig | undefined): ConfigIssue[] {
  if (!providers || config.target !== "aws" || !config.aws || providers.awsRegion === config.aws.region) return [];
  const allowed = `the same region as ${key("aws.region")} (${config.aws.region}): the default AWS provider reads aws:region, so both must agree`;
  return [
    {
      key: "aws:region",
      value: providers.awsRegion,
      allowed: providers.awsRegion === undefined ? `required: ${allowed}` : allowed,
    },
  ];
}

function resolveDefaults(parsed: ParsedStackConfig): StackConfig {
  const profile = sizeProfiles[parsed.size];
  return {
    ...parsed,
    profile,
    postgres: {
      ...parsed.postgres,
      maxConnections: parsed.postgres.maxConnections ?? profile.maxConnections,
      memoryMb: parsed.postgres.memoryMb ?? profile.memoryMb,
      vcpus: parsed.postgres.vcpus ?? profile.vcpus,
      storageGb: parsed.postgres.storageGb ?? profile.storageGb,
    },
    redis: { ...parsed.redis, maxmemoryMb: parsed.redis.maxmemoryMb ?? profile.redisMaxmemoryMb },
    // Every threshold has schema defaults except the derived backup age, resolved here.
    thresholds: {
      ...(parsed.thresholds as Thresholds),
      backupAgeHours: backupAgeLevels(
        parsed.thresholds.backupAgeHours,
        parsed.backups.baseBackupEveryHours,
        parsed.backups.baseBackupGraceMinutes,
      ),
    },
    // RDS and ElastiCache store the days in lower case; the stack keeps the same spelling so a plan shows no change.
    aws: parsed.aws && {
      ...parsed.aws,
      maintenanceWindow: parsed.aws.maintenanceWindow.toLowerCase(),
      maxStorageGb:
        parsed.aws.maxStorageGb ?? storageAutoscalingFactor * (parsed.postgres.storageGb ?? profile.storageGb),
    },
  };
}

function crossFieldIssues(config: StackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  issues.push(...restoreIssues(config));
  if (config.target === "aws" && config.aws === undefined) {
    issues.push({
      key: key("aws"),
      value: undefined,
      allowed: "required when target is aws: an object with region, vpcId and subnetIds",
    });
  }
  const budget = poolBudget({
    pooledLogins: loginRoles(config.roles.extra).filter((login) => login.pooled).length,
    defaultPoolSize: config.pgbouncer.defaultPoolSize,
    reservePoolSize: config.pgbouncer.reservePoolSize,
    reservedConnections: config.postgres.reservedConnections,
    maxConnections: config.postgres.maxConnections,
  });
  if (!budget.fits) {
    issues.push({
      key: key("postgres.maxConnections"),
      value: config.postgres.maxConnections,
      allowed: `at least ${budget.required}: ${budget.explanation} (raise it or lower the pool sizes)`,
    });
  }
  issues.push(...awsIssues(config), ...rdsIssues(config));
  if (config.backups.enabled && config.backups.retentionDays < 1) {
    issues.push({
      key: key("backups.retentionDays"),
      value: config.backups.retentionDays,
      allowed: "at least 1 when backups.enabled is true",
    });
  }
  issues.push(
    ...duplicatePortIssues(config),
    ...extraRoleIssues(config),
    ...thresholdIssues(config.thresholds, key("thresholds.")),
  );
  return issues;
}

/** AWS facts beyond a value's shape: regions the provider knows, windows that do not overlap, replicas that need the primary's backups. */
function rdsIssues(config: StackConfig): ConfigIssue[] {
  const aws = config.aws;
  if (config.target !== "aws" || !aws) return [];
  const issues: ConfigIssue[] = [];
  for (const [name, region] of [
    ["aws.region", aws.region],
    ["aws.backupReplicaRegion", aws.backupReplicaRegion],
  ] as const) {
    if (region === undefined || awsRegions.includes(region)) continue;
    const close = nearest(region, awsRegions);
    issues.push({
      key: key(name),
      value: region,
      allowed: `an AWS region${close === undefined ? "" : ` (did you mean ${close}?)`} (one the AWS provider knows: ${awsRegions.join(", ")})`,
    });
  }
  const backup = parseBackupWindow(aws.backupWindow);
  const maintenance = parseMaintenanceWindow(aws.maintenanceWindow);
  if (typeof backup !== "string" && typeof maintenance !== "string" && windowsOverlap(backup, maintenance)) {
    issues.push({
      key: key("aws.backupWindow"),
      value: aws.backupWindow,
      allowed: `a window that does not overlap aws.maintenanceWindow (${aws.maintenanceWindow}) on any day: RDS refuses overlapping windows`,
    });
  }
  const cacheVersion = cacheEngineVersionProblem(aws.cacheEngine, aws.cacheEngineVersion);
  if (cacheVersion)
    issues.push({ key: key("aws.cacheEngineVersion"), value: aws.cacheEngineVersion, allowed: cacheVersion });
  if (aws.readReplicas > 0 && (!config.backups.enabled || config.backups.retentionDays < 1)) {
    issues.push({
      key: key("aws.readReplicas"),
      value: aws.readReplicas,
      allowed:
        "0 while backups are off: RDS creates read replicas only of a primary with automated backups (backups.enabled true, backups.retentionDays ≥ 1)",
    });
  }
  return issues;
}

function awsIssues(config: StackConfig): ConfigIssue[] {
  const aws = config.aws;
  if (config.target !== "aws" || !aws) return [];
  const issues: ConfigIssue[] = [];
  // Deprecated: the aws target once took its pooler image from the docker section; a stack that still sets it there is told where it moved rather than silently ignored.
  if (config.docker.pgbouncerImage !== pinnedImages.pgbouncer && aws.pgbouncerImage === pinnedImages.pgbouncer) {
    issues.push({
      key: key("docker.pgbouncerImage"),
      value: config.docker.pgbouncerImage,
      allowed:
        "unset on the aws target: its pooler image is pgplat:aws.pgbouncerImage (docker.pgbouncerImage applies to docker stacks only); move the value there",
    });
  }
  if ((aws.vpcId === undefined) !== (aws.subnetIds === undefined)) {
    const [missing, given] = aws.vpcId === undefined ? ["aws.vpcId", "aws.subnetIds"] : ["aws.subnetIds", "aws.vpcId"];
    issues.push({
      key: key(missing),
      value: undefined,
      allowed: `required when ${given} is given (omit both for a minimal VPC)`,
    });
  }
  if (config.backups.retentionDays > 35) {
    issues.push({
      key: key("backups.retentionDays"),
      value: config.backups.retentionDays,
      allowed: "at most 35 on the aws target (the RDS backup retention limit)",
    });
  }
  aws.allowedCidrs.forEach((cidr, index) => {
    if (cidr === "samenet" || cidr === "samehost")
      issues.push({
        key: key(`aws.allowedCidrs[${index}]`),
        value: cidr,
        allowed: "an IPv4 or IPv6 CIDR; samenet and samehost only mean something in pg_hba.conf",
      });
  });
  if (config.backups.bucketExpireDays <= config.backups.bucketTransitionDays) {
    issues.push({
      key: key("backups.bucketExpireDays"),
      value: config.backups.bucketExpireDays,
      allowed: `more than backups.bucketTransitionDays (${config.backups.bucketTransitionDays})`,
    });
  }
  if (config.environment === "production" && aws.cacheSnapshotRetentionDays < 1) {
    issues.push({
      key: key("aws.cacheSnapshotRetentionDays"),
      value: aws.cacheSnapshotRetentionDays,
      allowed: "at least 1 when environment is production",
    });
  }
  if (aws.backupReplicaRegion !== undefined && aws.backupReplicaRegion === aws.region) {
    issues.push({
      key: key("aws.backupReplicaRegion"),
      value: aws.backupReplicaRegion,
      allowed: `a region other than aws.region (${aws.region})`,
    });
  }
  if (aws.sslmode === "verify-full" && aws.sslRootCert === undefined) {
    issues.push({
      key: key("aws.sslRootCert"),
      value: undefined,
      allowed: "required when aws.sslmode is verify-full: the path to the RDS CA bundle",
    });
  }
  const dumpIssues = config.backups.enabled
    ? dumpScheduleIssues(config.backups.schedule, config.backups.missedDumpMarginHours)
    : [];
  issues.push(
    ...[...backupPlanIssues(aws.backupPlan), ...restoreFromIssues(aws.restoreFrom), ...dumpIssues].map((issue) => ({
      key: key(issue.path),
      value: issue.value,
      allowed: issue.allowed,
    })),
  );
  if (aws.maxStorageGb !== undefined && aws.maxStorageGb < config.postgres.storageGb) {
    issues.push({
      key: key("aws.maxStorageGb"),
      value: aws.maxStorageGb,
      allowed: `at least postgres.storageGb (${config.postgres.storageGb})`,
    });
  }
  return issues;
}

function duplicatePortIssues(config: StackConfig): ConfigIssue[] {
  const ports: [string, number | undefined][] = [
    ["postgres.port", config.postgres.port],
    ["pgbouncer.port", config.pgbouncer.port],
    ["redis.port", config.redis.port],
    ["docker.prometheusPort", config.docker.prometheusPort],
  ];
  const issues: ConfigIssue[] = [];
  ports.forEach(([name, port], index) => {
    const earlier = ports.slice(0, index).find(([, other]) => port !== undefined && other === port);
    if (earlier) issues.push({ key: key(name), value: port, allowed: `a port different from ${key(earlier[0])}` });
  });
  return issues;
}

function extraRoleIssues(config: StackConfig): ConfigIssue[] {
  const seen = new Set<string>();
  return config.roles.extra.flatMap((role, index): ConfigIssue[] => {
    const roleKey = key(`roles.extra[${index}].name`);
    if (reservedRoleNames.includes(role.name)) {
      return [
        {
          key: roleKey,
          value: role.name,
          allowed: `a name other than the built-in roles (${reservedRoleNames.join(", ")})`,
        },
      ];
    }
    const reserved = reservedRoleProblem(role.name);
    if (reserved) return [{ key: roleKey, value: role.name, allowed: `a name ${reserved}` }];
    if (seen.has(role.name))
      return [{ key: roleKey, value: role.name, allowed: "a name not already used by another extra role" }];
    seen.add(role.name);
    return [];
  });
}

function schemaIssues(issue: z.core.$ZodIssue, raw: Readonly<Record<string, unknown>>): ConfigIssue[] {
  if (issue.code === "unrecognized_keys") {
    const valid = keysAt(issue.path);
    return issue.keys.map((unknownKey) => {
      const where = issue.path.length === 0 ? "" : ` in ${key(formatPath(issue.path))}`;
      const flat = issue.path.length === 0 ? flatKeyHint(unknownKey, configNamespace, valid) : undefined;
      const close = nearest(unknownKey, valid);
      const hint =
        flat ??
        (close === undefined
          ? "check the spelling against the configuration reference"
          : `did you mean ${key(formatPath([...issue.path, close]))}?`);
      return {
        key: key(formatPath([...issue.path, unknownKey])),
        value: valueAt(raw, [...issue.path, unknownKey]),
        allowed: `no such key${where}; ${hint}`,
      };
    });
  }
  const value = valueAt(raw, issue.path);
  return [{ key: key(formatPath(issue.path)), value, allowed: allowedText(issue, value) }];
}

/** The keys the schema declares in the object at `path`. */
function keysAt(path: readonly PropertyKey[]): string[] {
  type Def = { innerType?: z.core.$ZodType; element?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType> };
  const def = (node: z.core.$ZodType) => node._zod.def as Def;
  // Optional, default and prefault wrappers hold their schema in innerType.
  const unwrap = (node: z.core.$ZodType): z.core.$ZodType =>
    def(node).innerType ? unwrap(def(node).innerType!) : node;
  let node = unwrap(stackConfigSchema);
  for (const segment of path) {
    const next = typeof segment === "number" ? def(node).element : def(node).shape?.[String(segment)];
    if (!next) return [];
    node = unwrap(next);
  }
  return Object.keys(def(node).shape ?? {});
}

function allowedText(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_value":
      return `one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "too_small":
      return issue.origin === "array"
        ? `a list of at least ${issue.minimum} entries`
        : `${describeNumberKind(issue)} ≥ ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array"
        ? `a list of at most ${issue.maximum} entries`
        : `${describeNumberKind(issue)} ≤ ${issue.maximum}`;
    case "invalid_type": {
      const expected = issue.expected === "int" ? "whole number" : issue.expected;
      return value === undefined ? `required (${expected})` : `a value of type ${expected}`;
    }
    default:
      return issue.message;
  }
}

function describeNumberKind(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  return issue.origin === "string" ? "a string whose length is" : "a number";
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, segment) =>
      node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[segment] : undefined,
    raw,
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === "number"
        ? `${text}[${segment}]`
        : text === ""
          ? String(segment)
          : `${text}.${String(segment)}`,
    "",
  );
}

function key(path: string): string {
  return `${configNamespace}:${path}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function restoreIssues(config: StackConfig): ConfigIssue[] {
  const restore = config.restore;
  if (!restore) return [];
  const issues: ConfigIssue[] = [];
  if (config.target !== "docker")
    issues.push({
      key: key("restore"),
      value: restore.fromStack,
      allowed: "only on the docker target (on AWS, RDS restores to a point in time)",
    });
  if ((restore.time === undefined) === (restore.latest !== true)) {
    issues.push({
      key: key("restore.time"),
      value: restore.time,
      allowed: "exactly one of restore.time (ISO 8601 with an offset) and restore.latest: true",
    });
  } else if (restore.time !== undefined && parseInstant(restore.time) === undefined) {
    issues.push({
      key: key("restore.time"),
      value: restore.time,
      allowed:
        "an ISO 8601 time with a numeric offset or Z, e.g. 2026-11-30T14:05:00+01:00 (PostgreSQL refuses zone names, and a time without an offset means a different moment on each machine)",
    });
  }
  return issues;
}
