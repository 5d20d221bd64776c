import { describe, expect, it } from "vitest";
import { formatKb, tune, tuningSettings, type TuningInput } from "../../render/tuning";

const base: TuningInput = {
  memoryMb: 4096,
  vcpus: 2,
  storageGb: 1000,
  storageKind: "ssd",
  maxConnections: 200,
  workload: "web",
};

describe("tune follows pgtune's published rules", () => {
  // Reference outputs of pgtune (le0pard/pgtune) for the same inputs.
  it("web, 4 GB, 2 CPUs, 200 connections, ssd", () => {
    expect(tuningSettings(tune(base))).toMatchObject({
      max_connections: "200",
      shared_buffers: "1GB",
      effective_cache_size: "3GB",
      maintenance_work_mem: "256MB",
      checkpoint_completion_target: "0.9",
      wal_buffers: "16MB",
      default_statistics_target: "100",
      random_page_cost: "1.1",
      effective_io_concurrency: "200",
      work_mem: "5242kB",
      min_wal_size: "1GB",
      max_wal_size: "4GB",
      max_parallel_workers_per_gather: "1",
      max_parallel_workers: "2",
      max_parallel_maintenance_workers: "1",
    });
  });

  it("desktop, 32 GB, 8 CPUs, 100 connections, hdd", () => {
    expect(
      tuningSettings(
        tune({
          memoryMb: 32768,
          vcpus: 8,
          storageGb: 1000,
          storageKind: "hdd",
          maxConnections: 100,
          workload: "desktop",
        }),
      ),
    ).toMatchObject({
      shared_buffers: "2GB",
      effective_cache_size: "8GB",
      maintenance_work_mem: "2GB",
      wal_buffers: "16MB",
      random_page_cost: "4",
      effective_io_concurrency: "2",
      work_mem: "4369kB",
      min_wal_size: "100MB",
      max_wal_size: "2GB",
      max_worker_processes: "8",
      max_parallel_workers_per_gather: "4",
      max_parallel_workers: "8",
      max_parallel_maintenance_workers: "4",
    });
  });

  it("dw, 8 GB, 8 CPUs, 100 connections, hdd", () => {
    expect(
      tuningSettings(
        tune({ memoryMb: 8192, vcpus: 8, storageGb: 1000, storageKind: "hdd", maxConnections: 100, workload: "dw" }),
      ),
    ).toMatchObject({
      shared_buffers: "2GB",
      effective_cache_size: "6GB",
      maintenance_work_mem: "1GB",
      default_statistics_target: "500",
      work_mem: "2621kB",
      min_wal_size: "4GB",
    });
  });

  it("caps maintenance_work_mem at 2GB and lets dw use more workers per gather", () => {
    const tuning = tune({ ...base, memoryMb: 262144, vcpus: 32, workload: "dw" });
    expect(tuning.maintenanceWorkMemKb).toBe(2 * 1024 * 1024);
    expect(tuning.maxParallelWorkersPerGather).toBe(16);
    expect(tune({ ...base, vcpus: 32 }).maxParallelWorkersPerGather).toBe(4);
  });

  it("uses a small wal_buffers on small shared_buffers, in whole 8kB pages, with pgtune's 32kB floor", () => {
    expect(tune({ ...base, memoryMb: 256 }).walBuffersKb).toBe(1960);
    expect(tune({ ...base, memoryMb: 256, workload: "desktop" }).walBuffersKb).toBe(488);
    expect(tune({ ...base, memoryMb: 16, workload: "desktop" }).walBuffersKb).toBe(32);
  });

  it("never sets work_mem below PostgreSQL's 64kB minimum", () => {
    expect(tune({ ...base, memoryMb: 256, maxConnections: 5000 }).workMemKb).toBe(64);
  });

  it("uses san costs", () => {
    expect(tune({ ...base, storageKind: "san" })).toMatchObject({ randomPageCost: 1.1, effectiveIoConcurrency: 300 });
  });
});

describe("tune: departures from pgtune", () => {
  it("caps WAL at a quarter of the storage", () => {
    expect(tune({ ...base, storageGb: 8 })).toMatchObject({ maxWalSizeMb: 2048, minWalSizeMb: 512 });
    expect(tune({ ...base, storageGb: 1 })).toMatchObject({ maxWalSizeMb: 256, minWalSizeMb: 64 });
  });

  it("keeps at least 8 worker processes for background workers", () => {
    expect(tune({ ...base, vcpus: 2 }).maxWorkerProcesses).toBe(8);
    expect(tune({ ...base, vcpus: 16 }).maxWorkerProcesses).toBe(16);
  });

  it("turns parallel query off on one vCPU", () => {
    expect(tune({ ...base, vcpus: 1 })).toMatchObject({
      maxParallelWorkersPerGather: 0,
      maxParallelMaintenanceWorkers: 0,
      maxParallelWorkers: 1,
    });
  });
});

describe("formatKb", () => {
  it("uses the largest whole unit", () => {
    expect(formatKb(1048576)).toBe("1GB");
    expect(formatKb(262144)).toBe("256MB");
    expect(formatKb(5242)).toBe("5242kB");
  });
});
