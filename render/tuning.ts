/**
 * PostgreSQL tuning from the machine's shape, following pgtune's published
 * rules (le0pard/pgtune, "linux" OS type). One function serves the Docker
 * `postgresql.conf` and the RDS parameter group. Departures from pgtune are
 * marked "Departure:" with the reason.
 */
export type TuningWorkload = "web" | "oltp" | "dw" | "mixed" | "desktop";
export type TuningStorage = "ssd" | "hdd" | "san";

export interface TuningInput {
  readonly memoryMb: number;
  readonly vcpus: number;
  readonly storageGb: number;
  readonly storageKind: TuningStorage;
  readonly maxConnections: number;
  readonly workload: TuningWorkload;
}

/** Memory values are in kB, the unit PostgreSQL uses for these settings. */
export interface Tuning {
  readonly maxConnections: number;
  readonly sharedBuffersKb: number;
  readonly effectiveCacheSizeKb: number;
  readonly maintenanceWorkMemKb: number;
  readonly workMemKb: number;
  readonly walBuffersKb: number;
  readonly minWalSizeMb: number;
  readonly maxWalSizeMb: number;
  readonly checkpointCompletionTarget: number;
  readonly defaultStatisticsTarget: number;
  readonly randomPageCost: number;
  readonly effectiveIoConcurrency: number;
  readonly maxWorkerProcesses: number;
  readonly maxParallelWorkers: number;
  readonly maxParallelWorkersPerGather: number;
  readonly maxParallelMaintenanceWorkers: number;
}

/** The tuning input a stack's PostgreSQL settings give, built once for the Docker postgresql.conf and the RDS parameter group. */
export function tuningInput(postgres: Pick<TuningInput, keyof TuningInput>): TuningInput {
  return {
    memoryMb: postgres.memoryMb,
    vcpus: postgres.vcpus,
    storageGb: postgres.storageGb,
    storageKind: postgres.storageKind,
    maxConnections: postgres.maxConnections,
    workload: postgres.workload,
  };
}

const kbPerMb = 1024;
const kbPerGb = 1024 * 1024;

export function tune(input: TuningInput): Tuning {
  const memoryKb = input.memoryMb * kbPerMb;
  const sharedBuffersKb = Math.floor(input.workload === "desktop" ? memoryKb / 16 : memoryKb / 4);
  const parallel = parallelism(input.vcpus, input.workload);
  const wal = walSizes(input.workload, input.storageGb);
  return {
    maxConnections: input.maxConnections,
    sharedBuffersKb,
    effectiveCacheSizeKb: Math.floor(input.workload === "desktop" ? memoryKb / 4 : (memoryKb * 3) / 4),
    maintenanceWorkMemKb: Math.min(Math.floor(input.workload === "dw" ? memoryKb / 8 : memoryKb / 16), 2 * kbPerGb),
    workMemKb: workMem(memoryKb, sharedBuffersKb, input, parallel.maxParallelWorkersPerGather),
    walBuffersKb: walBuffers(sharedBuffersKb),
    minWalSizeMb: wal.minMb,
    maxWalSizeMb: wal.maxMb,
    checkpointCompletionTarget: 0.9,
    defaultStatisticsTarget: input.workload === "dw" ? 500 : 100,
    randomPageCost: input.storageKind === "hdd" ? 4 : 1.1,
    effectiveIoConcurrency: { hdd: 2, ssd: 200, san: 300 }[input.storageKind],
    ...parallel,
  };
}

function workMem(memoryKb: number, sharedBuffersKb: number, input: TuningInput, workersPerGather: number): number {
  const perConnection = (memoryKb - sharedBuffersKb) / (input.maxConnections * 3) / Math.max(workersPerGather, 1);
  const workloadDivisor = { web: 1, oltp: 1, dw: 2, mixed: 2, desktop: 6 }[input.workload];
  // pgtune's floor is 64kB, which is also PostgreSQL's minimum for work_mem.
  return Math.max(64, Math.floor(perConnection / workloadDivisor));
}

