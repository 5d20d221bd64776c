import { chmodSync, chownSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { missingAccessOnDisk } from "./pathAccess";
import type { ServerUser } from "./serverUser";

/**
 * A new directory `user` owns under `parent` (default: the temp directory), for
 * a server's data, sockets and rendered files. Refuses, naming the directory
 * and the permission, when `user` could not reach it.
 */
export function serverDir(user: ServerUser, label: string, parent: string = tmpdir()): string {
  const missing = missingAccessOnDisk(parent, user, "search");
  if (missing)
    throw new Error(
      `cannot give the server user (${user.name}) a directory under ${parent}: ${missing.message}. Set TMPDIR to a directory it can reach`,
    );
  const directory = mkdtempSync(path.join(parent, `pgplat-${label}-`));
  chmodSync(directory, 0o755);
  chownSync(directory, user.uid, user.gid);
  return directory;
}
