import { describe, expect, it } from "vitest";
import {
  builtInLogins,
  formatIssues,
  loginRoles,
  maskSecretValues,
  parseStackConfig,
  sizeProfiles,
  StackConfigError,
  type ConfigIssue,
} from "../../config";
import { decodeConfigValue } from "../../config/load";

const validAws = {
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba987654321a"],
};

function issuesOf(raw: Record<string, unknown>): readonly ConfigIssue[] {
  const result = parseStackConfig(raw);
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.issues;
}

describe("parseStackConfig: defaults", () => {
  it("resolves a minimal docker config from the schema defaults and the dev profile", () => {
    const result = parseStackConfig({ target: "docker" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.size).toBe("dev");
    expect(result.config.postgres).toEqual({
      database: "app",
      maxConnections: sizeProfiles.dev.maxConnections,
      memoryMb: sizeProfiles.dev.memoryMb,
      vcpus: sizeProfiles.dev.vcpus,
      storageGb: sizeProfiles.dev.storageGb,
      storageKind: "ssd",
      workload: "web",
      reservedConnections: 10,
      slowStatementMs: 250,
      archiveTimeoutSeconds: 60,
      allowedClients: ["samenet"],
    });
    expect(result.config.redis.maxmemoryMb).toBe(sizeProfiles.dev.redisMaxmemoryMb);
    expect(result.config.docker.bindAddress).toBe("127.0.0.1");
    expect(result.config.backups).toEqual({
      enabled: true,
      retentionDays: 7,
      bucketTransitionDays: 30,
      bucketExpireDays: 365,
      noncurrentExpireDays: 30,
      schedule: "cron(0 2 * * ? *)",
      baseBackupEveryHours: 24,
      baseBackupGraceMinutes: 60,
      missedDumpMarginHours: 2,
    });
    expect(Object.isFrozen(result.config.postgres)).toBe(true);
  });

  it("takes size-derived values from the chosen profile, and explicit values over the profile", () => {
    const result = parseStackConfig({ target: "docker", size: "large", postgres: { memoryMb: 32768 } });
    expect(result.ok && result.config.postgres).toMatchObject({
      memoryMb: 32768,
      vcpus: 16,
      maxConnections: 800,
      storageGb: 1000,
    });
  });

  it("accepts the aws target with its section", () => {
    const result = parseStackConfig({ target: "aws", size: "medium", aws: validAws });
    expect(result.ok && result.config.aws).toMatchObject({
      ...validAws,
      allowedCidrs: [],
      multiAz: true,
      deletionProtection: true,
      protect: true,
      engineVersion: "16.10",
      sslmode: "require",
    });
    // The storage autoscaling ceiling defaults to 4 × the profile's storage.
    expect(result.ok && result.config.aws?.maxStorageGb).toBe(800);
  });
});

describe("parseStackConfig: every error names the key, shows the value and says what is allowed", () => {
  it.each([
    [{}, "pgplat:target", undefined, 'one of "docker", "aws"'],
    [{ target: "kubernetes" }, "pgplat:target", "kubernetes", 'one of "docker", "aws"'],
    [{ target: "docker", size: "huge" }, "pgplat:size", "huge", 'one of "dev", "small", "medium", "large"'],
    [{ target: "docker", postgres: { maxConnections: 5 } }, "pgplat:postgres.maxConnections", 5, "a number ≥ 20"],
    [
      { target: "docker", postgres: { maxConnections: 1.5 } },
      "pgplat:postgres.maxConnections",
      1.5,
      "a value of type whole number",
    ],
    [{ target: "docker", postgres: { port: 70000 } }, "pgplat:postgres.port", 70000, "a number ≤ 65535"],
    [{ target: "docker", pgbouncer: { port: 0 } }, "pgplat:pgbouncer.port", 0, "a number ≥ 1"],
    [
      { target: "docker", postgres: { memoryMb: "lots" } },
      "pgplat:postgres.memoryMb",
      "lots",
      "a value of type number",
    ],
    [{ target: "docker", postgres: { workload: "batch" } }, "pgplat:postgres.workload", "batch", '"web"'],
    [
      { target: "docker", postgres: { database: "My-DB" } },
      "pgplat:postgres.database",
      "My-DB",
      "lower-case SQL identifier",
    ],
    [
      { target: "docker", postgres: { allowedClients: ["everywhere"] } },
      "pgplat:postgres.allowedClients[0]",
      "everywhere",
      "CIDR",
    ],
    [
      { target: "docker", postgres: { allowedClients: [] } },
      "pgplat:postgres.allowedClients",
      [],
      "a list of at least 1 entries",
    ],
    [
      { target: "docker", pgbouncer: { poolMode: "statement" } },
      "pgplat:pgbouncer.poolMode",
      "statement",
      '"transaction", "session"',
    ],
    [{ target: "docker", redis: { maxmemoryPolicy: "lru" } }, "pgplat:redis.maxmemoryPolicy", "lru", '"allkeys-lru"'],
    [{ target: "docker", redis: { appPermissions: "" } }, "pgplat:redis.appPermissions", "", "length is ≥ 1"],
    [{ target: "docker", backups: { retentionDays: -1 } }, "pgplat:backups.retentionDays", -1, "a number ≥ 0"],
    [
      { target: "docker", roles: { extra: [{ name: "etl", kind: "superuser" }] } },
      "pgplat:roles.extra[0].kind",
      "superuser",
      '"readwrite", "readonly", "monitor"',
    ],
    [
      { target: "docker", docker: { bindAddress: "localhost" } },
      "pgplat:docker.bindAddress",
      "localhost",
      "IPv4 address",
    ],
    [{ target: "aws", aws: { ...validAws, region: "Europe" } }, "pgplat:aws.region", "Europe", "AWS region"],
    [{ target: "aws", aws: { ...validAws, vpcId: "vpc-1" } }, "pgplat:aws.vpcId", "vpc-1", "VPC id"],
    [
      { target: "aws", aws: { ...validAws, subnetIds: ["subnet-0123456789abcdef0"] } },
      "pgplat:aws.subnetIds",
      ["subnet-0123456789abcdef0"],
      "at least 2 entries",
    ],
  ])("%j → %s", (raw, key, value, allowed) => {
    const issues = issuesOf(raw);
    const issue = issues.find((candidate) => candidate.key === key);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.value).toEqual(value);
    expect(issue?.allowed).toContain(allowed);
  });

  it("rejects a misspelled key instead of ignoring it", () => {
    expect(issuesOf({ target: "docker", postgres: { maxConnection: 100 } })).toEqual([
      {
        key: "pgplat:postgres.maxConnection",
        value: 100,
        allowed: "no such key in pgplat:postgres; did you mean pgplat:postgres.maxConnections?",
      },
    ]);
    expect(issuesOf({ target: "docker", postgress: {} })[0].key).toBe("pgplat:postgress");
  });

  it("checks AWS settings against each other", () => {
    expect(issuesOf({ target: "aws", aws: { ...validAws, sslmode: "verify-full" } })).toEqual([
      {
        key: "pgplat:aws.sslRootCert",
        value: undefined,
        allowed: "required when aws.sslmode is verify-full: the path to the RDS CA bundle",
      },
    ]);
    expect(issuesOf({ target: "aws", backups: { retentionDays: 60 }, aws: validAws })[0]).toMatchObject({
      key: "pgplat:backups.retentionDays",
      value: 60,
    });
    expect(issuesOf({ target: "aws", aws: { ...validAws, allowedCidrs: ["10.0.0.0/8", "samenet"] } })[0]).toMatchObject(
      { key: "pgplat:aws.allowedCidrs[1]", value: "samenet" },
    );
    expect(
      issuesOf({ target: "aws", postgres: { storageGb: 100 }, aws: { ...validAws, maxStorageGb: 50 } })[0],
    ).toMatchObject({ key: "pgplat:aws.maxStorageGb", allowed: "at least postgres.storageGb (100)" });
    expect(issuesOf({ target: "aws", aws: { ...validAws, engineVersion: "15.4" } })[0]).toMatchObject({
      key: "pgplat:aws.engineVersion",
      value: "15.4",
    });
    expect(issuesOf({ target: "aws", aws: { ...validAws, monitoringIntervalSeconds: 7 } })[0]).toMatchObject({
      key: "pgplat:aws.monitoringIntervalSeconds",
      value: 7,
    });
    expect(issuesOf({ target: "aws", aws: { region: "eu-west-1", vpcId: "vpc-0123456789abcdef0" } })).toEqual([
      {
        key: "pgplat:aws.subnetIds",
        value: undefined,
        allowed: "required when aws.vpcId is given (omit both for a minimal VPC)",
      },
    ]);
    expect(parseStackConfig({ target: "aws", aws: { region: "eu-west-1" } }).ok).toBe(true);
    expect(issuesOf({ target: "aws", aws: { ...validAws, backupReplicaRegion: "eu-west-1" } })).toEqual([
      {
        key: "pgplat:aws.backupReplicaRegion",
        value: "eu-west-1",
        allowed: "a region other than aws.region (eu-west-1)",
      },
    ]);
    expect(
      issuesOf({ target: "aws", backups: { bucketTransitionDays: 90, bucketExpireDays: 60 }, aws: validAws }),
    ).toEqual([
      { key: "pgplat:backups.bucketExpireDays", value: 60, allowed: "more than backups.bucketTransitionDays (90)" },
    ]);
  });

  it("takes the AWS pooler image from the aws section, and says where a docker.pgbouncerImage on an AWS stack moved", () => {
    const parsed = parseStackConfig({
      target: "aws",
      aws: { ...validAws, pgbouncerImage: "edoburu/pgbouncer:v1.25.1-p0" },
    });
    expect(parsed.ok && parsed.config.aws?.pgbouncerImage).toBe("edoburu/pgbouncer:v1.25.1-p0");
    const defaulted = parseStackConfig({ target: "aws", aws: validAws });
    expect(defaulted.ok && defaulted.config.aws?.pgbouncerImage).toBe("edoburu/pgbouncer:v1.25.2-p0");
    expect(
      issuesOf({ target: "aws", docker: { pgbouncerImage: "edoburu/pgbouncer:v1.25.1-p0" }, aws: validAws }),
    ).toEqual([
      {
        key: "pgplat:docker.pgbouncerImage",
        value: "edoburu/pgbouncer:v1.25.1-p0",
        allowed:
          "unset on the aws target: its pooler image is pgplat:aws.pgbouncerImage (docker.pgbouncerImage applies to docker stacks only); move the value there",
      },
    ]);
  });

  it("accepts pooler certificates from every AWS partition", () => {
    for (const arn of [
      "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e",
      "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/0f1e",
      "arn:aws-cn:acm:cn-north-1:123456789012:certificate/0f1e",
    ]) {
      expect(parseStackConfig({ target: "aws", aws: { ...validAws, poolerCertificateArn: arn } }).ok).toBe(true);
    }
    expect(
      issuesOf({
        target: "aws",
        aws: { ...validAws, poolerCertificateArn: "arn:aws:iam::123456789012:server-certificate/x" },
      })[0],
    ).toMatchObject({ key: "pgplat:aws.poolerCertificateArn" });
  });

  it("requires the aws section when the target is aws", () => {
    expect(issuesOf({ target: "aws" })).toEqual([
      {
        key: "pgplat:aws",
        value: undefined,
        allowed: "required when target is aws: an object with region, vpcId and subnetIds",
      },
    ]);
  });

  it("rejects pools that do not fit in max_connections, naming both numbers", () => {
    const issues = issuesOf({
      target: "docker",
      postgres: { maxConnections: 60 },
      pgbouncer: { defaultPoolSize: 20, reservePoolSize: 5 },
    });
    expect(issues).toHaveLength(1);
    expect(issues[0].key).toBe("pgplat:postgres.maxConnections");
    expect(issues[0].value).toBe(60);
    // 3 pooled logins × 25 = 75 server connections + 10 reserved + 3 superuser = 88.
    expect(issues[0].allowed).toContain("at least 88");
    expect(issues[0].allowed).toContain("= 75 server connections");
    expect(issues[0].allowed).toContain("postgres.maxConnections is 60");
  });

  it("counts extra pooled logins in the pool budget", () => {
    const extra = [{ name: "etl", kind: "readwrite" }];
    expect(parseStackConfig({ target: "docker", postgres: { maxConnections: 88 } }).ok).toBe(true);
    expect(issuesOf({ target: "docker", postgres: { maxConnections: 88 }, roles: { extra } })[0].allowed).toContain(
      "at least 113",
    );
  });

  it("requires at least one day of retention when backups are on, and allows 0 when they are off", () => {
    expect(issuesOf({ target: "docker", backups: { enabled: true, retentionDays: 0 } })).toEqual([
      { key: "pgplat:backups.retentionDays", value: 0, allowed: "at least 1 when backups.enabled is true" },
    ]);
    expect(parseStackConfig({ target: "docker", backups: { enabled: false, retentionDays: 0 } }).ok).toBe(true);
  });

  it("accepts a restore from another stack to a time with an offset or to the latest point", () => {
    expect(
      parseStackConfig({ target: "docker", restore: { fromStack: "dev", time: "2026-11-30T14:05:00+01:00" } }),
    ).toMatchObject({ ok: true, config: { restore: { fromStack: "dev", time: "2026-11-30T14:05:00+01:00" } } });
    expect(
      parseStackConfig({
        target: "docker",
        restore: { fromStack: "dev", latest: true, backup: "20261130T020000123Z" },
      }),
    ).toMatchObject({ ok: true });
  });

  it("rejects a restore without exactly one target, with a time PostgreSQL cannot take, or on AWS", () => {
    expect(issuesOf({ target: "docker", restore: { fromStack: "dev" } })).toEqual([
      {
        key: "pgplat:restore.time",
        value: undefined,
        allowed: "exactly one of restore.time (ISO 8601 with an offset) and restore.latest: true",
      },
    ]);
    expect(
      issuesOf({ target: "docker", restore: { fromStack: "dev", time: "2026-11-30T14:05:00+01:00", latest: true } })[0],
    ).toMatchObject({ key: "pgplat:restore.time" });
    for (const time of ["2026-11-30T14:05:00", "2026-11-30 14:05 CET", "yesterday 14:05"]) {
      expect(issuesOf({ target: "docker", restore: { fromStack: "dev", time } })).toEqual([
        {
          key: "pgplat:restore.time",
          value: time,
          allowed: expect.stringMatching(/^an ISO 8601 time with a numeric offset or Z/),
        },
      ]);
    }
    expect(
      issuesOf({ target: "docker", restore: { fromStack: "dev", latest: true, backup: "last-night" } })[0],
    ).toMatchObject({ key: "pgplat:restore.backup", value: "last-night" });
    expect(issuesOf({ target: "docker", restore: { fromStack: "../etc", latest: true } })[0]).toMatchObject({
      key: "pgplat:restore.fromStack",
      value: "../etc",
    });
  });

  it("rejects two services on one host port", () => {
    expect(issuesOf({ target: "docker", postgres: { port: 15432 }, redis: { port: 15432 } })).toEqual([
      { key: "pgplat:redis.port", value: 15432, allowed: "a port different from pgplat:postgres.port" },
    ]);
  });

  it("rejects extra roles that reuse a built-in or another extra role's name", () => {
    const issues = issuesOf({
      target: "docker",
      postgres: { maxConnections: 500 },
      roles: {
        extra: [
          { name: "app_user", kind: "readonly" },
          { name: "etl", kind: "readwrite" },
          { name: "etl", kind: "readonly" },
        ],
      },
    });
    expect(issues.map((issue) => [issue.key, issue.value])).toEqual([
      ["pgplat:roles.extra[0].name", "app_user"],
      ["pgplat:roles.extra[2].name", "etl"],
    ]);
  });

  it("reports every problem at once", () => {
    const issues = issuesOf({
      target: "docker",
      size: "huge",
      postgres: { port: 0, workload: "batch" },
      redis: { maxmemoryPolicy: "lru" },
    });
    expect(issues.map((issue) => issue.key).sort()).toEqual([
      "pgplat:postgres.port",
      "pgplat:postgres.workload",
      "pgplat:redis.maxmemoryPolicy",
      "pgplat:size",
    ]);
  });
});

