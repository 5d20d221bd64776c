import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedGraph, SecretValue } from "../../recording/recorder";
import { recordStack, resource } from "../support/graph";

/** The branches of the AWS target no other fixture reaches, each asserted on the exact inputs it changes. */
let options: RecordedGraph;
let lean: RecordedGraph;
beforeAll(() => {
  ({ graph: options } = recordStack(
    path.join(__dirname, "..", "fixtures", "Pulumi.prod-options.yaml"),
    "prod-options",
  ));
  ({ graph: lean } = recordStack(path.join(__dirname, "..", "fixtures", "Pulumi.aws-lean.yaml"), "aws-lean"));
});

const named = (graph: RecordedGraph, fragment: string) =>
  graph.resources.filter((candidate) => candidate.name.includes(fragment)).map((candidate) => candidate.name);
const typed = (graph: RecordedGraph, type: string) =>
  graph.resources.filter((candidate) => candidate.type === type).map((candidate) => candidate.name);

describe("AWS target: enhanced monitoring off (aws.monitoringIntervalSeconds 0)", () => {
  it("creates no monitoring role, and the instance neither names one nor waits for one", () => {
    expect(named(options, "rds-monitoring")).toEqual([]);
    const instance = resource(options, "pgplat-aws-rds-instance");
    expect(instance.inputs.monitoringInterval).toBe(0);
    expect(instance.inputs).not.toHaveProperty("monitoringRoleArn");
    expect(instance.dependsOn).not.toContain("pgplat-aws-rds-monitoring-policy");
  });

  it("when on (the default), attaches the managed policy in the provider's partition", () => {
    expect(resource(lean, "pgplat-aws-rds-instance").inputs).toMatchObject({
      monitoringInterval: 60,
      monitoringRoleArn: "arn:aws:iam::000000000000:pgplat-aws-rds-monitoring-role",
    });
    expect(resource(lean, "pgplat-aws-rds-monitoring-policy").inputs).toEqual({
      role: "pgplat-aws-lean-rds-monitoring-6ea6e437",
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    });
    expect(JSON.parse(resource(lean, "pgplat-aws-rds-monitoring-role").inputs.assumeRolePolicy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
  });
});

describe("AWS target: Object Lock on the backup bucket (backups.objectLockDays)", () => {
  it("creates the bucket with Object Lock and a 30-day governance-mode default retention, after versioning", () => {
    expect(resource(options, "pgplat-aws-backup-bucket-bucket").inputs).toMatchObject({ objectLockEnabled: true });
    const lock = resource(options, "pgplat-aws-backup-bucket-object-lock");
    expect(lock.inputs).toEqual({
      bucket: "pgplat-aws-backup-bucket-bucket-id",
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: "GOVERNANCE", days: 30 } },
    });
    expect(lock.dependsOn).toContain("pgplat-aws-backup-bucket-versioning");
  });
});

describe("AWS target: a certificate on the pooler (aws.poolerCertificateArn)", () => {
  it("puts a TLS 1.2+ listener with that certificate in front of PgBouncer", () => {
    expect(resource(options, "pgplat-aws-pooler-listener").inputs).toMatchObject({
      port: 6432,
      protocol: "TLS",
      certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
    expect(resource(lean, "pgplat-aws-pooler-listener").inputs).toMatchObject({ port: 6432, protocol: "TCP" });
    expect(resource(lean, "pgplat-aws-pooler-listener").inputs).not.toHaveProperty("certificateArn");
  });

  it("makes pooled logins' URIs require TLS (plain without a certificate)", () => {
    const withCertificate = (options.outputs.connectionUris as SecretValue).value as Record<string, string>;
    expect(new URL(withCertificate.app_user).searchParams.get("sslmode")).toBe("require");
    expect(new URL(withCertificate.app_user).host).toBe(
      "pgplat-prod-options-pooler-0123456789.elb.eu-west-1.amazonaws.com:6432",
    );
    const plain = (lean.outputs.connectionUris as SecretValue).value as Record<string, string>;
    expect(new URL(plain.app_user).searchParams.get("sslmode")).toBe("disable");
    // The migrator goes straight to RDS, always over TLS.
    expect(new URL(plain.app_migrator).searchParams.get("sslmode")).toBe("require");
  });
});

describe("AWS target: pgplat's backups off (backups.enabled false)", () => {
  it("creates no bucket, dump task, image or backup alerts, and admits no backup task to PostgreSQL", () => {
    for (const type of [
      "pgplat:aws:BackupBucket",
      "pgplat:aws:BackupTask",
      "pgplat:aws:BackupImage",
      "pgplat:aws:BackupAlerts",
    ])
      expect(typed(lean, type)).toEqual([]);
    expect(typed(lean, "aws:s3/bucket:Bucket")).toEqual([]);
    expect(named(lean, "from-backup-task")).toEqual([]);
  });

  it("keeps RDS's own automated backups at the default retention of 7 days", () => {
    expect(resource(lean, "pgplat-aws-rds-instance").inputs).toMatchObject({
      backupRetentionPeriod: 7,
      skipFinalSnapshot: false,
    });
  });
});

describe("AWS target: migrations off (migrations.enabled false)", () => {
  it("creates the roles and the database but no migrations resource", () => {
    expect(typed(lean, "pulumi-nodejs:dynamic/pgplat:Migrations")).toEqual([]);
    expect(typed(options, "pulumi-nodejs:dynamic/pgplat:Migrations")).toEqual(["pgplat-aws-database-migrations"]);
    expect(resource(lean, "pgplat-aws-database-roles-app_user").inputs).toMatchObject({
      name: "app_user",
      login: true,
      roles: ["app_readwrite"],
    });
  });
});
