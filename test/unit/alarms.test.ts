import { describe, expect, it } from "vitest";
import { alarmSpecs } from "../../render/alarms";
import { stackConfig } from "../support/stackConfig";

describe("alarmSpecs", () => {
  const config = stackConfig({ size: "medium", alarms: { freeStoragePercent: 15, connectionsPercent: 75 } });
  const byName = Object.fromEntries(alarmSpecs(config).map((spec) => [spec.name, spec]));

  it("covers RDS CPU, storage, memory, connections, latency and ElastiCache CPU, memory and evictions", () => {
    expect(Object.keys(byName)).toEqual(["rds-cpu", "rds-free-storage", "rds-freeable-memory", "rds-connections", "rds-read-latency", "rds-write-latency", "cache-cpu", "cache-memory", "cache-evictions"]);
  });

  it("turns percentages from config into the metrics' own units", () => {
    // 15 % of 200 GiB, in bytes; 10 % of 16 GiB; 75 % of 400 connections.
    expect(byName["rds-free-storage"]).toMatchObject({ metric: "FreeStorageSpace", comparison: "LessThanThreshold", statistic: "Minimum", threshold: 32212254720, evaluationPeriods: 1 });
    expect(byName["rds-freeable-memory"]).toMatchObject({ threshold: 1717986918, comparison: "LessThanThreshold" });
    expect(byName["rds-connections"]).toMatchObject({ metric: "DatabaseConnections", threshold: 300, statistic: "Maximum" });
    expect(byName["rds-read-latency"]).toMatchObject({ threshold: 0.02, namespace: "AWS/RDS", dimension: "DBInstanceIdentifier" });
    expect(byName["cache-evictions"]).toMatchObject({ namespace: "AWS/ElastiCache", dimension: "ReplicationGroupId", statistic: "Sum", threshold: 1000 });
  });
});
