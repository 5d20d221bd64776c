/**
 * The pure part of the developer workflow (`npm run dev:up|dev:down|dev:list|dev:reap`):
 * argument parsing, the checks made before any Pulumi command, and the
 * Pulumi command lines. scripts/dev.ts runs them.
 */
import { isEphemeralStack } from "./devExpiry";

export const defaultDevStack = "dev";
/** The committed stack every new dev-<name> stack starts from. */
export const templateStack = "dev";
/** Documented in the README; only protects secrets of local, throwaway stacks. Override with PULUMI_CONFIG_PASSPHRASE(_FILE). */
export const defaultLocalPassphrase = "pgplat-local-dev";
export const stateDirName = ".pulumi-state";
/** Stack files that belong to the repository and are never deleted by dev:down. */
const committedStacks = new Set(["dev", "prod"]);

export type DevAction = "up" | "down" | "list" | "reap";

export interface DevArgs {
  readonly action: DevAction;
  readonly stack?: string;
  /** `--ttl <duration>` of dev:up. */
  readonly ttl?: string;
  /** `--yes`/`-y`: deploy without asking. */
  readonly yes: boolean;
  /** `--dry-run` of dev:reap. */
  readonly dryRun: boolean;
  /** Everything else, passed to `pulumi up`/`pulumi destroy`. */
  readonly passThrough: readonly string[];
}

const usage = [
  "usage: npm run dev:up -- [<stack>] [--ttl <90m|36h|7d>] [--yes] [pulumi up flags]",
  "       npm run dev:down -- <stack> [pulumi destroy flags]",
  "       npm run dev:list",
  "       npm run dev:reap [-- --dry-run]",
].join("\n");

/**
 * `environment` matters for two flags: `npm run dev:reap --dry-run` and
 * `npm run dev:up --yes` (without `--`) hand the flag to npm, which passes
 * it on only as npm_config_dry_run / npm_config_yes.
 */
export function parseDevArgs(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>> = {},
): DevArgs {
  const [action, ...rest] = argv;
  if (action !== "up" && action !== "down" && action !== "list" && action !== "reap") throw new Error(usage);
  let stack: string | undefined;
  let ttl: string | undefined;
  let yes = action === "up" && environment.npm_config_yes === "true";
  let dryRun = action === "reap" && environment.npm_config_dry_run === "true";
  const passThrough: string[] = [];
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    if (action === "up" && (arg === "--yes" || arg === "-y")) yes = true;
    else if (action === "up" && arg === "--ttl") ttl = requireValue(rest[++index], "--ttl");
    else if (action === "up" && arg.startsWith("--ttl=")) ttl = arg.slice("--ttl=".length);
    else if (action === "reap" && arg === "--dry-run") dryRun = true;
    else if (
      !arg.startsWith("-") &&
      stack === undefined &&
      passThrough.length === 0 &&
      (action === "up" || action === "down")
    )
      stack = arg;
    else if (action === "up" || action === "down") passThrough.push(arg);
    else throw new Error(`unknown argument ${arg}\n${usage}`);
  }
  return { action, stack, ttl, yes, dryRun, passThrough };
}

function requireValue(value: string | undefined, flag: string): string {
  if (value === undefined || value.startsWith("-")) throw new Error(`${flag} needs a value\n${usage}`);
  return value;
}

export function checkStackName(stack: string): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(stack))
    throw new Error(`stack name "${stack}" is not allowed: use lower-case letters, digits and dashes, e.g. dev-alice`);
}

/**
 * Which file holds the config dev:up deploys: the stack's own, or the dev
 * template for a new dev-<name> stack. Anything else without a file is refused.
 */
export function upConfigSource(
  stack: string,
  stackFileExists: boolean,
): { readonly stack: string; readonly fromTemplate: boolean } {
  if (stackFileExists) return { stack, fromTemplate: false };
  if (!isEphemeralStack(stack))
    throw new Error(
      `no Pulumi.${stack}.yaml: name a new local stack dev-<name> to start it from Pulumi.${templateStack}.yaml`,
    );
  return { stack: templateStack, fromTemplate: true };
}

/** What the stack file says, checked before any Pulumi command runs. */
export function checkDockerStack(file: string, target: string, environment: string, action: "up" | "down"): void {
  if (target !== "docker")
    throw new Error(
      `${file} has target ${target}; dev:${action} handles Docker stacks only (run other targets with the Pulumi CLI)`,
    );
  if (environment === "production")
    throw new Error(`${file} is a production stack; dev:${action} never touches production stacks`);
}

