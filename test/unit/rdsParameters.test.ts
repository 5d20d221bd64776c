import { describe, expect, it } from "vitest";
import { rdsParameters } from "../../components/aws/rdsParameters";
import { formatKb, tune, tuningSettings, type TuningInput } from "../../render/tuning";

/** Evaluates an RDS parameter formula the way RDS does: integer arithmetic over DBInstanceClassMemory. */
function evaluate(formula: string, memoryBytes: number): number {
  const expression = formula.replace(/^\{|\}$/g, "").replace(/DBInstanceClassMemory/g, String(memoryBytes));
  const evalNode = (text: string): number => {
    const call = /^(LEAST|GREATEST)\((.*)\)$/.exec(text);
    if (call) {
      const [left, right] = call[2].split(",");
      return (call[1] === "LEAST" ? Math.min : Math.max)(evalNode(left), evalNode(right));
    }
    const [head, ...divisors] = text.split("/");
    const product = head.split("*").reduce((total, factor) => total * Number(factor), 1);
    return divisors.reduce((total, divisor) => Math.floor(total / Number(divisor)), product);
  };
  return evalNode(expression);
}

const inputs: TuningInput[] = [
  { memoryMb: 4096, vcpus: 2, storageGb: 100, storageKind: "ssd", maxConnections: 200, workload: "web" },
  { memoryMb: 16384, vcpus: 4, storageGb: 200, storageKind: "ssd", maxConnections: 400, workload: "oltp" },
  { memoryMb: 65536, vcpus: 16, storageGb: 1000, storageKind: "ssd", maxConnections: 800, workload: "dw" },
  { memoryMb: 8192, vcpus: 8, storageGb: 100, storageKind: "hdd", maxConnections: 100, workload: "desktop" },
];

describe("rdsParameters", () => {
  it.each(inputs)("memory formulas give the Docker tuning's values at the nominal memory (%o)", (input) => {
    const parameters = Object.fromEntries(
      rdsParameters({ tuning: input, slowStatementMs: 250 }).map((parameter) => [parameter.name, parameter.value]),
    );
    const tuning = tune(input);
    const memoryBytes = input.memoryMb * 1024 * 1024;
    expect(evaluate(parameters.shared_buffers, memoryBytes) * 8).toBe(tuning.sharedBuffersKb);
    expect(evaluate(parameters.effective_cache_size, memoryBytes) * 8).toBe(tuning.effectiveCacheSizeKb);
    expect(evaluate(parameters.maintenance_work_mem, memoryBytes)).toBe(tuning.maintenanceWorkMemKb);
    expect(Math.abs(evaluate(parameters.work_mem, memoryBytes) - tuning.workMemKb)).toBeLessThanOrEqual(1);
  });

  it("carries the fixed tuning values, preloads pg_stat_statements, forces TLS and SCRAM", () => {
    const input = inputs[0];
    const parameters = rdsParameters({ tuning: input, slowStatementMs: 500 });
    const byName = Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter]));
    const fixed = tuningSettings(tune(input));
    for (const name of [
      "max_connections",
      "wal_buffers",
      "random_page_cost",
      "effective_io_concurrency",
      "max_parallel_workers_per_gather",
      "checkpoint_completion_target",
    ]) {
      expect(byName[name].value, name).toBe(fixed[name]);
    }
    expect(byName.wal_buffers.value).toBe(formatKb(16 * 1024));
    expect(byName.shared_preload_libraries).toEqual({
      name: "shared_preload_libraries",
      value: "pg_stat_statements",
      applyMethod: "pending-reboot",
    });
    expect(byName["rds.force_ssl"]).toEqual({ name: "rds.force_ssl", value: "1", applyMethod: "immediate" });
    expect(byName.password_encryption.value).toBe("scram-sha-256");
    expect(byName.log_min_duration_statement.value).toBe("500");
    expect(byName.min_wal_size).toBeUndefined();
  });

  it("marks exactly the static parameters pending-reboot", () => {
    const pending = rdsParameters({ tuning: inputs[0], slowStatementMs: 250 })
      .filter((parameter) => parameter.applyMethod === "pending-reboot")
      .map((parameter) => parameter.name);
    expect(pending).toEqual([
      "max_connections",
      "max_worker_processes",
      "shared_buffers",
      "shared_preload_libraries",
      "wal_buffers",
    ]);
  });
});
