import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { serverDir } from "../../scripts/lib/serverDir";
import { spawnFailure, type ServerUser } from "../../scripts/lib/serverUser";

// PostgreSQL and PgBouncer refuse to run as root; the library picks the user servers run as and their directories.
export { serverUser, type ServerUser } from "../../scripts/lib/serverUser";

/** A temporary directory the server user owns; removed by `cleanup`. */
export function serverTempDir(user: ServerUser, label: string): string {
  return serverDir(user, label);
}

export function removeDir(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on("exit", () => running.forEach((child) => child.kill("SIGKILL")));

export function startProcess(
  command: string,
  args: readonly string[],
  user: ServerUser,
  env: NodeJS.ProcessEnv = {},
): RunningProcess {
  const child = spawn(command, args, {
    uid: user.uid,
    gid: user.gid,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    child.on("exit", () => resolve());
    // A process that cannot start (EACCES, ENOENT) says why in its log instead of crashing the test worker.
    child.on("error", (error) => {
      output += `could not run ${command}: ${error.message}\n`;
      resolve();
    });
  });
  return {
    child,
    log: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    },
  };
}

export function runAs(user: ServerUser, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, {
    uid: user.uid,
    gid: user.gid,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${spawnFailure(result)}`);
  return result.stdout;
}

export async function waitFor<T>(
  what: string,
  attempt: () => Promise<T>,
  timeoutMs = 30_000,
  describeFailure: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`timed out waiting for ${what}: ${String(lastError)}\n${describeFailure()}`);
}

/**
 * Finds an OS binary. Outside CI a missing binary skips its tests with a
 * message saying what to install; in CI (which installs them) it is an error.
 */
export function osBinary(name: string, aptPackage: string): { path: string | undefined; skipReason: string } {
  const candidates = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/bin", "/usr/local/bin"].map(
    (directory) => path.join(directory, name),
  );
  const found = candidates.find((candidate) => existsSync(candidate));
  const skipReason = `${name} not found: install it (apt-get install ${aptPackage}) or run \`npm test\`, which installs it`;
  if (!found && process.env.CI) throw new Error(skipReason);
  if (!found) console.warn(`SKIPPED: ${skipReason}`);
  return { path: found, skipReason };
}

export interface ManagedServer {
  readonly process: RunningProcess;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a server as `user`, waits until `ready` succeeds, and cleans up (process and `root`) if it never does. */
export async function startManagedServer(args: {
  readonly what: string;
  readonly command: string;
  readonly argv: readonly string[];
  readonly user: ServerUser;
  readonly root: string;
  readonly ready: () => Promise<unknown>;
  readonly stopSignal: NodeJS.Signals;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<ManagedServer> {
  const server = startProcess(args.command, args.argv, args.user, args.env);
  const stop = async () => {
    await server.stop(args.stopSignal);
    removeDir(args.root);
  };
  try {
    await waitFor(`${args.what} to accept connections`, args.ready, args.timeoutMs ?? 30_000, server.log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { process: server, stop };
}
