import { z } from "zod";
import { sizeProfileNames } from "./profiles";
import { thresholdsSection } from "./thresholds";
import { backupPlanSection, restoreFromSection } from "./awsBackup";
import {
  cidrSpellingProblem,
  parseBackupWindow,
  parseMaintenanceWindow,
  performanceInsightsRetentionDays,
  scheduleExpressionProblem,
} from "./awsFacts";
import { parseCidr } from "../policy/addressSpace";
import { existingDatabases } from "./postgresNames";

/** A string field judged by `problem` (undefined when accepted; else what is allowed). */
const checkedString = (problem: (value: string) => string | undefined) =>
  z.string().superRefine((value, context) => {
    const found = problem(value);
    if (found !== undefined) context.addIssue({ code: "custom", message: found });
  });
const windowProblem = (parse: (text: string) => unknown) => (text: string) => {
  const parsed = parse(text);
  return typeof parsed === "string" ? parsed : undefined;
};

/**
 * The stack config schema: every key under the `pgplat:` namespace, its type,
 * its default (declared here and nowhere else; size-derived defaults live in
 * `profiles.ts`) and what it means. The README's configuration reference is
 * generated from this file.
 */

const port = z.number().int().min(1).max(65535);
/** PostgreSQL keeps NAMEDATALEN - 1 bytes of a name and silently truncates the rest, so two long names can become one. */
const identifierBytes = 63;
const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*$/, "must be a lower-case SQL identifier: [a-z_][a-z0-9_]*")
  .refine((name) => Buffer.byteLength(name, "utf8") <= identifierBytes, {
    message: `at most ${identifierBytes} bytes in UTF-8 (PostgreSQL truncates longer names)`,
  });
const cidr = checkedString((text) => {
  if (text === "samenet" || text === "samehost") return undefined;
  const parsed = parseCidr(text);
  if ("error" in parsed)
    return `an IPv4 or IPv6 CIDR (e.g. 10.0.0.0/16, 2001:db8::/32) or samenet/samehost: ${parsed.error}`;
  const spelling = cidrSpellingProblem(text);
  return spelling === undefined ? undefined : `an IPv4 or IPv6 CIDR ${spelling}`;
});
/** Checked against the provider's list after parsing (config/validate.ts), so a typo does not hide the rest of the aws section. */
const region = z.string().min(1);
/** Distinct entries: a repeated one is reported at its own index. */
const distinct = <T extends z.ZodType<string>>(item: T, what: string) =>
  z.array(item).superRefine((values, context) => {
    values.forEach((value, index) => {
      const first = values.indexOf(value);
      if (first < index)
        context.addIssue({
          code: "custom",
          path: [index],
          message: `a ${what} not already listed (the same as entry ${first})`,
        });
    });
  });

export const workloads = ["web", "oltp", "dw", "mixed", "desktop"] as const;
export const storageKinds = ["ssd", "hdd", "san"] as const;
export const roleKinds = ["readwrite", "readonly", "monitor"] as const;
export const redisEvictionPolicies = [
  "noeviction",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
] as const;

const postgresSection = z
  .strictObject({
    database: identifier
      .refine((name) => !existingDatabases.includes(name), {
        message: `a database PostgreSQL does not already have (not ${existingDatabases.join(", ")})`,
      })
      .default("app")
      .describe("Name of the application database."),
    maxConnections: z
      .number()
      .int()
      .min(20)
      .max(10000)
      .optional()
      .describe("max_connections. Default: from the size profile."),
    memoryMb: z
      .number()
      .int()
      .min(256)
      .max(4194304)
      .optional()
      .describe("Memory for PostgreSQL in MiB; drives tuning. Default: from the size profile."),
    vcpus: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe("vCPUs for PostgreSQL; drives parallelism settings. Default: from the size profile."),
    storageGb: z
      .number()
      .int()
      .min(1)
      .max(65536)
      .optional()
      .describe("Storage in GiB; bounds max_wal_size. Default: from the size profile."),
    storageKind: z
      .enum(storageKinds)
      .default("ssd")
      .describe("Storage kind for planner costs (random_page_cost, effective_io_concurrency)."),
    workload: z.enum(workloads).default("web").describe("Workload shape for tuning, as in pgtune."),
    reservedConnections: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(10)
      .describe(
        "Connections kept free of PgBouncer pools for direct logins (migrator, monitoring, admin), on top of superuser_reserved_connections.",
      ),
    slowStatementMs: z
      .number()
      .int()
      .min(-1)
      .max(3600000)
      .default(250)
      .describe("log_min_duration_statement in ms; -1 disables."),
    archiveTimeoutSeconds: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .default(60)
      .describe(
        "archive_timeout: upper bound in seconds on how much committed work can sit in a WAL segment that is not archived yet (the RPO on Docker).",
      ),
    allowedClients: z
      .array(cidr)
      .min(1)
      .default(["samenet"])
      .describe("Client addresses pg_hba.conf accepts (scram-sha-256 only)."),
    port: port
      .optional()
      .describe("Docker: host port for PostgreSQL on the bind address. Default: assigned by Docker."),
  })
  .prefault({});

