/**
 * npm run bench:start [-- --runs N]
 *
 * Times `npm start -- --detach` (what the README's main command runs: the
 * entry script, PostgreSQL, roles and migrations, PgBouncer and Redis, all
 * healthy) from launch until it returns: cold (an empty state directory, so
 * initdb and every migration) and warm (the data of a previous run, stopped).
 * Targets: cold ≤ 10 s, warm ≤ 3 s. Runs in a temp state root; removes it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { numberFlag, runBench } from "./cli";
import { stopLocalPlatform } from "../local/platform";
import { findStateDir, stateRootVariable } from "../local/stateDir";

const runs = numberFlag("--runs", 3);
const targets = { cold: 10_000, warm: 3_000 } as const;
const projectRoot = path.join(__dirname, "..");

async function main(): Promise<number> {
  const root = mkdtempSync(path.join(tmpdir(), "pgplat-bench-start-"));
  chmodSync(root, 0o755);
  const env = { ...process.env, [stateRootVariable]: root };
  const state = findStateDir("dev", env);
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    for (let run = 0; run < runs; run++) {
      await stopLocalPlatform(state);
      cold.push(timedStart(env, ["--reset"]));
      await stopLocalPlatform(state);
      warm.push(timedStart(env, []));
    }
    // Wall time is what is judged; on a shared machine the load says how much of it was waiting for a core.
    console.log(
      `machine: ${cpus().length} cores, load average ${loadavg()
        .map((load) => load.toFixed(1))
        .join(" ")}`,
    );
    const verdicts = (["cold", "warm"] as const).map((kind) => {
      const times = kind === "cold" ? cold : warm;
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
      const ratio = median / targets[kind];
      console.log(
        `${kind.padEnd(5)} runs ${times.map((ms) => (ms / 1000).toFixed(2)).join(", ")} s; median ${(median / 1000).toFixed(2)} s; ratio to target ${targets[kind] / 1000} s: ${ratio.toFixed(2)}  ${ratio <= 1 ? "PASS" : "FAIL"}`,
      );
      return ratio <= 1;
    });
    return verdicts.every(Boolean) ? 0 : 1;
  } finally {
    await stopLocalPlatform(state);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Wall time of `npm start`'s entry script with --detach, which returns once all three servers are healthy and migrations applied. */
function timedStart(env: NodeJS.ProcessEnv, extra: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(
    "bash",
    [path.join(projectRoot, "scripts", "start.sh"), "start", "dev", "--detach", ...extra],
    { cwd: projectRoot, env, encoding: "utf8" },
  );
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`npm start failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

runBench(main);
