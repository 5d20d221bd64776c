import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client, type ClientConfig } from "pg";
import { stringify } from "yaml";
import { readRun, stopLocalPlatform } from "../../local/platform";
import { pidAlive, type ServerProcess } from "../../local/processes";
import { findStateDir, stateRootVariable } from "../../local/stateDir";

const projectRoot = path.join(__dirname, "..", "..");

/** A state root of its own (PGPLAT_LOCAL_STATE), so tests never touch the project's .pgplat-local/. */
export interface LocalStateRoot {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Writes `Pulumi.<stack>.yaml` with these `pgplat:` keys into the root; returns its path (what npm start accepts). */
  stackFile(stack: string, config: Record<string, unknown>): string;
  /** Stops every stack started under the root and removes it, leaving nothing running and nothing in the temp directory. */
  /** Stops every stack under the root (data kept), so one failed test leaves nothing running for the next. */
  stopAll(): Promise<void>;
  cleanup(): Promise<void>;
}

export function localStateRoot(): LocalStateRoot {
  const dir = mkdtempSync(path.join(tmpdir(), "pgplat-local-"));
  // The servers run as the unprivileged server user: it must reach its directories inside.
  chmodSync(dir, 0o755);
  const env = { ...process.env, [stateRootVariable]: dir };
  const stopAll = async (): Promise<void> => {
    for (const entry of readdirSync(dir))
      if (!entry.endsWith(".yaml")) await stopLocalPlatform(findStateDir(entry, env));
  };
  return {
    dir,
    env,
    stackFile: (stack, config) => {
      const file = path.join(dir, `Pulumi.${stack}.yaml`);
      writeFileSync(
        file,
        stringify({
          config: Object.fromEntries(Object.entries(config).map(([key, value]) => [`pgplat:${key}`, value])),
        }),
      );
      return file;
    },
    stopAll,
    cleanup: async () => {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm start`'s or `npm run stop`'s entry point (the same script npm runs) to completion. */
export function runLocalCli(command: "start" | "stop", args: readonly string[], root: LocalStateRoot): Promise<CliRun> {
  return completed(spawnCli(command, args, root));
}

/** Runs `npm run drill`'s entry point (the same script npm runs) with the root's environment, to completion. */
export function runDrillCli(args: readonly string[], root: LocalStateRoot): Promise<CliRun> {
  return completed(
    spawn("bash", [path.join(projectRoot, "scripts", "lib", "run-ts.sh"), "scripts/drill.ts", ...args], {
      cwd: projectRoot,
      env: root.env,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

function completed(child: ChildProcess): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr: withoutNpmWarnings(stderr) })),
  );
}

/** `npm start` in the foreground: resolves once it says it is running, with the process to signal. */
export async function startInForeground(
  args: readonly string[],
  root: LocalStateRoot,
): Promise<{ child: ChildProcess; exited: Promise<CliRun> }> {
  const child = spawnCli("start", args, root);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const running = new Promise<void>((resolve) =>
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("running; Ctrl-C stops it")) resolve();
    }),
  );
  const exited = new Promise<CliRun>((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr: withoutNpmWarnings(stderr) })),
  );
  await Promise.race([
    running,
    exited.then((run) => Promise.reject(new Error(`npm start exited early (${run.status}): ${run.stderr}`))),
  ]);
  return { child, exited };
}

/** The servers the stack's run record names (empty when stopped). */
export function recordedServers(stack: string, root: LocalStateRoot): ServerProcess[] {
  return Object.values(readRun(findStateDir(stack, root.env)).servers ?? {});
}

/** Processes still alive whose command line mentions the state root (PostgreSQL and PgBouncer carry their paths). */
export function processesUnder(root: LocalStateRoot): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(root.dir) && pidAlive(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

export function stateExists(stack: string, root: LocalStateRoot): boolean {
  return existsSync(path.join(root.dir, stack));
}

function spawnCli(command: "start" | "stop", args: readonly string[], root: LocalStateRoot): ChildProcess {
  return spawn("bash", [path.join(projectRoot, "scripts", "start.sh"), command, ...args], {
    cwd: projectRoot,
    env: root.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function withoutNpmWarnings(text: string): string {
  return text.replace(/^npm warn.*\n/gm, "");
}

/** One statement on a new connection (a printed URI or settings), closed again. */
export async function queryOnce(
  connection: string | ClientConfig,
  sql: string,
  values: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const client = new Client(typeof connection === "string" ? { connectionString: connection } : connection);
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}