function walBuffers(sharedBuffersKb: number): number {
  const maxKb = 16 * kbPerMb;
  const value = Math.floor((3 * sharedBuffersKb) / 100);
  // pgtune rounds values just under 16MB up to a full WAL segment.
  if (value > 14 * kbPerMb) return maxKb;
  // Departure: PostgreSQL keeps wal_buffers in 8kB pages and drops the rest;
  // rounding here makes the rendered value the one in effect.
  return Math.max(32, value - (value % 8));
}

function walSizes(workload: TuningWorkload, storageGb: number): { minMb: number; maxMb: number } {
  const pgtune = {
    web: [1024, 4096],
    oltp: [2048, 8192],
    dw: [4096, 16384],
    mixed: [1024, 4096],
    desktop: [100, 2048],
  }[workload];
  // Departure: pgtune ignores disk size. WAL up to max_wal_size must fit next to
  // the data, so it is capped at a quarter of the storage (and min_wal_size at a
  // quarter of that) — a 20 GiB dev volume must not be a quarter full of WAL.
  const maxMb = Math.max(64, Math.min(pgtune[1], Math.floor((storageGb * 1024) / 4)));
  return { minMb: Math.max(32, Math.min(pgtune[0], Math.floor(maxMb / 4))), maxMb };
}

function parallelism(vcpus: number, workload: TuningWorkload) {
  // Departure: pgtune sets max_worker_processes to the vCPU count. Logical
  // replication, autoprewarm and extensions draw on the same pool, so like RDS
  // (GREATEST(2 × vCPU, 8)) we never go below PostgreSQL's default of 8.
  const maxWorkerProcesses = Math.max(8, vcpus);
  if (vcpus < 2) {
    // Departure: pgtune emits nothing for one vCPU, leaving PostgreSQL's default
    // of 2 workers per gather; on one core parallel plans only add overhead.
    return {
      maxWorkerProcesses,
      maxParallelWorkers: 1,
      maxParallelWorkersPerGather: 0,
      maxParallelMaintenanceWorkers: 0,
    };
  }
  const half = Math.ceil(vcpus / 2);
  return {
    maxWorkerProcesses,
    maxParallelWorkers: vcpus,
    maxParallelWorkersPerGather: workload === "dw" ? half : Math.min(half, 4),
    maxParallelMaintenanceWorkers: Math.min(half, 4),
  };
}

/** Formats kB the way pgtune prints it: the largest whole unit. */
export function formatKb(kb: number): string {
  if (kb % kbPerGb === 0) return `${kb / kbPerGb}GB`;
  if (kb % kbPerMb === 0) return `${kb / kbPerMb}MB`;
  return `${kb}kB`;
}

/** The tuning as PostgreSQL settings (name → value text), for postgresql.conf and parameter groups alike. */
export function tuningSettings(tuning: Tuning): Readonly<Record<string, string>> {
  return {
    max_connections: String(tuning.maxConnections),
    shared_buffers: formatKb(tuning.sharedBuffersKb),
    effective_cache_size: formatKb(tuning.effectiveCacheSizeKb),
    maintenance_work_mem: formatKb(tuning.maintenanceWorkMemKb),
    work_mem: formatKb(tuning.workMemKb),
    wal_buffers: formatKb(tuning.walBuffersKb),
    min_wal_size: formatKb(tuning.minWalSizeMb * kbPerMb),
    max_wal_size: formatKb(tuning.maxWalSizeMb * kbPerMb),
    checkpoint_completion_target: String(tuning.checkpointCompletionTarget),
    default_statistics_target: String(tuning.defaultStatisticsTarget),
    random_page_cost: String(tuning.randomPageCost),
    effective_io_concurrency: String(tuning.effectiveIoConcurrency),
    max_worker_processes: String(tuning.maxWorkerProcesses),
    max_parallel_workers: String(tuning.maxParallelWorkers),
    max_parallel_workers_per_gather: String(tuning.maxParallelWorkersPerGather),
    max_parallel_maintenance_workers: String(tuning.maxParallelMaintenanceWorkers),
  };
}
