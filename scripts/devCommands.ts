/**
 * What `npm run dev:up` and `npm run dev:down` do, as data: the pure part of
 * the developer workflow, unit-tested without the Pulumi CLI.
 */
export const defaultDevStack = "dev";
/** Documented in the README; only protects secrets of local, throwaway stacks. Override with PULUMI_CONFIG_PASSPHRASE(_FILE). */
export const defaultLocalPassphrase = "pgplat-local-dev";
export const stateDirName = ".pulumi-state";
/** Stack files that belong to the repository and are never deleted by dev:down. */
const committedStacks = new Set(["dev", "prod"]);

export type DevAction = "up" | "down";

export interface DevStep {
  readonly kind: "copy-config" | "run";
  readonly description: string;
  /** For run: the command and its arguments. For copy-config: [from, to]. */
  readonly argv: readonly string[];
}

export interface DevPlan {
  readonly stack: string;
  readonly env: Readonly<Record<string, string>>;
  readonly steps: readonly DevStep[];
}

export interface DevPlanInput {
  readonly action: DevAction;
  readonly stack: string | undefined;
  readonly projectRoot: string;
  /** Whether Pulumi.<stack>.yaml exists. */
  readonly stackFileExists: boolean;
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Extra arguments passed through to `pulumi up`/`destroy`. */
  readonly passThrough?: readonly string[];
}

export function planDevCommand(input: DevPlanInput): DevPlan {
  const stack = input.stack ?? (input.action === "up" ? defaultDevStack : undefined);
  if (!stack) throw new Error("usage: npm run dev:down -- <stack>   (the stack to destroy must be named)");
  if (!/^[a-z0-9][a-z0-9-]*$/.test(stack)) throw new Error(`stack name "${stack}" is not allowed: use lower-case letters, digits and dashes, e.g. dev-alice`);
  if (!input.stackFileExists && !stack.startsWith("dev-")) {
    throw new Error(`no Pulumi.${stack}.yaml: name a new local stack dev-<name> to start it from Pulumi.dev.yaml`);
  }
  const steps: DevStep[] = [];
  if (input.action === "up" && !input.stackFileExists) {
    steps.push({ kind: "copy-config", description: `new stack ${stack}: config from Pulumi.dev.yaml`, argv: ["Pulumi.dev.yaml", `Pulumi.${stack}.yaml`] });
  }
  const passThrough = input.passThrough ?? [];
  if (input.action === "up") {
    steps.push({ kind: "run", description: `select or create stack ${stack}`, argv: ["pulumi", "stack", "select", "--create", stack] });
    steps.push({ kind: "run", description: `deploy ${stack}`, argv: ["pulumi", "up", "--stack", stack, "--yes", ...passThrough] });
  } else {
    steps.push({ kind: "run", description: `destroy ${stack}`, argv: ["pulumi", "destroy", "--stack", stack, "--yes", ...passThrough] });
    const keepConfig = committedStacks.has(stack) ? ["--preserve-config"] : [];
    steps.push({ kind: "run", description: `remove stack ${stack}`, argv: ["pulumi", "stack", "rm", stack, "--yes", ...keepConfig] });
  }
  return { stack, env: localBackendEnv(input.projectRoot, input.environment), steps };
}

/** A file state backend inside the project: no login, no cloud. */
export function localBackendEnv(projectRoot: string, environment: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: environment.PULUMI_BACKEND_URL ?? `file://${projectRoot}/${stateDirName}`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  if (!environment.PULUMI_CONFIG_PASSPHRASE && !environment.PULUMI_CONFIG_PASSPHRASE_FILE) env.PULUMI_CONFIG_PASSPHRASE = defaultLocalPassphrase;
  return env;
}
