import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

const projectRoot = path.join(__dirname, "..", "..");

/** `npm run plan`'s command line as package.json declares it, run by this node: the tests run the plan as users do. */
export function planCommand(): string[] {
  const scripts = (
    JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }
  ).scripts;
  const [node, ...args] = scripts.plan.split(" ");
  if (node !== "node") throw new Error(`package.json's plan script does not start with node: ${scripts.plan}`);
  return [process.execPath, ...args];
}

/** Runs `npm run -s plan -- <args>` from the project root, without npm's own start-up. */
export function runPlan(...args: string[]): SpawnSyncReturns<string> {
  const [command, ...planArgs] = planCommand();
  return spawnSync(command, [...planArgs, ...args], {
    cwd: projectRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}
