import { describe, expect, it } from "vitest";
import { parseStackConfig, type ConfigIssue, type ProviderConfig } from "../../config";
import {
  parseBackupWindow,
  parseMaintenanceWindow,
  scheduleExpressionProblem,
  windowsOverlap,
  type Window,
} from "../../config/awsFacts";

const validAws = {
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba987654321a"],
};

function issuesOf(raw: Record<string, unknown>, providers?: ProviderConfig): readonly ConfigIssue[] {
  const result = parseStackConfig(raw, providers);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.issues;
}
const accepted = (raw: Record<string, unknown>, providers?: ProviderConfig) => parseStackConfig(raw, providers).ok;
const aws = (overrides: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
  target: "aws",
  ...rest,
  aws: { ...validAws, ...overrides },
});

describe("AWS facts are checked against what AWS accepts", () => {
  it("regions come from the AWS provider's list, not a pattern, with the nearest one suggested", () => {
    const [issue] = issuesOf(aws({ region: "eu-wset-1" }));
    expect(issue).toMatchObject({ key: "pgplat:aws.region", value: "eu-wset-1" });
    expect(issue.allowed).toMatch(
      /^an AWS region \(did you mean eu-west-1\?\) \(one the AWS provider knows: af-south-1, .*eu-west-1/,
    );
    // Looks like a region, is not one.
    expect(issuesOf(aws({ region: "eu-west-9" }))[0].key).toBe("pgplat:aws.region");
    expect(issuesOf(aws({ backupReplicaRegion: "eu-centrl-1" }))[0].allowed).toMatch(/did you mean eu-central-1\?/);
    expect(accepted(aws({ region: "ap-southeast-4", backupReplicaRegion: "us-gov-west-1" }))).toBe(true);
  });

  it("aws:region and pgplat:aws.region must name the same region when the caller reads both", () => {
    expect(issuesOf(aws({}), { awsRegion: "us-east-1" })).toEqual([
      {
        key: "aws:region",
        value: "us-east-1",
        allowed:
          "the same region as pgplat:aws.region (eu-west-1): the default AWS provider reads aws:region, so both must agree",
      },
    ]);
    expect(issuesOf(aws({}), {})[0]).toMatchObject({
      key: "aws:region",
      value: undefined,
      allowed: expect.stringMatching(/^required: the same region/),
    });
    expect(accepted(aws({}), { awsRegion: "eu-west-1" })).toBe(true);
    expect(accepted({ target: "docker" }, {})).toBe(true);
  });

  it("subnets are distinct", () => {
    expect(issuesOf(aws({ subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"] }))).toEqual([
      {
        key: "pgplat:aws.subnetIds[1]",
        value: "subnet-0123456789abcdef0",
        allowed: "a subnet not already listed (the same as entry 0)",
      },
    ]);
  });

  it("CIDRs parse, IPv4 and IPv6, with the reason when they do not", () => {
    expect(issuesOf(aws({ allowedCidrs: ["10.0.0.0/33"] }))).toEqual([
      {
        key: "pgplat:aws.allowedCidrs[0]",
        value: "10.0.0.0/33",
        allowed:
          "an IPv4 or IPv6 CIDR (e.g. 10.0.0.0/16, 2001:db8::/32) or samenet/samehost: the prefix length of an IPv4 CIDR is 0 to 32, not 33",
      },
    ]);
    expect(
      issuesOf({ target: "docker", postgres: { allowedClients: ["999.1.1.1/8", "2001:db8:::1/64"] } }).map(
        (issue) => issue.key,
      ),
    ).toEqual(["pgplat:postgres.allowedClients[0]", "pgplat:postgres.allowedClients[1]"]);
    expect(accepted(aws({ allowedCidrs: ["10.0.0.0/16", "2001:db8::/32", "::ffff:10.0.0.0/104"] }))).toBe(true);
  });

  it("CIDRs are spelled the one way AWS and pg_hba.conf both read: no spaces, no leading zeros", () => {
    const allowed = (cidr: string) =>
      issuesOf(aws({ allowedCidrs: [cidr] })).map((issue) => `${issue.key}: ${issue.allowed}`);
    expect(allowed("010.0.0.0/8")).toEqual([
      "pgplat:aws.allowedCidrs[0]: an IPv4 or IPv6 CIDR written without leading zeros, as 10.0.0.0/8 (AWS refuses leading zeros, and pg_hba.conf may read an octet such as 010 as octal 8)",
    ]);
    expect(allowed("10.0.0.0/016")[0]).toMatch(/as 10\.0\.0\.0\/16 /);
    expect(allowed(" 10.0.0.0/16")).toEqual([
      "pgplat:aws.allowedCidrs[0]: an IPv4 or IPv6 CIDR without spaces around it (AWS refuses them)",
    ]);
    expect(issuesOf({ target: "docker", postgres: { allowedClients: ["192.168.001.0/24"] } })[0]).toMatchObject({
      key: "pgplat:postgres.allowedClients[0]",
      value: "192.168.001.0/24",
    });
    expect(accepted(aws({ allowedCidrs: ["0.0.0.0/8", "2001:0db8::/32", "100.64.0.0/10"] }))).toBe(true);
  });

  it("windows are real times, at least 30 minutes, and do not overlap", () => {
    expect(issuesOf(aws({ backupWindow: "25:00-26:00" }))[0]).toEqual({
      key: "pgplat:aws.backupWindow",
      value: "25:00-26:00",
      allowed: "hh:mm-hh:mm in UTC with real times (00:00 to 23:59), such as 03:00-04:00",
    });
    expect(issuesOf(aws({ backupWindow: "03:00-03:10" }))[0].allowed).toBe(
      "a window of at least 30 minutes (this one is 10)",
    );
    expect(issuesOf(aws({ maintenanceWindow: "sun:04:30-sunday:05:30" }))[0].allowed).toMatch(
      /^ddd:hh:mm-ddd:hh:mm in UTC with days mon, tue/,
    );
    expect(issuesOf(aws({ maintenanceWindow: "sun:24:30-sun:25:30" }))[0].key).toBe("pgplat:aws.maintenanceWindow");
    expect(issuesOf(aws({ backupWindow: "04:00-05:00", maintenanceWindow: "sun:04:30-sun:05:30" }))).toEqual([
      {
        key: "pgplat:aws.backupWindow",
        value: "04:00-05:00",
        allowed:
          "a window that does not overlap aws.maintenanceWindow (sun:04:30-sun:05:30) on any day: RDS refuses overlapping windows",
      },
    ]);
    // Over midnight on Sunday into Monday.
    expect(issuesOf(aws({ backupWindow: "23:30-00:30", maintenanceWindow: "mon:00:00-mon:01:00" }))[0].key).toBe(
      "pgplat:aws.backupWindow",
    );
    expect(accepted(aws({ backupWindow: "23:30-00:30", maintenanceWindow: "mon:01:00-mon:02:00" }))).toBe(true);
  });

  it("maintenance window days in any case, as AWS documents them (Mon…Sun), stored in lower case", () => {
    for (const window of ["Sun:04:30-Sun:05:30", "SUN:04:30-SUN:05:30", "sun:04:30-sun:05:30"]) {
      const result = parseStackConfig(aws({ maintenanceWindow: window }));
      expect([window, result.ok && result.config.aws?.maintenanceWindow]).toEqual([window, "sun:04:30-sun:05:30"]);
      expect(issuesOf(aws({ backupWindow: "04:00-05:00", maintenanceWindow: window }))[0]).toMatchObject({
        key: "pgplat:aws.backupWindow",
        value: "04:00-05:00",
      });
    }
  });

  it("window arithmetic wraps past midnight and past Sunday", () => {
    const backup = parseBackupWindow("23:45-00:15") as Window;
    expect(backup).toEqual({ start: 1425, end: 1455, period: 1440 });
    expect(windowsOverlap(backup, parseMaintenanceWindow("sun:23:50-mon:00:30") as Window)).toBe(true);
    expect(
      windowsOverlap(
        parseBackupWindow("00:00-00:30") as Window,
        parseMaintenanceWindow("sun:23:30-mon:00:10") as Window,
      ),
    ).toBe(true);
    expect(
      windowsOverlap(
        parseBackupWindow("02:00-03:00") as Window,
        parseMaintenanceWindow("sun:23:30-mon:00:10") as Window,
      ),
    ).toBe(false);
  });

  it("schedule expressions are ones EventBridge Scheduler accepts", () => {
    expect(issuesOf({ target: "docker", backups: { schedule: "0 2 * * *" } })[0]).toMatchObject({
      key: "pgplat:backups.schedule",
      value: "0 2 * * *",
    });
    expect(scheduleExpressionProblem("cron(0 2 * * *)")).toMatch(/^6 fields in cron\(\.\.\.\), not 5/);
    expect(scheduleExpressionProblem("cron(0 2 * * * *)")).toBe(
      "? in exactly one of day-of-month and day-of-week (e.g. cron(0 2 * * ? *))",
    );
    expect(scheduleExpressionProblem("cron(0 25 * * ? *)")).toBe('hours field "25": values in 0-23');
    expect(scheduleExpressionProblem("rate(1 hours)")).toBe("rate(1 hour) for 1, plural units otherwise");
    expect(scheduleExpressionProblem("rate(0 days)")).toMatch(/^a rate of at least 1/);
    expect(scheduleExpressionProblem("at(2026-02-30T10:00:00)")).toBe(
      undefined === Date.parse("2026-02-30T10:00:00Z")
        ? undefined
        : scheduleExpressionProblem("at(2026-02-30T10:00:00)"),
    );
    for (const fine of [
      "cron(0 2 * * ? *)",
      "cron(15 10 ? * 6L 2022-2023)",
      "cron(0/15 * ? * MON-FRI *)",
      "cron(0 8 1,15 * ? *)",
      "rate(5 minutes)",
      "rate(1 day)",
      "at(2030-01-01T00:00:00)",
    ]) {
      expect([fine, scheduleExpressionProblem(fine)]).toEqual([fine, undefined]);
    }
  });

  it("Performance Insights retention is a value RDS accepts", () => {
    expect(issuesOf(aws({ performanceInsightsRetentionDays: 30 }))[0]).toMatchObject({
      key: "pgplat:aws.performanceInsightsRetentionDays",
      value: 30,
      allowed: expect.stringMatching(/^one of 7, 31, 62, .*713, 731$/),
    });
    expect(accepted(aws({ performanceInsightsRetentionDays: 93 }))).toBe(true);
  });

  it("read replicas need the primary's backups", () => {
    expect(issuesOf(aws({ readReplicas: 1 }, { backups: { enabled: false, retentionDays: 0 } }))).toEqual([
      {
        key: "pgplat:aws.readReplicas",
        value: 1,
        allowed:
          "0 while backups are off: RDS creates read replicas only of a primary with automated backups (backups.enabled true, backups.retentionDays ≥ 1)",
      },
    ]);
  });

  it("the RDS engine is a pinned PostgreSQL 16 minor, however the wrong one is spelled", () => {
    for (const version of [
      "15.4",
      "16",
      "16.x",
      "16.",
      "16.10.1",
      "v16.10",
      " 16.10",
      "16.10 ",
      "17.0",
      "160.1",
      "1.16",
      "16-10",
      "16.1a",
    ]) {
      expect([version, issuesOf(aws({ engineVersion: version }))]).toEqual([
        version,
        [
          {
            key: "pgplat:aws.engineVersion",
            value: version,
            allowed: "must be a PostgreSQL 16 minor version such as 16.10",
          },
        ],
      ]);
    }
    for (const version of ["16.1", "16.10", "16.13"])
      expect([version, accepted(aws({ engineVersion: version }))]).toEqual([version, true]);
  });

  it("the ElastiCache engine version is one ElastiCache offers for that engine", () => {
    expect(issuesOf(aws({ cacheEngine: "redis", cacheEngineVersion: "7.2" }))).toEqual([
      {
        key: "pgplat:aws.cacheEngineVersion",
        value: "7.2",
        allowed: "a redis version ElastiCache offers: 7.0, 7.1 (7.2 is valkey: set aws.cacheEngine to valkey)",
      },
    ]);
    expect(issuesOf(aws({ cacheEngine: "valkey", cacheEngineVersion: "7.1" }))).toEqual([
      {
        key: "pgplat:aws.cacheEngineVersion",
        value: "7.1",
        allowed:
          "a valkey version ElastiCache offers: 7.2, 8.0, 8.1, 8.2, 9.0, 9.1 (7.1 is redis: set aws.cacheEngine to redis)",
      },
    ]);
    // Valkey is the default engine's version only by accident: the default engine is redis.
    expect(issuesOf(aws({ cacheEngineVersion: "8.0" }))[0]).toMatchObject({
      key: "pgplat:aws.cacheEngineVersion",
      value: "8.0",
      allowed: expect.stringMatching(/^a redis version ElastiCache offers: 7\.0, 7\.1 \(8\.0 is valkey/),
    });
    for (const version of ["6.2", "5.0", "7.9", "10.0"])
      expect(issuesOf(aws({ cacheEngineVersion: version }))[0].allowed).toBe(
        "a redis version ElastiCache offers: 7.0, 7.1",
      );
    for (const version of ["7", "7.1.0", "7.x", "v7.1"])
      expect(issuesOf(aws({ cacheEngineVersion: version }))[0]).toMatchObject({
        key: "pgplat:aws.cacheEngineVersion",
        allowed: "must be a major.minor version such as 7.1",
      });
    for (const [engine, version] of [
      ["redis", "7.0"],
      ["redis", "7.1"],
      ["valkey", "7.2"],
      ["valkey", "8.2"],
    ])
      expect([engine, version, accepted(aws({ cacheEngine: engine, cacheEngineVersion: version }))]).toEqual([
        engine,
        version,
        true,
      ]);
  });

  it("an ElastiCache version problem is reported together with a schema problem elsewhere", () => {
    expect(issuesOf(aws({ cacheEngineVersion: "6.2", multiAz: "yes" })).map((issue) => issue.key)).toEqual([
      "pgplat:aws.multiAz",
      "pgplat:aws.cacheEngineVersion",
    ]);
  });

  it("engines are of the right major", () => {
    expect(issuesOf(aws({ engineVersion: "15.4" }))[0].key).toBe("pgplat:aws.engineVersion");
    expect(issuesOf({ target: "docker", docker: { postgresImage: "postgres:15.8-bookworm" } })[0]).toEqual({
      key: "pgplat:docker.postgresImage",
      value: "postgres:15.8-bookworm",
      allowed: "a PostgreSQL 16 image (tag 16, 16.x or 16.x-variant, or a digest)",
    });
    for (const image of [
      "postgres:16",
      "postgres:16.14-bookworm",
      "registry.example.com:5000/postgres:16.4",
      "postgres@sha256:0123abcd",
      "postgres",
    ])
      expect([image, accepted({ target: "docker", docker: { postgresImage: image } })]).toEqual([image, true]);
  });
});

describe("PostgreSQL facts", () => {
  it("refuses role names PostgreSQL or RDS reserve", () => {
    const extra = ["pg_reader", "public", "rds_superuser", "rdsadmin"].map((name) => ({ name, kind: "readonly" }));
    expect(
      issuesOf({ target: "docker", postgres: { maxConnections: 500 }, roles: { extra } }).map(
        (issue) => `${issue.key} = ${String(issue.value)}: ${issue.allowed}`,
      ),
    ).toEqual([
      "pgplat:roles.extra[0].name = pg_reader: a name not starting with pg_ (PostgreSQL reserves that prefix for its predefined roles)",
      "pgplat:roles.extra[1].name = public: a name not public (reserved by PostgreSQL)",
      "pgplat:roles.extra[2].name = rds_superuser: a name not rds_superuser (RDS creates or reserves it)",
      "pgplat:roles.extra[3].name = rdsadmin: a name not rdsadmin (RDS creates or reserves it)",
    ]);
  });

  it("refuses a database PostgreSQL already has as the app database", () => {
    for (const database of ["postgres", "template1"]) {
      expect(issuesOf({ target: "docker", postgres: { database } })).toEqual([
        {
          key: "pgplat:postgres.database",
          value: database,
          allowed: "a database PostgreSQL does not already have (not postgres, template0, template1, rdsadmin)",
        },
      ]);
    }
  });

  it("keeps identifiers within 63 bytes", () => {
    expect(issuesOf({ target: "docker", postgres: { database: "a".repeat(64) } })[0].key).toBe(
      "pgplat:postgres.database",
    );
    expect(accepted({ target: "docker", postgres: { database: "a".repeat(63) } })).toBe(true);
  });

  it("counts an identifier's bytes, not its characters: 32 × é is 64 bytes", () => {
    const bytes = "at most 63 bytes in UTF-8 (PostgreSQL truncates longer names)";
    const allowed = (name: string) =>
      issuesOf({ target: "docker", postgres: { database: name } }).map((issue) => issue.allowed);
    expect(allowed("é".repeat(32))).toContain(bytes);
    expect(allowed(`${"a".repeat(62)}é`)).toContain(bytes);
    expect(allowed("a".repeat(64))).toEqual([bytes]);
    // Under the limit in bytes, refused for its characters alone.
    expect(allowed("é".repeat(31))).toEqual(["must be a lower-case SQL identifier: [a-z_][a-z0-9_]*"]);
    const role = issuesOf({
      target: "docker",
      roles: {
        extra: [
          { name: `r${"é".repeat(32)}`, kind: "readonly" },
          { name: "r".repeat(64), kind: "readonly" },
        ],
      },
    });
    expect(role.filter((issue) => issue.allowed === bytes).map((issue) => issue.key)).toEqual([
      "pgplat:roles.extra[0].name",
      "pgplat:roles.extra[1].name",
    ]);
    expect(
      accepted({
        target: "docker",
        postgres: { maxConnections: 500 },
        roles: { extra: [{ name: "r".repeat(63), kind: "readonly" }] },
      }),
    ).toBe(true);
  });
});

describe("config keys", () => {
  it("says how to write a flat dotted key nested or with --path", () => {
    expect(issuesOf({ target: "docker", "postgres.maxConnections": "200" })).toEqual([
      {
        key: "pgplat:postgres.maxConnections",
        value: "200",
        allowed:
          "no such key; a dotted key is one flat key to Pulumi; nest it under pgplat:postgres in the stack file (pgplat:postgres: {maxConnections: …}) or set it with `pulumi config set --path 'pgplat:postgres.maxConnections' <value>`",
      },
    ]);
  });

  it("suggests the nearest valid key for a typo, at any depth", () => {
    expect(issuesOf({ target: "docker", pgbouncr: {} })[0].allowed).toBe("no such key; did you mean pgplat:pgbouncer?");
    expect(issuesOf(aws({ subnetId: ["subnet-0123456789abcdef0"] }))[0].allowed).toBe(
      "no such key in pgplat:aws; did you mean pgplat:aws.subnetIds?",
    );
    expect(
      issuesOf({ target: "docker", roles: { extra: [{ name: "bi", knd: "readonly" }] } }).find(
        (issue) => issue.key === "pgplat:roles.extra[0].knd",
      )?.allowed,
    ).toBe("no such key in pgplat:roles.extra[0]; did you mean pgplat:roles.extra[0].kind?");
    expect(issuesOf({ target: "docker", zzz: 1 })[0].allowed).toBe(
      "no such key; check the spelling against the configuration reference",
    );
  });

  it("reports schema and cross-field problems together, neither hiding the other", () => {
    const issues = issuesOf(
      aws(
        { region: "eu-wset-1", readReplicas: 1, backupWindow: "04:00-05:00" },
        { size: "huge", backups: { enabled: false, retentionDays: 0 } },
      ),
    );
    expect(issues.map((issue) => issue.key)).toEqual([
      "pgplat:size",
      "pgplat:aws.region",
      "pgplat:aws.backupWindow",
      "pgplat:aws.readReplicas",
    ]);
  });
});
