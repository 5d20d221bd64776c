import { realpathSync, statSync } from "node:fs";
import * as path from "node:path";

/** The identity a server process runs under: spawn with uid/gid drops supplementary groups, so these two decide access. */
export interface ProcessIdentity {
  readonly uid: number;
  readonly gid: number;
}

export interface FileModeOwner {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** A permission `who` lacks on `path`, said the way chmod would fix it. */
export interface MissingAccess {
  readonly path: string;
  readonly permission: "search (x)" | "read (r)" | "execute (x)";
  readonly message: string;
}

const bits = { r: 4, x: 1 } as const;

/** Whether `who` holds `bit` (r or x) on a file, by the owner/group/other class the kernel picks. */
export function holds(stat: FileModeOwner, who: ProcessIdentity, bit: keyof typeof bits): boolean {
  if (who.uid === 0) return bit === "r" || (stat.mode & 0o111) !== 0;
  const shift = stat.uid === who.uid ? 6 : stat.gid === who.gid ? 3 : 0;
  return ((stat.mode >> shift) & bits[bit]) !== 0;
}

/**
 * The first permission `who` lacks to use `target`: search on every directory
 * from the root down, then `need` on the target itself. Pure over `stat`, so
 * the rule is tested without changing real permissions.
 */
export function missingAccess(
  target: string,
  who: ProcessIdentity,
  need: "read" | "execute" | "search",
  stat: (p: string) => FileModeOwner,
): MissingAccess | undefined {
  const absolute = path.resolve(target);
  const parts = absolute.split(path.sep).filter(Boolean);
  for (let depth = 0; depth < parts.length; depth++) {
    const directory = path.sep + parts.slice(0, depth).join(path.sep);
    if (!holds(stat(directory), who, "x")) return describe(directory, "search (x)", who, absolute);
  }
  const own = stat(absolute);
  if (need === "read" && !holds(own, who, "r")) return describe(absolute, "read (r)", who, absolute);
  if (need === "execute" && !holds(own, who, "x")) return describe(absolute, "execute (x)", who, absolute);
  if (need === "search" && !holds(own, who, "x")) return describe(absolute, "search (x)", who, absolute);
  return undefined;
}

/** missingAccess on the real file system, following symlinks to the path the kernel walks. */
export function missingAccessOnDisk(
  target: string,
  who: ProcessIdentity,
  need: "read" | "execute" | "search",
): MissingAccess | undefined {
  return missingAccess(realpathSync(target), who, need, (p) => statSync(p));
}

function describe(
  at: string,
  permission: MissingAccess["permission"],
  who: ProcessIdentity,
  target: string,
): MissingAccess {
  const reaching = at === target ? "" : ` on the way to ${target}`;
  return {
    path: at,
    permission,
    message: `uid ${who.uid} (gid ${who.gid}) lacks ${permission} permission on ${at}${reaching}`,
  };
}