const pgbouncerSection = z
  .strictObject({
    poolMode: z.enum(["transaction", "session"]).default("transaction").describe("PgBouncer pool_mode."),
    defaultPoolSize: z
      .number()
      .int()
      .min(1)
      .max(10000)
      .default(20)
      .describe("Server connections per database/user pool."),
    reservePoolSize: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(5)
      .describe("Extra server connections a pool may use when clients wait longer than reservePoolTimeoutSeconds."),
    reservePoolTimeoutSeconds: z.number().int().min(1).max(3600).default(3).describe("reserve_pool_timeout."),
    maxClientConn: z
      .number()
      .int()
      .min(1)
      .max(100000)
      .default(1000)
      .describe("max_client_conn; the file-descriptor limit is derived from it."),
    queryWaitTimeoutSeconds: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .default(60)
      .describe("query_wait_timeout: a client waiting longer for a server connection is disconnected."),
    serverIdleTimeoutSeconds: z.number().int().min(0).max(86400).default(600).describe("server_idle_timeout."),
    idleTransactionTimeoutSeconds: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .default(300)
      .describe(
        "idle_transaction_timeout: a client idle inside a transaction for longer is disconnected, so it cannot pin a server connection.",
      ),
    port: port.optional().describe("Docker: host port for PgBouncer. Default: assigned by Docker."),
  })
  .prefault({});

const redisSection = z
  .strictObject({
    maxmemoryMb: z
      .number()
      .int()
      .min(16)
      .max(1048576)
      .optional()
      .describe("Redis maxmemory in MiB. Default: from the size profile."),
    maxmemoryPolicy: z.enum(redisEvictionPolicies).default("allkeys-lru").describe("Redis maxmemory-policy."),
    appPermissions: z
      .string()
      .min(1)
      .default("~* &* +@all -@dangerous")
      .describe(
        "ACL rules for the app user (keys, channels, commands). The default denies every command in @dangerous (FLUSHALL, CONFIG, KEYS, DEBUG, SHUTDOWN…).",
      ),
    port: port.optional().describe("Docker: host port for Redis. Default: assigned by Docker."),
  })
  .prefault({});

const backupsSection = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Keep base backups and the WAL archive."),
    retentionDays: z
      .number()
      .int()
      .min(0)
      .max(3650)
      .default(7)
      .describe(
        "Days backups are kept (the point-in-time recovery window on AWS). At least 1 when backups are enabled.",
      ),
    bucketTransitionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(30)
      .describe("AWS: days before backup objects move to Glacier Instant Retrieval."),
    bucketExpireDays: z
      .number()
      .int()
      .min(1)
      .max(36500)
      .default(365)
      .describe("AWS: days before backup objects expire; must exceed bucketTransitionDays."),
    noncurrentExpireDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(30)
      .describe("AWS: days before overwritten or deleted backup versions expire."),
    objectLockDays: z
      .number()
      .int()
      .min(1)
      .max(36500)
      .optional()
      .describe("AWS: S3 Object Lock (governance mode) retention in days; off when unset."),
    schedule: checkedString(scheduleExpressionProblem)
      .default("cron(0 2 * * ? *)")
      .describe("AWS: EventBridge Scheduler expression for the backup task (UTC)."),
    baseBackupEveryHours: z
      .number()
      .int()
      .min(1)
      .max(168)
      .default(24)
      .describe(
        "Docker: hours between base backups taken by the backup container (each followed by a prune to retentionDays).",
      ),
    baseBackupGraceMinutes: z
      .number()
      .int()
      .min(5)
      .max(1440)
      .default(60)
      .describe(
        "Docker: how long past baseBackupEveryHours the newest complete backup may be before the backup container reports unhealthy.",
      ),
    missedDumpMarginHours: z
      .number()
      .int()
      .min(1)
      .max(48)
      .default(2)
      .describe(
        "AWS: the missed-backup alarm fires when no dump succeeded for one schedule period plus this many hours.",
      ),
  })
  .prefault({});

