import { stringify } from "yaml";
import { thresholdDefinitions, type ThresholdName, type Thresholds } from "../config/thresholds";

/**
 * Prometheus alert rules from the same thresholds as the health report and
 * the CloudWatch alarms. Each threshold gives a Warning and (when it has a
 * critical level) a Critical alert on the metric that carries the same value:
 * the custom `pgplat_*` queries of postgres_exporter (render/exporterQueries.ts),
 * prometheus-community's pgbouncer_exporter and oliver006's redis_exporter.
 */
export interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: "warning" | "critical";
  readonly summary: string;
  /** The metric that drives the alert and how to make it fire, for `promtool test rules`. */
  readonly probe: {
    readonly metric: string;
    readonly firing: number;
    readonly quiet: number;
    readonly kind: "gauge" | "counter";
  };
}

/** A signal: a threshold and the PromQL expression that yields the same value as the health check. */
interface Signal {
  readonly name: string;
  readonly threshold: ThresholdName;
  /** Metric whose value is compared; gauges directly, counters as `increase(…[5m])`. */
  readonly metric: string;
  readonly kind: "gauge" | "counter";
  readonly summary: string;
}

const signals: readonly Signal[] = [
  {
    name: "PostgresConnections",
    threshold: "connectionsPercent",
    metric: "pgplat_connections_percent",
    kind: "gauge",
    summary: "PostgreSQL connections in use, % of max_connections",
  },
  {
    name: "PostgresLongQuery",
    threshold: "longQuerySeconds",
    metric: "pgplat_longest_query_seconds",
    kind: "gauge",
    summary: "a statement has been running for seconds",
  },
  {
    name: "PostgresIdleInTransaction",
    threshold: "idleInTransactionSeconds",
    metric: "pgplat_idle_in_transaction_seconds",
    kind: "gauge",
    summary: "a session has been idle in a transaction for seconds",
  },
  {
    name: "PostgresLockWait",
    threshold: "lockWaitSeconds",
    metric: "pgplat_lock_wait_seconds",
    kind: "gauge",
    summary: "a session has waited on a lock for seconds",
  },
  {
    name: "PostgresWraparound",
    threshold: "wraparoundPercent",
    metric: "pgplat_wraparound_percent",
    kind: "gauge",
    summary: "transaction ID age, % of autovacuum_freeze_max_age",
  },
  {
    name: "PostgresReplicationLag",
    threshold: "replicationLagSeconds",
    metric: "pgplat_replication_lag_seconds",
    kind: "gauge",
    summary: "replica replay lag in seconds",
  },
  {
    name: "PostgresInactiveSlotWal",
    threshold: "inactiveSlotWalMb",
    metric: "pgplat_inactive_slot_wal_mb",
    kind: "gauge",
    summary: "WAL held by inactive replication slots, MiB",
  },
  {
    name: "PostgresArchiveLag",
    threshold: "archiveLagSeconds",
    metric: "pgplat_archive_lag_seconds",
    kind: "gauge",
    summary: "WAL waits to be archived; seconds since the last archived segment",
  },
  {
    name: "PostgresCacheHit",
    threshold: "cacheHitPercent",
    metric: "pgplat_cache_hit_percent",
    kind: "gauge",
    summary: "share of block reads from shared buffers, %",
  },
  {
    name: "PostgresInvalidIndexes",
    threshold: "invalidIndexes",
    metric: "pgplat_invalid_indexes",
    kind: "gauge",
    summary: "invalid indexes",
  },
  {
    name: "PostgresSequence",
    threshold: "sequencePercent",
    metric: "pgplat_sequence_percent",
    kind: "gauge",
    summary: "most used sequence, % of its range",
  },
  {
    name: "PostgresBaseBackupAge",
    threshold: "backupAgeHours",
    metric: "pgplat_base_backup_age_hours",
    kind: "gauge",
    summary: "hours since the newest recorded base backup (+Inf: none recorded)",
  },
  {
    name: "PostgresDeadTuples",
    threshold: "deadTuplePercent",
    metric: "pgplat_dead_tuple_percent",
    kind: "gauge",
    summary: "dead tuples in the worst table, %",
  },
  {
    name: "PgbouncerClientsWaiting",
    threshold: "pgbouncerClientsWaiting",
    metric: "pgbouncer_pools_client_waiting_connections",
    kind: "gauge",
    summary: "PgBouncer clients waiting for a server connection",
  },
  {
    name: "PgbouncerMaxWait",
    threshold: "pgbouncerMaxWaitSeconds",
    metric: "pgbouncer_pools_client_maxwait_seconds",
    kind: "gauge",
    summary: "longest PgBouncer client wait, seconds",
  },
  {
    name: "RedisMemory",
    threshold: "redisMemoryPercent",
    metric: "redis_memory_used_bytes",
    kind: "gauge",
    summary: "Redis memory, % of maxmemory",
  },
  {
    name: "RedisEvictions",
    threshold: "redisEvictions",
    metric: "redis_evicted_keys_total",
    kind: "counter",
    summary: "Redis keys evicted per 5 minutes",
  },
  {
    name: "RedisRejectedConnections",
    threshold: "redisRejectedConnections",
    metric: "redis_rejected_connections_total",
    kind: "counter",
    summary: "Redis connections rejected per 5 minutes",
  },
];

