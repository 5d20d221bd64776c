import type { StackConfig } from "../../config";

/** What an alarm watches; the component maps each to the identifiers CloudWatch needs. */
export type AlarmSubject =
  | "rdsInstance"
  | "replicationGroup"
  | "poolerCluster"
  | "poolerService"
  | "poolerLoadBalancer"
  | "poolerTargetGroup"
  | `replica${number}`;

/** One CloudWatch alarm, as data: `components/aws/alarms.ts` turns each into a MetricAlarm. */
export interface AlarmSpec {
  readonly name: string;
  readonly description: string;
  readonly namespace: "AWS/RDS" | "AWS/ElastiCache" | "ECS/ContainerInsights" | "AWS/NetworkELB";
  readonly metric: string;
  /** CloudWatch dimension name → the subject whose identifier it takes. */
  readonly dimensions: Readonly<Record<string, AlarmSubject>>;
  readonly statistic: "Average" | "Maximum" | "Minimum" | "Sum";
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

const gib = 1024 ** 3;
/** pgplat leaves autovacuum_freeze_max_age at PostgreSQL's (and RDS's) default. */
export const autovacuumFreezeMaxAge = 200_000_000;
const mib = 1024 ** 2;
type Base = Omit<AlarmSpec, "namespace" | "dimensions" | "periodSeconds" | "evaluationPeriods"> &
  Partial<Pick<AlarmSpec, "evaluationPeriods" | "periodSeconds">>;

const rds = (spec: Base, instance: AlarmSubject = "rdsInstance"): AlarmSpec => ({
  namespace: "AWS/RDS",
  dimensions: { DBInstanceIdentifier: instance },
  periodSeconds: 300,
  evaluationPeriods: 3,
  ...spec,
});
const cache = (spec: Base): AlarmSpec => ({
  namespace: "AWS/ElastiCache",
  dimensions: { ReplicationGroupId: "replicationGroup" },
  periodSeconds: 300,
  evaluationPeriods: 3,
  ...spec,
});

/**
 * The alarms for RDS, its replicas, the pooler and the cache, with thresholds
 * from config turned into metric units. Where the health report has the same
 * signal, the alarm fires at its warning level (`pgplat:thresholds`), so an
 * alarm is raised whenever the report would stop saying healthy.
 */
export function alarmSpecs(
  config: StackConfig,
  targets: { readonly pgbouncerTasks?: number; readonly readReplicas: number },
): readonly AlarmSpec[] {
  const { pgbouncerTasks, readReplicas } = targets;
  const alarms = config.alarms;
  const levels = config.thresholds;
  return [
    rds({
      name: "rds-cpu",
      description: `RDS CPU above ${alarms.cpuPercent}%`,
      metric: "CPUUtilization",
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: alarms.cpuPercent,
    }),
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
      description: `RDS connections above ${levels.connectionsPercent.warning}% of max_connections (${config.postgres.maxConnections})`,
      metric: "DatabaseConnections",
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: Math.floor((config.postgres.maxConnections * levels.connectionsPercent.warning) / 100),
    }),
    rds({
      name: "rds-transaction-id-age",
      description: `RDS oldest unfrozen transaction ID above ${levels.wraparoundPercent.warning}% of autovacuum_freeze_max_age (${autovacuumFreezeMaxAge})`,
      metric: "MaximumUsedTransactionIDs",
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: Math.floor((autovacuumFreezeMaxAge * levels.wraparoundPercent.warning) / 100),
    }),
    rds({
      name: "rds-read-latency",
      description: `RDS read latency above ${alarms.latencySeconds}s`,
      metric: "ReadLatency",
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: alarms.latencySeconds,
    }),
    rds({
      name: "rds-write-latency",
      description: `RDS write latency above ${alarms.latencySeconds}s`,
      metric: "WriteLatency",
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: alarms.latencySeconds,
    }),
    ...Array.from({ length: readReplicas }, (_, index) =>
      rds(
        {
          name: `rds-replica-${index + 1}-lag`,
          description: `Read replica ${index + 1} lags more than ${levels.replicationLagSeconds.warning}s`,
          metric: "ReplicaLag",
          statistic: "Maximum",
          comparison: "GreaterThanThreshold",
          threshold: levels.replicationLagSeconds.warning,
        },
        `replica${index + 1}`,
      ),
    ),
    ...(pgbouncerTasks === undefined ? [] : pgbouncerAlarms(pgbouncerTasks)),
    cache({
      name: "cache-cpu",
      description: `ElastiCache engine CPU above ${alarms.cpuPercent}%`,
      metric: "EngineCPUUtilization",
      statistic: "Average",
      comparison: "GreaterThanThreshold",
      threshold: alarms.cpuPercent,
    }),
    cache({
      name: "cache-memory",
      description: `ElastiCache memory above ${levels.redisMemoryPercent.warning}%`,
      metric: "DatabaseMemoryUsagePercentage",
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: levels.redisMemoryPercent.warning,
    }),
    cache({
      name: "cache-evictions",
      description: `ElastiCache evictions above ${levels.redisEvictions.warning} per 5 minutes`,
      metric: "Evictions",
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: levels.redisEvictions.warning,
    }),
  ];
}

/** PgBouncer on Fargate: fewer tasks running than desired, or tasks failing the NLB health check. */
function pgbouncerAlarms(tasks: number): AlarmSpec[] {
  return [
    {
      name: "pooler-running-tasks",
      description: `Fewer than ${tasks} PgBouncer tasks running`,
      namespace: "ECS/ContainerInsights",
      metric: "RunningTaskCount",
      dimensions: { ClusterName: "poolerCluster", ServiceName: "poolerService" },
      statistic: "Minimum",
      comparison: "LessThanThreshold",
      threshold: tasks,
      periodSeconds: 60,
      evaluationPeriods: 5,
    },
    {
      name: "pooler-unhealthy-targets",
      description: "PgBouncer tasks failing the NLB health check",
      namespace: "AWS/NetworkELB",
      metric: "UnHealthyHostCount",
      dimensions: { LoadBalancer: "poolerLoadBalancer", TargetGroup: "poolerTargetGroup" },
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      periodSeconds: 60,
      evaluationPeriods: 3,
    },
  ];
}
