import { tune, tuningSettings, type TuningInput } from "../../render/tuning";

export interface RdsParameter {
  readonly name: string;
  readonly value: string;
  /** Static parameters only take effect after a reboot. */
  readonly applyMethod: "immediate" | "pending-reboot";
}

export interface RdsParameterArgs {
  readonly tuning: TuningInput;
  readonly slowStatementMs: number;
}

/** Parameters RDS applies only at restart. */
const staticParameters = new Set([
  "shared_buffers",
  "max_connections",
  "wal_buffers",
  "max_worker_processes",
  "shared_preload_libraries",
]);

/**
 * The `postgres16` parameter group from the same tuning as the Docker
 * postgresql.conf. Memory-derived values are RDS formulas over
 * DBInstanceClassMemory (bytes), so they stay right when the instance class
 * changes; their divisors reproduce render/tuning.ts's rules.
 */
export function rdsParameters(args: RdsParameterArgs): readonly RdsParameter[] {
  const input = args.tuning;
  const tuning = tune(input);
  const settings = { ...tuningSettings(tuning), ...memoryFormulas(input, tuning.maxParallelWorkersPerGather) };
  // RDS manages WAL sizing for its own storage; pgtune's values do not apply there.
  delete settings.min_wal_size;
  delete settings.max_wal_size;
  const all: Record<string, string> = {
    ...settings,
    shared_preload_libraries: "pg_stat_statements",
    "pg_stat_statements.track": "top",
    track_io_timing: "1",
    log_min_duration_statement: String(args.slowStatementMs),
    log_lock_waits: "1",
    log_temp_files: "0",
    log_autovacuum_min_duration: "10000",
    log_statement: "ddl",
    password_encryption: "scram-sha-256",
    "rds.force_ssl": "1",
  };
  return Object.entries(all)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({
      name,
      value,
      applyMethod: staticParameters.has(name) ? "pending-reboot" : "immediate",
    }));
}

function memoryFormulas(input: TuningInput, workersPerGather: number): Record<string, string> {
  const desktop = input.workload === "desktop";
  const workloadDivisor = { web: 1, oltp: 1, dw: 2, mixed: 2, desktop: 6 }[input.workload];
  // shared_buffers and effective_cache_size are in 8kB pages; the others in kB.
  const sharedBuffersFraction = desktop ? 16 : 4;
  // work_mem = (memory − shared_buffers) / (3 × connections) / workers per gather / workload divisor.
  const workMemDivisor = Math.round(
    (1024 * sharedBuffersFraction * 3 * input.maxConnections * Math.max(workersPerGather, 1) * workloadDivisor) /
      (sharedBuffersFraction - 1),
  );
  return {
    shared_buffers: `{DBInstanceClassMemory/${8192 * sharedBuffersFraction}}`,
    effective_cache_size: desktop ? "{DBInstanceClassMemory/32768}" : "{DBInstanceClassMemory*3/32768}",
    maintenance_work_mem: `{LEAST(DBInstanceClassMemory/${1024 * (input.workload === "dw" ? 8 : 16)},2097152)}`,
    work_mem: `{GREATEST(DBInstanceClassMemory/${workMemDivisor},64)}`,
  };
}