/** The backup defaults, for tools that run without a stack (the backup CLI's prune). */
export const backupDefaults = Object.freeze(backupsSection.parse(undefined));

const extraRole = z.strictObject({
  name: identifier.describe("Login role name."),
  kind: z.enum(roleKinds).describe("Group the login joins: readwrite, readonly or monitor."),
});

const rolesSection = z
  .strictObject({
    extra: z
      .array(extraRole)
      .default([])
      .describe("Extra login roles: [{name, kind}]. Each gets a generated password and joins the group of its kind."),
    appStatementTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(86400000)
      .default(30000)
      .describe("statement_timeout of the read-write logins (app_user and extra readwrite logins); 0 disables."),
    appIdleInTransactionTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(86400000)
      .default(60000)
      .describe("idle_in_transaction_session_timeout of the read-write logins; 0 disables."),
  })
  .prefault({});

/** The migration settings' defaults, declared once: the schema, the migrations engine and `npm run migrate` all read them here. */
export const migrationDefaults = Object.freeze({
  dir: "sql",
  lockTimeoutMs: 5000,
  statementTimeoutMs: 0,
  lockRetries: 3,
  lockWaitSeconds: 60,
  outOfOrder: false,
});

const migrationsSection = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Apply sql/ after the roles (the post-deploy step)."),
    dir: z
      .string()
      .min(1)
      .default(migrationDefaults.dir)
      .describe("Directory with migrations/ and repeatable/, relative to the project."),
    lockTimeoutMs: z
      .number()
      .int()
      .min(1)
      .max(600000)
      .default(migrationDefaults.lockTimeoutMs)
      .describe("lock_timeout for each file."),
    statementTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(86400000)
      .default(migrationDefaults.statementTimeoutMs)
      .describe("statement_timeout for each file; 0 disables."),
    lockRetries: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(migrationDefaults.lockRetries)
      .describe("Retries of a file that hit lock_timeout, with backoff."),
    lockWaitSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(migrationDefaults.lockWaitSeconds)
      .describe("How long a run waits for another run's advisory lock before failing."),
    outOfOrder: z
      .boolean()
      .default(migrationDefaults.outOfOrder)
      .describe("Allow new versioned files older than the newest applied one."),
  })
  .prefault({});

/** Pinned images both targets run, declared once. */
export const pinnedImages = Object.freeze({ pgbouncer: "edoburu/pgbouncer:v1.25.2-p0" });

const dockerSection = z
  .strictObject({
    postgresImage: checkedString((image) =>
      !image.includes("@") && /:(?!16(\.|-|$))[^/]+$/.test(image)
        ? "a PostgreSQL 16 image (tag 16, 16.x or 16.x-variant, or a digest)"
        : undefined,
    )
      .default("postgres:16.14-bookworm")
      .describe("Pinned PostgreSQL 16 image."),
    pgbouncerImage: z
      .string()
      .min(1)
      .default(pinnedImages.pgbouncer)
      .describe("Pinned PgBouncer image (docker target; the aws target reads aws.pgbouncerImage)."),
    redisImage: z.string().min(1).default("redis:7.4.6-bookworm").describe("Pinned Redis 7 image."),
    postgresExporterImage: z
      .string()
      .min(1)
      .default("quay.io/prometheuscommunity/postgres-exporter:v0.17.1")
      .describe("Pinned postgres_exporter image (runs the pgplat custom queries as the monitoring login)."),
    pgbouncerExporterImage: z
      .string()
      .min(1)
      .default("quay.io/prometheuscommunity/pgbouncer-exporter:v0.10.2")
      .describe("Pinned PgBouncer exporter image (the monitoring login is PgBouncer's stats user)."),
    redisExporterImage: z
      .string()
      .min(1)
      .default("oliver006/redis_exporter:v1.67.0")
      .describe("Pinned Redis exporter image (logs in as the statistics-only monitor user)."),
    prometheusImage: z
      .string()
      .min(1)
      .default("prom/prometheus:v2.55.1")
      .describe("Pinned Prometheus image; loads the alert rules rendered from pgplat:thresholds."),
    prometheusPort: port
      .optional()
      .describe("Host port for Prometheus on the bind address. Default: assigned by Docker."),
    bindAddress: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}$/, "must be an IPv4 address")
      .default("127.0.0.1")
      .describe("Host address the published ports bind to. Loopback keeps the stack off the network."),
    stackTtlHours: z
      .number()
      .int()
      .min(1)
      .max(8760)
      .default(72)
      .describe(
        "Hours a dev-<name> stack lives after its last npm run dev:up (recorded as its pgplat:expires-at tag); npm run dev:reap then destroys it. dev:up --ttl overrides.",
      ),
  })
  .prefault({});

