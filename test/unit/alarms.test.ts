import { describe, expect, it } from "vitest";
import { alarmSpecs } from "../../components/aws/alarmSpecs";
import { stackConfig } from "../support/stackConfig";

describe("alarmSpecs", () => {
  const config = stackConfig({
    size: "medium",
    alarms: { freeStoragePercent: 15 },
    thresholds: {
      connectionsPercent: { warning: 75 },
      replicationLagSeconds: { warning: 45 },
      redisMemoryPercent: { warning: 85 },
      redisEvictions: { warning: 500 },
      wraparoundPercent: { warning: 120 },
    },
  });
  const byName = Object.fromEntries(
    alarmSpecs(config, { pgbouncerTasks: 3, readReplicas: 2 }).map((spec) => [spec.name, spec]),
  );

  it("covers RDS, each replica's lag, the pooler and ElastiCache", () => {
    expect(Object.keys(byName)).toEqual([
      "rds-cpu",
      "rds-free-storage",
      "rds-freeable-memory",
      "rds-connections",
      "rds-transaction-id-age",
      "rds-read-latency",
      "rds-write-latency",
      "rds-replica-1-lag",
      "rds-replica-2-lag",
      "pooler-running-tasks",
      "pooler-unhealthy-targets",
      "cache-cpu",
      "cache-memory",
      "cache-evictions",
    ]);
    expect(byName["rds-replica-2-lag"]).toMatchObject({
      metric: "ReplicaLag",
      dimensions: { DBInstanceIdentifier: "replica2" },
      threshold: 45,
    });
    expect(byName["pooler-running-tasks"]).toMatchObject({
      namespace: "ECS/ContainerInsights",
      dimensions: { ClusterName: "poolerCluster", ServiceName: "poolerService" },
      comparison: "LessThanThreshold",
      threshold: 3,
    });
    expect(byName["pooler-unhealthy-targets"]).toMatchObject({
      namespace: "AWS/NetworkELB",
      dimensions: { LoadBalancer: "poolerLoadBalancer", TargetGroup: "poolerTargetGroup" },
      threshold: 0,
    });
  });

  it("has no PgBouncer alarms when RDS Proxy is the pooler", () => {
    expect(
      alarmSpecs(config, { readReplicas: 0 })
        .map((spec) => spec.name)
        .filter((name) => name.startsWith("pooler") || name.includes("replica")),
    ).toEqual([]);
  });

  it("turns percentages from config into the metrics' own units", () => {
    // 15 % of 200 GiB, in bytes; 10 % of 16 GiB; 75 % of 400 connections.
    expect(byName["rds-free-storage"]).toMatchObject({
      metric: "FreeStorageSpace",
      comparison: "LessThanThreshold",
      statistic: "Minimum",
      threshold: 32212254720,
      evaluationPeriods: 1,
    });
    expect(byName["rds-freeable-memory"]).toMatchObject({ threshold: 1717986918, comparison: "LessThanThreshold" });
    expect(byName["rds-connections"]).toMatchObject({
      metric: "DatabaseConnections",
      threshold: 300,
      statistic: "Maximum",
    });
    expect(byName["rds-read-latency"]).toMatchObject({
      threshold: 0.02,
      namespace: "AWS/RDS",
      dimensions: { DBInstanceIdentifier: "rdsInstance" },
    });
    expect(byName["cache-evictions"]).toMatchObject({
      namespace: "AWS/ElastiCache",
      dimensions: { ReplicationGroupId: "replicationGroup" },
      statistic: "Sum",
      threshold: 500,
    });
  });

  it("takes the levels it shares with the health report and Prometheus from pgplat:thresholds (their warning level)", () => {
    // 120 % of autovacuum_freeze_max_age (200 million) transaction IDs; 85 % cache memory.
    expect(byName["rds-transaction-id-age"]).toMatchObject({
      namespace: "AWS/RDS",
      metric: "MaximumUsedTransactionIDs",
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: 240_000_000,
    });
    expect(byName["cache-memory"]).toMatchObject({ metric: "DatabaseMemoryUsagePercentage", threshold: 85 });
    const defaults = Object.fromEntries(
      alarmSpecs(stackConfig({ size: "medium" }), { readReplicas: 1 }).map((spec) => [spec.name, spec.threshold]),
    );
    expect(defaults).toMatchObject({
      "rds-connections": 320,
      "rds-transaction-id-age": 300_000_000,
      "rds-replica-1-lag": 60,
      "cache-memory": 90,
      "cache-evictions": 1000,
    });
  });
});
