/**
 * npm run bench:plan [-- --baseline <checkout> --runs N]
 *
 * Times `npm run -s plan -- dev` and `-- prod` here and, with --baseline, in
 * another checkout of pgplat (with its own node_modules), alternating the two
 * so both see the same machine load. One untimed run of each warms the disk
 * caches and compile caches first. Prints each stack's runs, medians and the
 * ratio here/baseline. Target: ratio ≤ 0.5 for both stacks.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { numberFlag, runBench } from "./cli";

const runs = numberFlag("--runs", 7);
const baselineIndex = process.argv.indexOf("--baseline");
const baseline =
  baselineIndex >= 0 ? path.resolve(process.env.INIT_CWD ?? ".", process.argv[baselineIndex + 1]) : undefined;
const here = path.join(__dirname, "..");
const stacks = ["dev", "prod"] as const;
const targetRatio = 0.5;

/** Wall time of one plan, in ms; a plan that fails stops the bench. */
function timePlan(checkout: string, stack: string): number {
  const started = performance.now();
  const result = spawnSync("npm", ["run", "-s", "plan", "--", stack], {
    cwd: checkout,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const elapsed = performance.now() - started;
  if (result.status !== 0 || result.stdout.length === 0)
    throw new Error(`plan ${stack} in ${checkout} failed: ${result.stderr}`);
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const format = (values: readonly number[]) => values.map((ms) => ms.toFixed(0)).join(", ");

async function main(): Promise<number> {
  const checkouts = baseline ? [here, baseline] : [here];
  let met = true;
  console.log(`runs per stack          ${runs}, alternating${baseline ? ` with ${baseline}` : ""}`);
  for (const stack of stacks) {
    for (const checkout of checkouts) timePlan(checkout, stack);
    const times = checkouts.map(() => [] as number[]);
    for (let run = 0; run < runs; run++)
      checkouts.forEach((checkout, index) => times[index].push(timePlan(checkout, stack)));
    const [ours, theirs] = times.map(median);
    console.log(`plan ${stack.padEnd(5)} here       ${ours.toFixed(0)} ms median (${format(times[0])})`);
    if (theirs === undefined) continue;
    const ratio = ours / theirs;
    met &&= ratio <= targetRatio;
    console.log(`plan ${stack.padEnd(5)} baseline   ${theirs.toFixed(0)} ms median (${format(times[1])})`);
    console.log(
      `plan ${stack.padEnd(5)} ratio      ${ratio.toFixed(3)}  (target ≤ ${targetRatio})  ${ratio <= targetRatio ? "PASS" : "FAIL"}`,
    );
  }
  if (!baseline) console.log("no --baseline checkout: figures only, no ratio");
  return met ? 0 : 1;
}

runBench(main);
