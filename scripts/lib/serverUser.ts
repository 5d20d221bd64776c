import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import type { ProcessIdentity } from "./pathAccess";

/** The unprivileged account PostgreSQL, PgBouncer and Redis run as when pgplat runs as root (PostgreSQL refuses root). */
export const serverAccount = "postgres";

export interface ServerUser extends ProcessIdentity {
  readonly name: string;
}

/** The current user, or `serverAccount` (created as a system user if missing) when running as root. */
export function serverUser(): ServerUser {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { name: String(uid), uid, gid: process.getgid?.() ?? uid };
  const id = (flag: string) => spawnSync("id", [flag, serverAccount], { encoding: "utf8" });
  if (id("-u").status !== 0) {
    const created = spawnSync(
      "useradd",
      ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", serverAccount],
      { encoding: "utf8" },
    );
    if (created.status !== 0)
      throw new Error(`cannot create the ${serverAccount} user to run servers as: ${spawnFailure(created)}`);
  }
  return { name: serverAccount, uid: Number(id("-u").stdout.trim()), gid: Number(id("-g").stdout.trim()) };
}

/**
 * Why a spawnSync did not succeed, in words: the spawn error (EACCES, ENOENT)
 * when the process never ran, else the exit status or signal and its output.
 * (Reading status/stderr alone prints `(null): nullnull` for a process that never started.)
 */
export function spawnFailure(
  result: Pick<SpawnSyncReturns<string>, "error" | "status" | "signal" | "stdout" | "stderr">,
): string {
  if (result.error) return `could not run: ${result.error.message}`;
  const ended = result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`;
  const output = `${result.stderr ?? ""}${result.stdout ?? ""}`.trim();
  return output ? `${ended}: ${output}` : ended;
}
