import { chownSync, writeFileSync } from "node:fs";
import type { ServerUser } from "../scripts/lib/serverUser";

/** Writes a file only `user` (the server) can read: config files may hold verifiers and password hashes. */
export function writeOwned(file: string, content: string, user: ServerUser): void {
  writeFileSync(file, content, { mode: 0o600 });
  if ((process.getuid?.() ?? 0) === 0) chownSync(file, user.uid, user.gid);
}

/** Whether this process runs as root, and so starts the servers as the unprivileged server user. */
export function runningAsRoot(): boolean {
  return (process.getuid?.() ?? 0) === 0;
}