const awsSection = z.strictObject({
  region: region.describe("AWS region; the default AWS provider's aws:region must be the same."),
  vpcId: z
    .string()
    .regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id such as vpc-0123456789abcdef0")
    .optional()
    .describe("VPC to deploy into. Without it pgplat creates a minimal VPC (for throwaway stacks)."),
  subnetIds: distinct(
    z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id such as subnet-0123456789abcdef0"),
    "subnet",
  )
    .min(2)
    .optional()
    .describe("Private subnets in at least two availability zones; required with vpcId."),
  vpcCidr: z
    .string()
    .regex(/^\d{1,3}\.\d{1,3}\.0\.0\/16$/, "must be a /16 such as 10.42.0.0/16")
    .default("10.42.0.0/16")
    .describe("CIDR of the minimal VPC pgplat creates when vpcId is not given."),
  allowedCidrs: z.array(cidr).default([]).describe("Client CIDRs allowed to reach PostgreSQL, PgBouncer and Redis."),
  allowedSecurityGroupIds: z
    .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id such as sg-0123456789abcdef0"))
    .default([])
    .describe("Client security groups allowed to reach PostgreSQL, PgBouncer and Redis."),
  engineVersion: z
    .string()
    .regex(/^16\.\d+$/, "must be a PostgreSQL 16 minor version such as 16.10")
    .default("16.10")
    .describe("Pinned RDS engine version (PostgreSQL 16 minor)."),
  maxStorageGb: z
    .number()
    .int()
    .min(20)
    .max(65536)
    .optional()
    .describe("Storage autoscaling ceiling in GiB. Default: 4 × postgres.storageGb."),
  multiAz: z.boolean().default(true).describe("Multi-AZ RDS and ElastiCache failover."),
  deletionProtection: z.boolean().default(true).describe("RDS deletion protection and a final snapshot on delete."),
  protect: z
    .boolean()
    .default(true)
    .describe(
      "Pulumi `protect` and `retainOnDelete` on resources that hold data (KMS keys, RDS, backups, ElastiCache); turn off only for throwaway AWS stacks.",
    ),
  iamDatabaseAuth: z.boolean().default(false).describe("Enable IAM database authentication on RDS."),
  monitoringIntervalSeconds: z
    .literal([0, 1, 5, 10, 15, 30, 60])
    .default(60)
    .describe("Enhanced monitoring interval; 0 disables."),
  performanceInsightsRetentionDays: z
    .literal(performanceInsightsRetentionDays as number[])
    .default(7)
    .describe(
      "Performance Insights retention in days, as RDS accepts: 7 (the free tier), 31 × months up to 713, or 731.",
    ),
  backupWindow: checkedString(windowProblem(parseBackupWindow))
    .default("03:00-04:00")
    .describe("Daily backup window (UTC), at least 30 minutes, not overlapping maintenanceWindow."),
  maintenanceWindow: checkedString(windowProblem(parseMaintenanceWindow))
    .default("sun:04:30-sun:05:30")
    .describe("Weekly maintenance window (UTC), at least 30 minutes."),
  backupReplicaRegion: region
    .optional()
    .describe("Replicate RDS automated backups (PITR) to this region, encrypted with a key there. Off when unset."),
  backupPlan: backupPlanSection,
  restoreFrom: restoreFromSection.optional(),
  readReplicas: z
    .number()
    .int()
    .min(0)
    .max(5)
    .default(0)
    .describe("RDS read replicas of the primary, in the same region."),
  pooler: z
    .enum(["pgbouncer", "rds-proxy"])
    .default("pgbouncer")
    .describe("The pooler: PgBouncer on Fargate behind an internal NLB, or RDS Proxy. Both give the pooler output."),
  poolerTasks: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(2)
    .describe("PgBouncer tasks on Fargate behind the internal NLB."),
  pgbouncerImage: z
    .string()
    .min(1)
    .default(pinnedImages.pgbouncer)
    .describe("Pinned PgBouncer image of the Fargate pooler."),
  poolerCertificateArn: z
    .string()
    .regex(/^arn:aws(-cn|-us-gov)?:acm:/, "must be an ACM certificate ARN")
    .optional()
    .describe(
      "ACM certificate for a TLS listener on the pooler's NLB; without it clients reach PgBouncer over plain TCP inside the VPC.",
    ),
  cacheEngine: z.enum(["redis", "valkey"]).default("redis").describe("ElastiCache engine."),
  cacheEngineVersion: z
    .string()
    .regex(/^\d+\.\d+$/, "must be a major.minor version such as 7.1")
    .default("7.1")
    .describe("Pinned ElastiCache engine version."),
  cacheNodes: z
    .number()
    .int()
    .min(1)
    .max(6)
    .default(2)
    .describe("ElastiCache nodes (primary + replicas); more than one turns on automatic failover and Multi-AZ."),
  cacheSnapshotRetentionDays: z
    .number()
    .int()
    .min(0)
    .max(35)
    .default(7)
    .describe("ElastiCache snapshot retention; at least 1 in production."),
  alarmEmail: z
    .string()
    .regex(/^[^@\s]+@[^@\s]+$/, "must be an e-mail address")
    .optional()
    .describe("E-mail subscribed to the alarm topic (confirm the subscription mail)."),
  adminHost: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Where the post-deploy step reaches PostgreSQL (e.g. 127.0.0.1 for an SSM port forward). Default: the RDS address.",
    ),
  adminPort: port.optional().describe("Port for adminHost. Default: the RDS port."),
  sslmode: z
    .enum(["require", "verify-full"])
    .default("require")
    .describe("TLS mode of the post-deploy connection; verify-full needs sslRootCert."),
  sslRootCert: z.string().min(1).optional().describe("Path to the RDS CA bundle, for sslmode verify-full."),
});

