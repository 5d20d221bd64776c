/**
 * npm run dev:up [-- <stack> [pulumi up flags]]   create or select a local stack and deploy it
 * npm run dev:down -- <stack>                      destroy it and remove the stack
 *
 * State lives in .pulumi-state/ (a file backend): no Pulumi login, no cloud.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { configNamespace, formatIssues, parseStackConfig } from "../config";
import { planDevCommand, stateDirName, type DevAction } from "./devCommands";
import { namespaceValues, readStackFile } from "./plan/stackConfig";

const projectRoot = path.resolve(__dirname, "..");

function main(argv: readonly string[]): number {
  const [action, maybeStack, ...rest] = argv;
  if (action !== "up" && action !== "down") throw new Error("usage: dev.ts up|down [stack]");
  const stack = maybeStack?.startsWith("-") ? undefined : maybeStack;
  const passThrough = maybeStack?.startsWith("-") ? [maybeStack, ...rest] : rest;
  const stackFile = (name: string) => path.join(projectRoot, `Pulumi.${name}.yaml`);
  const plan = planDevCommand({ action: action as DevAction, stack, projectRoot, stackFileExists: existsSync(stackFile(stack ?? "dev")), environment: process.env, passThrough });
  requireTool("pulumi", "install the Pulumi CLI: https://www.pulumi.com/docs/install/");
  if (action === "up") requireTool("docker", "install Docker and start its engine (docker info must work)", ["info"]);
  mkdirSync(path.join(projectRoot, stateDirName), { recursive: true });
  for (const step of plan.steps) {
    console.log(`==> ${step.description}`);
    if (step.kind === "copy-config") {
      copyStackConfig(path.join(projectRoot, step.argv[0]), path.join(projectRoot, step.argv[1]), plan.stack);
      continue;
    }
    if (action === "up" && step.argv[1] === "up") checkConfig(stackFile(plan.stack));
    const result = spawnSync(step.argv[0], step.argv.slice(1), { cwd: projectRoot, env: { ...process.env, ...plan.env }, stdio: "inherit" });
    if (result.status !== 0) return result.status ?? 1;
  }
  return 0;
}

function copyStackConfig(from: string, to: string, stack: string): void {
  copyFileSync(from, to);
  writeFileSync(to, `# Local stack ${stack}, created by npm run dev:up from Pulumi.dev.yaml.\n${readFileSync(to, "utf8")}`);
}

/** Fails before Pulumi runs when the stack config is invalid or not a Docker stack. */
function checkConfig(file: string): void {
  const parsed = parseStackConfig(namespaceValues(readStackFile(file).config, configNamespace));
  if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
  if (parsed.config.target !== "docker") throw new Error(`${path.basename(file)} has target ${parsed.config.target}; dev:up runs Docker stacks only (deploy other targets with pulumi up)`);
}

function requireTool(tool: string, hint: string, probe: string[] = ["version"]): void {
  const result = spawnSync(tool, probe, { stdio: "ignore" });
  if (result.error || result.status !== 0) throw new Error(`${tool} is not available: ${hint}`);
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
