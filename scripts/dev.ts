/**
 * npm run dev:up -- [<stack>] [--ttl 36h] [--yes] [pulumi up flags]
 *     checks the stack's config and target, selects or creates the stack,
 *     records its expiry, previews, asks, deploys
 * npm run dev:down -- <stack>      destroy it and remove the stack
 * npm run dev:list                 every stack: age, expiry, resource count
 * npm run dev:reap [-- --dry-run]  destroy and remove expired dev-<name> stacks
 *
 * State lives in .pulumi-state/ (a file backend) unless PULUMI_BACKEND_URL
 * names another: no Pulumi login, no cloud for local work.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline/promises";
import { parse, stringify } from "yaml";
import { configNamespace, formatIssues, parseStackConfig, type StackConfig } from "../config";
import {
  checkDockerStack,
  checkPulumiVersion,
  checkSharedBackendSecrets,
  checkStackName,
  defaultDevStack,
  deployConsent,
  localBackendEnv,
  parseDevArgs,
  pulumiArgs,
  stateDirName,
  templateStack,
  upConfigSource,
  type DevArgs,
} from "./devCommands";
import {
  expiresAtTag,
  formatStackTable,
  isEphemeralStack,
  lifecycleTags,
  parseTtl,
  reapVerdict,
  shortStackName,
  type LocalStackConfig,
  type StackSummary,
} from "./devExpiry";
import { exitWhenFlushed } from "./lib/exit";
import { namespaceValues, readStackFile } from "../config/stackFile";

const projectRoot = path.resolve(__dirname, "..");
const stackFile = (stack: string) => path.join(projectRoot, `Pulumi.${stack}.yaml`);

async function main(argv: readonly string[]): Promise<number> {
  const args = parseDevArgs(argv, process.env);
  switch (args.action) {
    case "up":
      return up(args);
    case "down":
      return down(args);
    case "list":
      return list();
    case "reap":
      return reap(args.dryRun);
  }
}

async function up(args: DevArgs): Promise<number> {
  const stack = args.stack ?? defaultDevStack;
  checkStackName(stack);
  // Everything that can be checked offline is checked before Pulumi runs, so nothing is created for a bad stack.
  const source = upConfigSource(stack, existsSync(stackFile(stack)));
  const config = validDockerConfig(stackFile(source.stack));
  const ttlHours = args.ttl ? parseTtl(args.ttl) : config.docker.stackTtlHours;
  const pulumi = pulumiCli(["docker"]);
  selectStack(pulumi, stack, source.fromTemplate);
  for (const [name, value] of Object.entries(lifecycleTags(stack, pulumi.tags(stack), new Date(), ttlHours))) {
    step(`tag ${stack}: ${name}=${value}`);
    pulumi.run(pulumiArgs.setTag(stack, name, value));
  }
  return deploy(pulumi, stack, args);
}

/** Creates or selects the stack; a dev-<name> stack without a file gets one from the template. */
function selectStack(pulumi: PulumiCli, stack: string, fromTemplate: boolean): void {
  const exists = pulumi.stacks().some((summary) => shortStackName(summary.name) === stack);
  if (fromTemplate && exists) {
    step(
      `stack ${stack} exists but has no Pulumi.${stack}.yaml here: restore its settings, config from Pulumi.${templateStack}.yaml`,
    );
    pulumi.run(pulumiArgs.configRefresh(stack));
  } else if (fromTemplate) {
    step(`new stack ${stack}: config from Pulumi.${templateStack}.yaml`);
  }
  if (fromTemplate) writeFromTemplate(stack);
  step(exists ? `select stack ${stack}` : `create stack ${stack}`);
  pulumi.run(pulumiArgs.select(stack, exists));
}

/** `pulumi up --yes` only with consent given in advance or after a preview on a terminal. */
async function deploy(pulumi: PulumiCli, stack: string, args: DevArgs): Promise<number> {
  const consent = deployConsent(args.yes, process.env, Boolean(process.stdin.isTTY && process.stdout.isTTY));
  if (consent !== "given") {
    step(`preview ${stack}`);
    pulumi.run(pulumiArgs.preview(stack, args.passThrough));
    if (consent === "refused") {
      console.error(`Not deployed: no terminal to confirm on. Run again with --yes to deploy ${stack} without asking.`);
      return 1;
    }
    if (!(await confirm(`Deploy these changes to ${stack}? Type yes to continue: `))) {
      console.error("Not deployed.");
      return 1;
    }
  }
  step(`deploy ${stack}`);
  pulumi.run(pulumiArgs.up(stack, args.passThrough, consent === "ask"));
  return 0;
}

function down(args: DevArgs): number {
  if (!args.stack) throw new Error("usage: npm run dev:down -- <stack>   (the stack to destroy must be named)");
  const stack = args.stack;
  checkStackName(stack);
  if (existsSync(stackFile(stack))) {
    const local = localStackConfig(stackFile(stack));
    checkDockerStack(path.basename(stackFile(stack)), local.target, local.environment, "down");
  } else if (!isEphemeralStack(stack)) {
    throw new Error(`no Pulumi.${stack}.yaml: dev:down removes Docker stacks (dev or dev-<name>) only`);
  }
  const pulumi = pulumiCli([]);
  step(`destroy ${stack}`);
  pulumi.run(pulumiArgs.destroy(stack, args.passThrough));
  step(`remove stack ${stack}`);
  pulumi.run(pulumiArgs.remove(stack));
  return 0;
}

