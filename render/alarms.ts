import type { StackConfig } from "../config";

/** One CloudWatch alarm, as data: `components/aws/alarms.ts` turns each into a MetricAlarm. */
export interface AlarmSpec {
  readonly name: string;
  readonly description: string;
  readonly namespace: "AWS/RDS" | "AWS/ElastiCache";
  readonly metric: string;
  readonly dimension: "DBInstanceIdentifier" | "ReplicationGroupId";
  readonly statistic: "Average" | "Maximum" | "Minimum" | "Sum";
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

const gib = 1024 ** 3;
const mib = 1024 ** 2;

/** The alarms for the RDS instance and the cache, with thresholds from config turned into metric units. */
export function alarmSpecs(config: StackConfig): readonly AlarmSpec[] {
  const alarms = config.alarms;
  const rds = (spec: Omit<AlarmSpec, "namespace" | "dimension" | "periodSeconds" | "evaluationPeriods"> & Partial<Pick<AlarmSpec, "evaluationPeriods">>): AlarmSpec => ({
    namespace: "AWS/RDS",
    dimension: "DBInstanceIdentifier",
    periodSeconds: 300,
    evaluationPeriods: 3,
    ...spec,
  });
  const cache = (spec: Omit<AlarmSpec, "namespace" | "dimension" | "periodSeconds" | "evaluationPeriods">): AlarmSpec => ({ namespace: "AWS/ElastiCache", dimension: "ReplicationGroupId", periodSeconds: 300, evaluationPeriods: 3, ...spec });
  return [
    rds({ name: "rds-cpu", description: `RDS CPU above ${alarms.cpuPercent}%`, metric: "CPUUtilization", statistic: "Average", comparison: "GreaterThanThreshold", threshold: alarms.cpuPercent }),
    rds({
      name: "rds-free-storage",
      description: `RDS free storage below ${alarms.freeStoragePercent}% of ${config.postgres.storageGb} GiB`,
      metric: "FreeStorageSpace",
      statistic: "Minimum",
      comparison: "LessThanThreshold",
      threshold: Math.round((config.postgres.storageGb * gib * alarms.freeStoragePercent) / 100),
      evaluationPeriods: 1,
    }),
    rds({
      name: "rds-freeable-memory",
      description: `RDS freeable memory below ${alarms.freeMemoryPercent}% of ${config.postgres.memoryMb} MiB`,
      metric: "FreeableMemory",
      statistic: "Minimum",
      comparison: "LessThanThreshold",
      threshold: Math.round((config.postgres.memoryMb * mib * alarms.freeMemoryPercent) / 100),
    }),
    rds({
      name: "rds-connections",
      description: `RDS connections above ${alarms.connectionsPercent}% of max_connections (${config.postgres.maxConnections})`,
      metric: "DatabaseConnections",
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: Math.floor((config.postgres.maxConnections * alarms.connectionsPercent) / 100),
    }),
    rds({ name: "rds-read-latency", description: `RDS read latency above ${alarms.latencySeconds}s`, metric: "ReadLatency", statistic: "Average", comparison: "GreaterThanThreshold", threshold: alarms.latencySeconds }),
    rds({ name: "rds-write-latency", description: `RDS write latency above ${alarms.latencySeconds}s`, metric: "WriteLatency", statistic: "Average", comparison: "GreaterThanThreshold", threshold: alarms.latencySeconds }),
    cache({ name: "cache-cpu", description: `ElastiCache engine CPU above ${alarms.cpuPercent}%`, metric: "EngineCPUUtilization", statistic: "Average", comparison: "GreaterThanThreshold", threshold: alarms.cpuPercent }),
    cache({ name: "cache-memory", description: `ElastiCache memory above ${alarms.cacheMemoryPercent}%`, metric: "DatabaseMemoryUsagePercentage", statistic: "Maximum", comparison: "GreaterThanThreshold", threshold: alarms.cacheMemoryPercent }),
    cache({ name: "cache-evictions", description: `ElastiCache evictions above ${alarms.cacheEvictions} per 5 minutes`, metric: "Evictions", statistic: "Sum", comparison: "GreaterThanThreshold", threshold: alarms.cacheEvictions }),
  ];
}