// Alarm levels shared with the health report and Prometheus (connections, replica lag, cache memory,
// evictions, wraparound) are in pgplat:thresholds; these are the CloudWatch-only ones.
const alarmsSection = z
  .strictObject({
    cpuPercent: z
      .number()
      .min(1)
      .max(100)
      .default(80)
      .describe("AWS alarm: RDS and ElastiCache CPU above this, for 15 minutes."),
    freeStoragePercent: z
      .number()
      .min(1)
      .max(99)
      .default(10)
      .describe("AWS alarm: RDS free storage below this share of the allocated storage."),
    freeMemoryPercent: z
      .number()
      .min(1)
      .max(99)
      .default(10)
      .describe("AWS alarm: RDS freeable memory below this share of the instance memory."),
    latencySeconds: z
      .number()
      .min(0.001)
      .max(10)
      .default(0.02)
      .describe("AWS alarm: RDS read or write latency above this."),
  })
  .prefault({});

const restoreSection = z.strictObject({
  fromStack: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a stack name (letters, digits, _ . -)")
    .describe(
      "Docker: the stack whose backups and WAL archive volumes (pgplat-<fromStack>-backups, pgplat-<fromStack>-wal-archive) this stack starts from; they are mounted read-only.",
    ),
  time: z
    .string()
    .optional()
    .describe("Recover to this moment: ISO 8601 with an offset, e.g. 2026-11-30T14:05:00+01:00. Give time or latest."),
  latest: z.boolean().optional().describe("Recover to the end of the source's WAL archive. Give time or latest."),
  backup: z
    .string()
    .regex(/^\d{8}T\d{9}Z$/, "must be a backup id such as 20261130T020000123Z")
    .optional()
    .describe("Restore this base backup instead of the newest one that ended before the target."),
});

export const stackConfigSchema = z.strictObject({
  target: z
    .enum(["docker", "aws"])
    .describe("Where the platform runs: docker (dev and ephemeral stacks) or aws (prod)."),
  size: z
    .enum(sizeProfileNames)
    .default("dev")
    .describe("Size profile: dev, small, medium or large (see config/profiles.ts)."),
  environment: z
    .enum(["production", "non-production"])
    .default("non-production")
    .describe(
      "production turns on the stricter guardrails (deletion protection, final snapshot, ≥ 7 days of backups).",
    ),
  postgres: postgresSection,
  pgbouncer: pgbouncerSection,
  redis: redisSection,
  backups: backupsSection,
  roles: rolesSection,
  migrations: migrationsSection,
  alarms: alarmsSection,
  thresholds: thresholdsSection,
  docker: dockerSection.describe("Docker target settings (used when target is docker)."),
  restore: restoreSection
    .optional()
    .describe(
      "Docker: start this stack's PostgreSQL from a point in time of another stack (its first start restores into the fresh data volume). The restored database keeps the source's roles, which get this stack's passwords.",
    ),
  aws: awsSection.optional().describe("AWS target settings; required when target is aws."),
});

export type ParsedStackConfig = z.output<typeof stackConfigSchema>;
export type Workload = (typeof workloads)[number];
export type RoleKind = (typeof roleKinds)[number];