function list(): number {
  const pulumi = pulumiCli([]);
  const stacks = pulumi.stacks().map((summary) => ({ ...summary, tags: pulumi.tags(summary.name) }));
  console.log(stacks.length === 0 ? "No stacks." : formatStackTable(stacks, new Date()));
  return 0;
}

function reap(dryRun: boolean): number {
  const pulumi = pulumiCli([]);
  const now = new Date();
  // Tags are read only for dev-<name> stacks: nothing else is ever a candidate.
  const candidates = pulumi
    .stacks()
    .filter((summary) => isEphemeralStack(summary.name))
    .map((summary) => ({ ...summary, tags: pulumi.tags(summary.name) }));
  const expired: StackSummary[] = [];
  for (const stack of candidates) {
    const file = stackFile(shortStackName(stack.name));
    const verdict = reapVerdict(stack, now, existsSync(file) ? localStackConfig(file) : undefined);
    if (verdict.reap) expired.push(stack);
    else console.log(`keep ${stack.name}: ${verdict.reason}`);
  }
  let failed = 0;
  for (const stack of expired) {
    if (dryRun) {
      console.log(
        `would reap ${stack.name} (expired ${stack.tags[expiresAtTag]}, ${stack.resourceCount ?? 0} resources)`,
      );
      continue;
    }
    step(`reap ${stack.name}: destroy and remove (expired ${stack.tags[expiresAtTag]})`);
    const ok = pulumi.tryRun(pulumiArgs.destroy(stack.name)) && pulumi.tryRun(pulumiArgs.remove(stack.name));
    if (!ok) failed++;
  }
  console.log(
    `${dryRun ? "Would reap" : "Reaped"} ${expired.length - failed} of ${expired.length} expired stack(s)${failed ? `; ${failed} failed` : ""}.`,
  );
  return failed > 0 ? 1 : 0;
}

/** Parses and validates a stack file offline; dev:up deploys Docker, non-production stacks only. */
function validDockerConfig(file: string): StackConfig {
  const parsed = parseStackConfig(namespaceValues(readStackFile(file).config, configNamespace));
  if (!parsed.ok) throw new Error(`${path.basename(file)}:\n${formatIssues(parsed.issues)}`);
  checkDockerStack(path.basename(file), parsed.config.target, parsed.config.environment, "up");
  return parsed.config;
}

/** Target and environment as written, even when the rest of the file would not validate. */
function localStackConfig(file: string): LocalStackConfig {
  const values = namespaceValues(readStackFile(file).config, configNamespace);
  return { target: String(values.target ?? "unset"), environment: String(values.environment ?? "non-production") };
}

/**
 * The stack file of a dev-<name> stack: the template's config, plus the
 * stack's own secrets settings when `pulumi config refresh` restored them.
 */
function writeFromTemplate(stack: string): void {
  const file = stackFile(stack);
  const restored = existsSync(file) ? ((parse(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>) : {};
  const template = (parse(readFileSync(stackFile(templateStack), "utf8")) ?? {}) as Record<string, unknown>;
  const header = `# Local stack ${stack}, created by npm run dev:up from Pulumi.${templateStack}.yaml (git-ignored).\n`;
  writeFileSync(file, header + stringify({ ...restored, config: template.config ?? {} }));
}

interface PulumiCli {
  run(args: readonly string[]): void;
  tryRun(args: readonly string[]): boolean;
  stacks(): StackSummary[];
  tags(stack: string): Record<string, string>;
}

function pulumiCli(alsoRequire: readonly "docker"[]): PulumiCli {
  checkSharedBackendSecrets(process.env);
  const backend = localBackendEnv(projectRoot, process.env);
  const env = { ...process.env, ...backend };
  checkPulumiVersion(
    requireTool("pulumi", ["version"], "install the Pulumi CLI: https://www.pulumi.com/docs/install/"),
    backend.PULUMI_BACKEND_URL,
  );
  if (alsoRequire.includes("docker"))
    requireTool("docker", ["info"], "install Docker and start its engine (docker info must work)");
  if (env.PULUMI_BACKEND_URL === `file://${projectRoot}/${stateDirName}`)
    mkdirSync(path.join(projectRoot, stateDirName), { recursive: true });
  const tryRun = (args: readonly string[]) =>
    spawnSync("pulumi", args, { cwd: projectRoot, env, stdio: "inherit" }).status === 0;
  const json = (args: readonly string[]): unknown => {
    const result = spawnSync("pulumi", args, {
      cwd: projectRoot,
      env,
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed`);
    return JSON.parse(result.stdout || "null");
  };
  return {
    run: (args) => {
      if (!tryRun(args)) throw new Error(`pulumi ${args.join(" ")} failed`);
    },
    tryRun,
    stacks: () =>
      ((json(pulumiArgs.list()) as StackSummary[] | null) ?? []).map((summary) => ({ ...summary, tags: {} })),
    tags: (stack) => (json(pulumiArgs.tags(stack)) as Record<string, string> | null) ?? {},
  };
}

/** Runs the probe and returns what it printed. */
function requireTool(tool: string, probe: readonly string[], hint: string): string {
  const result = spawnSync(tool, probe, { stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" });
  if (result.error || result.status !== 0) throw new Error(`${tool} is not available: ${hint}`);
  return result.stdout;
}

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^(y|yes)$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

function step(description: string): void {
  console.log(`==> ${description}`);
}

main(process.argv.slice(2)).then(exitWhenFlushed, (error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  exitWhenFlushed(1);
});
