import { describe, expect, it } from "vitest";
import { awsMonthlyUsage, rdsClassVcpus, unclassifiedAwsTypes } from "../../cost/awsUsage";
import { estimateMarkdown } from "../../cost/format";
import { parsePriceBook, priceUsage, type PriceBook } from "../../cost/priceBook";
import type { BillableResource, FixedUsage } from "../../cost/usage";

const billable = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  dependsOn: string[] = [],
): BillableResource => ({ type, name, inputs, dependsOn });
const fixedLines = (resources: BillableResource[]) =>
  awsMonthlyUsage(resources, "eu-west-1").filter((line): line is FixedUsage => line.kind === "fixed");
const quantities = (resources: BillableResource[]) =>
  fixedLines(resources).map((line) => [line.resource, line.region, line.meter, line.quantity, line.unit]);

const primary = billable("aws:rds/instance:Instance", "primary", {
  engine: "postgres",
  instanceClass: "db.r7g.2xlarge",
  multiAz: true,
  storageType: "gp3",
  allocatedStorage: 300,
  maxAllocatedStorage: 900,
  performanceInsightsEnabled: true,
  performanceInsightsRetentionPeriod: 7,
  backupRetentionPeriod: 0,
});

describe("monthly usage of AWS resources, from hand-built graphs", () => {
  it.each([
    ["db.t4g.micro", 2],
    ["db.t4g.medium", 2],
    ["db.m7g.large", 2],
    ["db.m7g.xlarge", 4],
    ["db.m7g.4xlarge", 16],
    ["db.r7g.12xlarge", 48],
  ])("counts the vCPUs of %s as %i", (instanceClass, vcpus) => {
    expect(rdsClassVcpus(instanceClass)).toBe(vcpus);
  });

  it("rejects an instance size it cannot count", () => {
    expect(() => rdsClassVcpus("db.m7g.metal")).toThrow("unknown RDS instance size in db.m7g.metal");
  });

  it("bills a Multi-AZ primary and a replica, the replica's engine and storage taken from its source", () => {
    const replica = billable(
      "aws:rds/instance:Instance",
      "replica",
      {
        replicateSourceDb: "db-identifier",
        instanceClass: "db.r7g.large",
        multiAz: false,
        storageType: "gp3",
        performanceInsightsRetentionPeriod: 7,
      },
      ["primary"],
    );
    expect(quantities([primary, replica])).toEqual([
      ["primary", "eu-west-1", "rds:postgres:db.r7g.2xlarge:multi-az", 730, "instance-hour"],
      ["primary", "eu-west-1", "rds-storage:gp3:multi-az", 300, "GB-month"],
      ["replica", "eu-west-1", "rds:postgres:db.r7g.large:single-az", 730, "instance-hour"],
      ["replica", "eu-west-1", "rds-storage:gp3:single-az", 300, "GB-month"],
    ]);
  });

  it("bills Performance Insights only beyond the free 7 days, per vCPU, and the RDS-managed master secret", () => {
    const paid = {
      ...primary,
      inputs: { ...primary.inputs, performanceInsightsRetentionPeriod: 93, manageMasterUserPassword: true },
    };
    expect(quantities([paid]).slice(2)).toEqual([
      ["primary", "eu-west-1", "secrets-manager:secret", 1, "secret-month"],
      ["primary", "eu-west-1", "rds-performance-insights:93d", 8, "vCPU-month"],
    ]);
  });

  it("lists what depends on data size or traffic without a quantity", () => {
    const withBackups = {
      ...primary,
      inputs: {
        ...primary.inputs,
        backupRetentionPeriod: 14,
        monitoringInterval: 60,
        enabledCloudwatchLogsExports: ["postgresql"],
      },
    };
    expect(awsMonthlyUsage([withBackups], "eu-west-1").filter((line) => line.kind === "variable")).toEqual([
      {
        kind: "variable",
        resource: "primary",
        region: "eu-west-1",
        what: "automated backups beyond the free allowance (storage equal to the allocated size)",
        drivenBy: "database size and change rate over 14 days",
      },
      {
        kind: "variable",
        resource: "primary",
        region: "eu-west-1",
        what: "Enhanced Monitoring in CloudWatch Logs",
        drivenBy: "60s interval and process count",
      },
      {
        kind: "variable",
        resource: "primary",
        region: "eu-west-1",
        what: "PostgreSQL logs exported to CloudWatch Logs",
        drivenBy: "log volume (slow statements, connections, errors)",
      },
    ]);
  });

  it("refuses a replica whose source is not in the graph, naming it", () => {
    const orphan = billable("aws:rds/instance:Instance", "orphan", {
      replicateSourceDb: "elsewhere",
      instanceClass: "db.m7g.large",
      storageType: "gp3",
    });
    expect(() => awsMonthlyUsage([orphan], "eu-west-1")).toThrow(
      "orphan depends on no aws:rds/instance:Instance; cannot tell what it costs",
    );
  });

  it("bills RDS Proxy per vCPU of its target, ElastiCache per node, Fargate per task size and architecture", () => {
    const proxyTarget = billable("aws:rds/proxyTarget:ProxyTarget", "proxy-target", { dbInstanceIdentifier: "db" }, [
      "proxy",
      "primary",
    ]);
    const cache = billable("aws:elasticache/replicationGroup:ReplicationGroup", "cache", {
      engine: "valkey",
      nodeType: "cache.r7g.large",
      numCacheClusters: 3,
      snapshotRetentionLimit: 0,
    });
    const task = billable("aws:ecs/taskDefinition:TaskDefinition", "task", {
      cpu: "1024",
      memory: "3072",
      runtimePlatform: { cpuArchitecture: "ARM64" },
    });
    const service = billable("aws:ecs/service:Service", "service", { desiredCount: 3, launchType: "FARGATE" }, [
      "cluster",
      "task",
    ]);
    expect(quantities([primary, proxyTarget, cache, task, service]).slice(2)).toEqual([
      ["proxy-target", "eu-west-1", "rds-proxy", 8 * 730, "vCPU-hour"],
      ["cache", "eu-west-1", "elasticache:valkey:cache.r7g.large", 3 * 730, "node-hour"],
      ["service", "eu-west-1", "fargate:arm64:vcpu", 3 * 730, "vCPU-hour"],
      ["service", "eu-west-1", "fargate:arm64:memory", 3 * 3 * 730, "GB-hour"],
    ]);
    expect(fixedLines([cache])[0].what).toBe("3 × cache.r7g.large (valkey: primary and 2 replicas)");
  });

  it("bills the minimal VPC's NAT gateway and its public address, keys in the region they live in, and nothing for free resources", () => {
    const resources = [
      billable("aws:ec2/natGateway:NatGateway", "nat", {}),
      billable("aws:ec2/eip:Eip", "nat-ip", { domain: "vpc" }),
      billable("aws:kms/key:Key", "replica-key", { region: "eu-central-1" }),
      billable("aws:iam/role:Role", "role", {}),
      billable("aws:ec2/securityGroup:SecurityGroup", "sg", {}),
    ];
    expect(quantities(resources)).toEqual([
      ["nat", "eu-west-1", "nat-gateway", 730, "gateway-hour"],
      ["nat-ip", "eu-west-1", "public-ipv4", 730, "address-hour"],
      ["replica-key", "eu-central-1", "kms:key", 1, "key-month"],
    ]);
  });

  it("names AWS types that are neither priced nor known to be free, once each", () => {
    const resources = [
      billable("aws:ec2/instance:Instance", "a", {}),
      billable("aws:ec2/instance:Instance", "b", {}),
      billable("aws:iam/role:Role", "r", {}),
      billable("random:index/randomPassword:RandomPassword", "p", {}),
      primary,
    ];
    expect(unclassifiedAwsTypes(resources)).toEqual(["aws:ec2/instance:Instance"]);
  });

  it("tells standard from high-resolution alarms", () => {
    const alarms = [
      billable("aws:cloudwatch/metricAlarm:MetricAlarm", "a", { period: 300 }),
      billable("aws:cloudwatch/metricAlarm:MetricAlarm", "b", { period: 10 }),
    ];
    expect(fixedLines(alarms).map((line) => line.meter)).toEqual([
      "cloudwatch:alarm:standard",
      "cloudwatch:alarm:high-resolution",
    ]);
  });
});

