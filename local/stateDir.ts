import { createHash } from "node:crypto";
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import * as path from "node:path";
import { missingAccessOnDisk } from "../scripts/lib/pathAccess";
import type { ServerUser } from "../scripts/lib/serverUser";

const projectRoot = path.join(__dirname, "..");

/** Environment variable naming another root for every stack's local state (tests point it at a temp directory). */
export const stateRootVariable = "PGPLAT_LOCAL_STATE";

/**
 * Where a root-run server keeps its state when it cannot reach the project's
 * own directory (a checkout only root can enter). Root-owned, searchable by all.
 */
export const reachableStateRoot = "/var/lib/pgplat";

/** The files and directories of one stack's local platform. */
export interface StateDir {
  readonly stack: string;
  /** `<state root>/<stack>`, the path the user sees (may be a symlink to `real`). */
  readonly dir: string;
  /** Where the files are; what the servers are given. */
  readonly real: string;
  readonly postgresDir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly walArchiveDir: string;
  readonly backupsDir: string;
  readonly pgbouncerDir: string;
  readonly redisDir: string;
  readonly logDir: string;
  /** Generated passwords and SCRAM verifiers; readable by the invoking user only. */
  readonly secretsFile: string;
  /** Process ids and ports of the running servers. */
  readonly runFile: string;
}

/** The state root: `$PGPLAT_LOCAL_STATE`, else the git-ignored `.pgplat-local/` of the project. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env[stateRootVariable] || path.join(projectRoot, ".pgplat-local"));
}

/** The layout of `stack`'s state below `real` (pure). */
export function stateLayout(stack: string, dir: string, real: string): StateDir {
  const postgresDir = path.join(real, "postgres");
  return {
    stack,
    dir,
    real,
    postgresDir,
    dataDir: path.join(postgresDir, "data"),
    socketDir: path.join(postgresDir, "socket"),
    walArchiveDir: path.join(real, "wal-archive"),
    backupsDir: path.join(real, "backups"),
    pgbouncerDir: path.join(real, "pgbouncer"),
    redisDir: path.join(real, "redis"),
    logDir: path.join(real, "logs"),
    secretsFile: path.join(real, "secrets.json"),
    runFile: path.join(real, "run.json"),
  };
}

/** The stack's state as it is now, without creating anything. */
export function findStateDir(stack: string, env: NodeJS.ProcessEnv = process.env): StateDir {
  const dir = path.join(stateRoot(env), stack);
  const real = isSymlink(dir) ? readlinkSync(dir) : dir;
  return stateLayout(stack, dir, real);
}

/**
 * Creates the stack's state directory where `user` can reach it: in the state
 * root when it can, otherwise (running as root from a private checkout) under
 * /var/lib/pgplat with a symlink in the state root.
 */
export function ensureStateDir(stack: string, user: ServerUser, env: NodeJS.ProcessEnv = process.env): StateDir {
  const root = stateRoot(env);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const dir = path.join(root, stack);
  if (existsSync(dir) || isSymlink(dir)) return prepare(findStateDir(stack, env), user);
  const blocked = missingAccessOnDisk(root, user, "search");
  if (!blocked) {
    mkdirSync(dir, { mode: 0o755 });
    return prepare(stateLayout(stack, dir, dir), user);
  }
  if ((process.getuid?.() ?? 0) !== 0) throw new Error(`the server user cannot reach ${root}: ${blocked.message}`);
  const real = path.join(
    reachableStateRoot,
    `local-${createHash("sha256").update(root).digest("hex").slice(0, 12)}`,
    stack,
  );
  mkdirSync(real, { recursive: true, mode: 0o755 });
  symlinkSync(real, dir);
  return prepare(stateLayout(stack, dir, real), user);
}

/** Removes the stack's state (and its reachable copy); the next start begins empty. */
export function removeStateDir(state: StateDir): void {
  rmSync(state.real, { recursive: true, force: true });
  rmSync(state.dir, { recursive: true, force: true });
  // The checkout's own directory under /var/lib/pgplat goes with its last stack.
  const parent = path.dirname(state.real);
  if (state.real !== state.dir && existsSync(parent) && readdirSync(parent).length === 0) rmdirSync(parent);
}

/** Creates the layout's directories, the server's owned by `user`. */
export function prepare(state: StateDir, user: ServerUser): StateDir {
  mkdirSync(state.real, { recursive: true, mode: 0o755 });
  mkdirSync(state.logDir, { recursive: true, mode: 0o700 });
  // Only the server user writes these; PostgreSQL insists on 0700 for its data directory.
  for (const owned of [
    state.postgresDir,
    state.socketDir,
    state.walArchiveDir,
    state.backupsDir,
    state.pgbouncerDir,
    state.redisDir,
  ]) {
    mkdirSync(owned, { recursive: true, mode: 0o700 });
    chownSync(owned, user.uid, user.gid);
  }
  return state;
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
