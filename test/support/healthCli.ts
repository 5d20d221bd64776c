import { spawn } from "node:child_process";
import * as path from "node:path";
import type { ConnectionSettings } from "../../migrations";

const runTs = path.join(__dirname, "..", "..", "scripts", "lib", "run-ts.sh");

export interface HealthRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm run -s health -- <args>` the way an operator does (through scripts/lib/run-ts.sh). */
export function runHealthCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<HealthRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [runTs, "scripts/health.ts", ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface JsonCheck {
  readonly name: string;
  readonly status: "ok" | "warning" | "critical";
  readonly value: number | null;
  readonly threshold: unknown;
  readonly detail: string;
}

export interface JsonReport {
  readonly status: string;
  readonly error?: string;
  readonly checks: readonly JsonCheck[];
}

/** Runs the CLI with --json and parses its one document. */
export async function healthJson(
  args: readonly string[],
): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const run = await runHealthCli([...args, "--json"]);
  try {
    return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
  } catch {
    throw new Error(`health --json printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
}

/** Check name → status, for exact comparisons. */
export function statuses(report: JsonReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.name, check.status]));
}

export function postgresUrl(connection: ConnectionSettings): string {
  return `postgresql://${encodeURIComponent(connection.user)}:${encodeURIComponent(connection.password)}@${connection.host}:${connection.port}/${encodeURIComponent(connection.database)}`;
}