const book = (region: string, prices: Record<string, number>): PriceBook => ({
  region,
  currency: "USD",
  asOf: "2026-01-31",
  source: "hand-written test prices",
  prices,
});

describe("pricing usage with price books", () => {
  const alarm = (name: string) => billable("aws:cloudwatch/metricAlarm:MetricAlarm", name, { period: 300 });
  const lines = awsMonthlyUsage(
    [
      primary,
      alarm("a1"),
      alarm("a2"),
      billable("aws:kms/key:Key", "far-key", { region: "eu-central-1" }),
      billable("aws:sns/topic:Topic", "topic", {}),
    ],
    "eu-west-1",
  );

  it("multiplies each fixed quantity by its region's price, and keeps charges that depend on use out of the total", () => {
    const estimate = priceUsage(lines, [
      book("eu-west-1", {
        "rds:postgres:db.r7g.2xlarge:multi-az": 2,
        "rds-storage:gp3:multi-az": 0.5,
        "cloudwatch:alarm:standard": 0.25,
      }),
      book("eu-central-1", { "kms:key": 3 }),
    ]);
    expect(estimate.priced.map((item) => [item.line.resource, item.monthly])).toEqual([
      ["primary", 1460],
      ["primary", 150],
      ["a1", 0.25],
      ["a2", 0.25],
      ["far-key", 3],
    ]);
    expect(estimate.total).toBe(1613.5);
    expect(estimate.unpriced).toEqual([]);
    expect(estimate.variable.map((line) => line.resource)).toEqual(["topic"]);
  });

  it("leaves a charge unpriced when its region has no book or the book lacks the meter", () => {
    const estimate = priceUsage(lines, [book("eu-west-1", { "rds:postgres:db.r7g.2xlarge:multi-az": 2 })]);
    expect(estimate.total).toBe(1460);
    expect(estimate.unpriced.map((line) => `${line.region} ${line.meter}`)).toEqual([
      "eu-west-1 rds-storage:gp3:multi-az",
      "eu-west-1 cloudwatch:alarm:standard",
      "eu-west-1 cloudwatch:alarm:standard",
      "eu-central-1 kms:key",
    ]);
  });

  it("refuses two books for one region", () => {
    expect(() => priceUsage(lines, [book("eu-west-1", {}), book("eu-west-1", {})])).toThrow(
      "two price books for eu-west-1; give one per region",
    );
  });

  it("prints one row per charge, a floor when prices are missing, and where every price comes from", () => {
    const text = estimateMarkdown(
      priceUsage(lines, [
        book("eu-west-1", {
          "cloudwatch:alarm:standard": 0.25,
          "rds:postgres:db.r7g.2xlarge:multi-az": 2,
          "rds-storage:gp3:multi-az": 0.5,
        }),
      ]),
    );
    expect(text).toContain(
      "| eu-west-1 | CloudWatch alarm, standard resolution | 2 (a1, …) | `cloudwatch:alarm:standard` | 2 alarm-month | 0.25 | 0.50 |",
    );
    expect(text).toContain(
      "| eu-central-1 | customer managed KMS key | far-key | `kms:key` | 1 key-month | no price | – |",
    );
    expect(text).toContain("**Fixed charges: at least 1610.50 USD / month**; no price for eu-central-1 `kms:key`.");
    expect(text).toContain("- eu-west-1: prices as of 2026-01-31, from hand-written test prices");
    expect(text).toContain("- topic (eu-west-1): alarm notifications; depends on notifications sent");
  });

  it("prints quantities alone without books", () => {
    const text = estimateMarkdown(priceUsage(lines, []));
    expect(text.split("\n")[0]).toBe("| Region | What | Resources | Meter | Quantity / month |");
    expect(text).not.toContain("Fixed charges");
  });

  it("rejects a price book without a date or source, naming the file and each key", () => {
    expect(() =>
      parsePriceBook(
        { region: "eu-west-1", currency: "USD", asOf: "last week", prices: { "kms:key": -1 }, note: "x" },
        "prices.json",
      ),
    ).toThrow(
      [
        "prices.json is not a price book:",
        "  asOf: must be the date the prices were read, as YYYY-MM-DD",
        "  source: Invalid input: expected string, received undefined",
        "  prices.kms:key: Too small: expected number to be >=0",
        '  (root): Unrecognized key: "note"',
      ].join("\n"),
    );
  });
});
