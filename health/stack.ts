import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { configNamespace, formatIssues, monitoringLogin, parseStackConfig, type StackConfig } from "../config";
import { localBackendEnv } from "../scripts/devCommands";
import { namespaceValues, readStackFile } from "../config/stackFile";
import type { HealthTargets } from "./run";

/** The stack outputs the report reads (see components/platform.ts). */
export interface StackOutputs {
  readonly target?: string;
  readonly postgres?: { readonly host: string; readonly port: number };
  readonly pgbouncer?: { readonly host: string; readonly port: number };
  readonly connectionUris?: Readonly<Record<string, string>>;
  readonly redisUri?: string;
  readonly redisMonitorUri?: string;
}

/** The stack's config (for its thresholds), validated like `pulumi up` does. */
export function stackConfigOf(projectRoot: string, stack: string): StackConfig {
  const file = path.join(projectRoot, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) throw new Error(`no Pulumi.${stack}.yaml in ${projectRoot}`);
  const parsed = parseStackConfig(namespaceValues(readStackFile(file).config, configNamespace));
  if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
  return parsed.config;
}

/**
 * Where and as whom to check, from the outputs (pure). The monitoring login's
 * URI goes through PgBouncer; the database checks go straight to PostgreSQL
 * (on AWS through `aws.adminHost`/`adminPort`, the tunnel the README documents),
 * and the PgBouncer checks use the same login as its stats user.
 */
export function targetsFromOutputs(outputs: StackOutputs, config: StackConfig): HealthTargets {
  const monitoringUri = outputs.connectionUris?.[monitoringLogin];
  if (!monitoringUri || !outputs.postgres)
    throw new Error(`the stack has no outputs connectionUris.${monitoringLogin} and postgres: run pulumi up first`);
  const direct = new URL(monitoringUri);
  direct.hostname = config.aws?.adminHost ?? outputs.postgres.host;
  direct.port = String(config.aws?.adminPort ?? outputs.postgres.port);
  if (config.aws) {
    direct.searchParams.set("sslmode", config.aws.sslmode);
    if (config.aws.sslRootCert) direct.searchParams.set("sslrootcert", config.aws.sslRootCert);
  }
  let pgbouncerUrl: string | undefined;
  if (outputs.pgbouncer && config.target === "docker") {
    const pooled = new URL(monitoringUri);
    pooled.hostname = outputs.pgbouncer.host;
    pooled.port = String(outputs.pgbouncer.port);
    pgbouncerUrl = pooled.toString();
  }
  return { databaseUrl: direct.toString(), pgbouncerUrl, redisUrl: outputs.redisMonitorUri ?? outputs.redisUri };
}

/** `pulumi stack output --json --show-secrets`, with the project's file backend for Docker stacks (as dev:up uses). */
export function readStackOutputs(projectRoot: string, stack: string, config: StackConfig): StackOutputs {
  const env =
    config.target === "docker" ? { ...process.env, ...localBackendEnv(projectRoot, process.env) } : process.env;
  const result = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], {
    cwd: projectRoot,
    env,
    encoding: "utf8",
  });
  if (result.error) throw new Error(`cannot run the Pulumi CLI (${result.error.message}); pass --database-url instead`);
  // Pulumi's own error text names the stack, never an output value.
  if (result.status !== 0)
    throw new Error(`pulumi stack output failed: ${result.stderr.trim().split("\n").slice(-1)[0]}`);
  return JSON.parse(result.stdout) as StackOutputs;
}