describe("formatting config errors", () => {
  it("lists every issue with key, value and what is allowed", () => {
    const error = new StackConfigError([
      { key: "pgplat:size", value: "huge", allowed: 'one of "dev", "small"' },
      { key: "pgplat:aws", value: undefined, allowed: "required when target is aws" },
    ]);
    expect(error.message).toBe(
      'Invalid stack config (2 problems); nothing was created:\n  - pgplat:size = "huge": one of "dev", "small"\n  - pgplat:aws = (not set): required when target is aws',
    );
  });

  it("never prints the value of a secret key", () => {
    const issues = maskSecretValues(
      [{ key: "pgplat:aws.region", value: "hunter2-secret", allowed: "an AWS region" }],
      new Set(["pgplat:aws"]),
    );
    expect(formatIssues(issues)).not.toContain("hunter2");
    expect(formatIssues(issues)).toContain("pgplat:aws.region = [secret]");
  });
});

describe("decodeConfigValue", () => {
  it("parses structured values and leaves scalars as text", () => {
    expect(decodeConfigValue('{"port":5432}')).toEqual({ port: 5432 });
    expect(decodeConfigValue("[1,2]")).toEqual([1, 2]);
    expect(decodeConfigValue("docker")).toBe("docker");
    expect(decodeConfigValue("5432")).toBe("5432");
    expect(decodeConfigValue("{not json")).toBe("{not json");
  });
});

describe("loginRoles", () => {
  it("puts each extra login in the group of its kind, pooled, after the built-in logins", () => {
    const logins = loginRoles([
      { name: "etl", kind: "readwrite" },
      { name: "bi", kind: "readonly" },
      { name: "grafana", kind: "monitor" },
    ]);
    expect(logins.slice(builtInLogins.length)).toEqual([
      { name: "etl", memberOf: ["app_readwrite"], pooled: true },
      { name: "bi", memberOf: ["app_readonly"], pooled: true },
      { name: "grafana", memberOf: ["app_monitor"], pooled: true },
    ]);
    expect(logins.slice(0, builtInLogins.length)).toEqual(builtInLogins);
  });
});