/**
 * How dev:up may deploy: `--yes` or CI (the CI variable) consent in
 * advance; on a terminal it asks after the preview; otherwise it must not.
 */
export type Consent = "given" | "ask" | "refused";

export function deployConsent(
  yes: boolean,
  environment: Readonly<Record<string, string | undefined>>,
  interactive: boolean,
): Consent {
  if (yes || isCi(environment)) return "given";
  return interactive ? "ask" : "refused";
}

export function isCi(environment: Readonly<Record<string, string | undefined>>): boolean {
  const value = (environment.CI ?? "").toLowerCase();
  return value !== "" && value !== "false" && value !== "0";
}

export const pulumiArgs = {
  select: (stack: string, exists: boolean): string[] =>
    exists ? ["stack", "select", stack] : ["stack", "select", "--create", stack],
  /** Restores a stack's secrets settings (encryption salt or key) when its file is missing, e.g. on a fresh CI checkout. */
  configRefresh: (stack: string): string[] => ["config", "refresh", "--stack", stack, "--force"],
  tags: (stack: string): string[] => ["stack", "tag", "ls", "--stack", stack, "--json"],
  setTag: (stack: string, name: string, value: string): string[] => [
    "stack",
    "tag",
    "set",
    "--stack",
    stack,
    name,
    value,
  ],
  preview: (stack: string, passThrough: readonly string[]): string[] => ["preview", "--stack", stack, ...passThrough],
  /** Only ever called with consent; after a confirmed preview the preview is not repeated. */
  up: (stack: string, passThrough: readonly string[], previewed: boolean): string[] => [
    "up",
    "--stack",
    stack,
    "--yes",
    ...(previewed ? ["--skip-preview"] : []),
    ...passThrough,
  ],
  destroy: (stack: string, passThrough: readonly string[] = []): string[] => [
    "destroy",
    "--stack",
    stack,
    "--yes",
    ...passThrough,
  ],
  remove: (stack: string): string[] => [
    "stack",
    "rm",
    stack,
    "--yes",
    ...(committedStacks.has(stack) ? ["--preserve-config"] : []),
  ],
  list: (): string[] => ["stack", "ls", "--json"],
};

/**
 * A file state backend inside the project unless PULUMI_BACKEND_URL names
 * another. The well-known local passphrase is only ever used for that
 * project-local backend: a shared backend needs its own secret.
 */
export function localBackendEnv(
  projectRoot: string,
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: environment.PULUMI_BACKEND_URL || `file://${projectRoot}/${stateDirName}`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const local = !environment.PULUMI_BACKEND_URL;
  if (local && !environment.PULUMI_CONFIG_PASSPHRASE && !environment.PULUMI_CONFIG_PASSPHRASE_FILE)
    env.PULUMI_CONFIG_PASSPHRASE = defaultLocalPassphrase;
  return env;
}

/**
 * A self-managed backend other than the project-local one (s3://, file://
 * elsewhere, …) keeps stack secrets under a passphrase the team chose: the
 * well-known local one is never used there, and an empty one (an unset CI
 * secret) is refused. Pulumi Cloud (https://…) encrypts with its own keys.
 */
export function checkSharedBackendSecrets(environment: Readonly<Record<string, string | undefined>>): void {
  const backend = environment.PULUMI_BACKEND_URL;
  if (!backend || /^https?:\/\//.test(backend)) return;
  if (environment.PULUMI_CONFIG_PASSPHRASE || environment.PULUMI_CONFIG_PASSPHRASE_FILE) return;
  throw new Error(
    `PULUMI_BACKEND_URL=${backend} is a shared self-managed backend: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE to its passphrase`,
  );
}

/** Self-managed backends keep stack tags (and so expiry) from this Pulumi release on. */
const minimumPulumiForTags = [3, 211, 0] as const;

/**
 * Older CLIs accept `stack tag set` on a self-managed backend and silently
 * drop the tag: a stack would never expire. Refuse them up front.
 */
export function checkPulumiVersion(versionOutput: string, backendUrl: string): void {
  if (/^https?:\/\//.test(backendUrl)) return;
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(versionOutput);
  const version = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const older = version.findIndex((part, index) => part !== minimumPulumiForTags[index]);
  if (older >= 0 && version[older] < minimumPulumiForTags[older]) {
    throw new Error(
      `Pulumi CLI ${versionOutput.trim() || "(unknown version)"} does not keep stack tags on ${backendUrl}: install ${minimumPulumiForTags.join(".")} or newer (https://www.pulumi.com/docs/install/)`,
    );
  }
}
