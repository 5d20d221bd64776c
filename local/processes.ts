import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { ServerUser } from "../scripts/lib/serverUser";
import { runningAsRoot } from "./ownedFile";

/** A server started by `npm start`: enough to find it again from another process. */
export interface ServerProcess {
  readonly pid: number;
  /** The executable's base name, checked against /proc so a reused pid is never signalled. */
  readonly command: string;
}

export interface LaunchArgs {
  readonly command: string;
  readonly argv: readonly string[];
  readonly user: ServerUser;
  /** Gets the server's stdout and stderr (appended). */
  readonly logFile: string;
  /** @default "/" (a server user may not be able to enter the caller's directory) */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The program that ends up running, when `command` execs it (a shell that sets a limit first).
   * @default the base name of `command`
   */
  readonly program?: string;
}

/**
 * Starts a server in its own session (setsid), its output appended to a log
 * file, so it outlives the caller and never holds the caller's terminal or
 * pipes: `out=$(npm start -- --detach)` returns.
 */
export function launchDetached(args: LaunchArgs): Promise<ServerProcess> {
  const log = openSync(args.logFile, "a", 0o600);
  try {
    const child = spawn(args.command, args.argv, {
      detached: true,
      stdio: ["ignore", log, log],
      cwd: args.cwd ?? "/",
      env: { PATH: process.env.PATH, LANG: "C.UTF-8", ...args.env },
      ...(runningAsRoot() ? { uid: args.user.uid, gid: args.user.gid } : {}),
    });
    child.unref();
    return new Promise((resolve, reject) => {
      child.once("error", (error) => reject(new Error(`cannot run ${args.command}: ${error.message}`)));
      child.once("spawn", () => resolve({ pid: child.pid!, command: args.program ?? args.command.split("/").pop()! }));
    });
  } finally {
    closeSync(log);
  }
}

/** Whether the server still runs: the pid exists, is not a zombie, and runs the same program. */
export function isRunning(server: ServerProcess): boolean {
  if (!pidAlive(server.pid)) return false;
  try {
    // comm, not cmdline: servers rewrite their argv into a status title (Redis shows its address there).
    return readFileSync(`/proc/${server.pid}/comm`, "utf8").trim() === server.command.slice(0, 15);
  } catch {
    return false;
  }
}

/** Whether `pid` exists and is not a zombie (an exited child nobody has reaped yet). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

/** Sends `signal` and waits for the server to exit; SIGKILL after `graceMs`. */
export async function stopServer(server: ServerProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!isRunning(server) || !signalled(server.pid, signal)) return;
  const deadline = Date.now() + graceMs;
  while (isRunning(server)) {
    if (Date.now() > deadline) {
      signalled(server.pid, "SIGKILL");
      await until(() => !isRunning(server), 5_000);
      return;
    }
    await sleep(50);
  }
}

/** Sends `signal`; false when the process is already gone. */
function signalled(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The end of a server's log, for an error message. */
export function logTail(logFile: string, bytes = 2000): string {
  try {
    const text = readFileSync(logFile, "utf8");
    return text.slice(-bytes).trim();
  } catch {
    return "";
  }
}

/** Whether nothing listens on `port` at `host` (a bind succeeds). */
export function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel considers free right now. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}

/** Waits for `ready`; when the server never gets there it is stopped with `signal`, so a failed start leaves nothing running. */
export async function readyOrStopped(
  server: ServerProcess,
  signal: NodeJS.Signals,
  ready: Promise<unknown>,
): Promise<ServerProcess> {
  try {
    await ready;
    return server;
  } catch (error) {
    await stopServer(server, signal, 10_000);
    throw error;
  }
}

/** Retries `attempt` until it resolves; fails with the last error after `timeoutMs`, or at once with the log `gaveUp` returns once the server has exited. */
export async function waitUntilReady<T>(
  what: string,
  attempt: () => Promise<T>,
  timeoutMs: number,
  gaveUp: () => string | undefined = () => undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const stopped = gaveUp();
    if (stopped !== undefined) throw new Error(`${what} exited while starting:\n${stopped}`);
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what} did not become ready within ${timeoutMs / 1000} s: ${(lastError as Error)?.message ?? lastError}`,
      );
    await sleep(50);
  }
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(50);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