/** Summed over pools (the health check adds the pools up too); Redis memory is a ratio of two series. */
function valueExpression(signal: Signal): string {
  if (signal.metric === "redis_memory_used_bytes")
    return "100 * redis_memory_used_bytes / (redis_memory_max_bytes > 0)";
  if (signal.metric === "pgbouncer_pools_client_waiting_connections")
    return "sum by (instance) (pgbouncer_pools_client_waiting_connections)";
  if (signal.metric === "pgbouncer_pools_client_maxwait_seconds")
    return "max by (instance) (pgbouncer_pools_client_maxwait_seconds)";
  return signal.kind === "counter" ? `increase(${signal.metric}[5m])` : signal.metric;
}

/** Value that passes `level` for the probe: a bit beyond it in the threshold's direction. */
function beyond(threshold: ThresholdName, level: number): number {
  return thresholdDefinitions[threshold].direction === "above" ? level + 1 : level - 1;
}

export function alertSpecs(thresholds: Thresholds): readonly AlertSpec[] {
  const down = (alert: string, metric: string, what: string): AlertSpec => ({
    alert,
    expr: `${metric} == 0`,
    for: "1m",
    severity: "critical",
    summary: `${what} cannot be scraped: the exporter cannot log in or the server is down`,
    probe: { metric, firing: 0, quiet: 1, kind: "gauge" },
  });
  return [
    down("PostgresDown", "pg_up", "PostgreSQL"),
    down("PgbouncerDown", "pgbouncer_up", "PgBouncer"),
    down("RedisDown", "redis_up", "Redis"),
    {
      alert: "PostgresArchiveFailing",
      expr: "pgplat_archive_failing == 1",
      for: "0m",
      severity: "critical",
      summary: "archive_command is failing: point-in-time recovery stops at the last archived segment",
      probe: { metric: "pgplat_archive_failing", firing: 1, quiet: 0, kind: "gauge" },
    },
    ...signals.flatMap((signal) => {
      const levels = thresholds[signal.threshold];
      const definition = thresholdDefinitions[signal.threshold];
      const comparison = definition.direction === "above" ? ">" : "<";
      const quiet = definition.direction === "above" ? 0 : 100;
      const alert = (severity: "warning" | "critical", level: number): AlertSpec => ({
        alert: `${signal.name}${severity === "warning" ? "Warning" : "Critical"}`,
        expr: `${valueExpression(signal)} ${comparison} ${level}`,
        for: "2m",
        severity,
        summary: `${signal.summary} ${comparison} ${level} (pgplat:thresholds.${signal.threshold}.${severity})`,
        probe: { metric: signal.metric, firing: beyond(signal.threshold, level), quiet, kind: signal.kind },
      });
      return [
        alert("warning", levels.warning),
        ...(levels.critical === undefined ? [] : [alert("critical", levels.critical)]),
      ];
    }),
  ];
}

/** The rules file Prometheus loads (`rule_files`). */
export function renderAlertRules(thresholds: Thresholds): string {
  const rules = alertSpecs(thresholds).map((spec) => ({
    alert: spec.alert,
    expr: spec.expr,
    for: spec.for,
    labels: { severity: spec.severity },
    annotations: { summary: spec.summary },
  }));
  return `# Rendered by pgplat (render/alertRules.ts) from pgplat:thresholds; edit the stack config, not this file.\n${stringify({ groups: [{ name: "pgplat", rules }] }, { lineWidth: 0 })}`;
}
