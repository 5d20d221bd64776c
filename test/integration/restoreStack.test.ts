import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresBinaries } from "../../scripts/lib/postgresBinaries";
import { startPostgres, superuser, type PostgresServer } from "../support/postgresServer";
import { serverTempDir } from "../support/processes";
import { stackConfig } from "../support/stackConfig";

// restore-before-start.sh as the restored stack's container runs it (as root, before the first start),
// with the same tools: the bundled backup tool as pgplat-basebackup, gosu, pg_ctl and psql.
const projectRoot = path.join(__dirname, "..", "..");
const config = stackConfig({ postgres: { archiveTimeoutSeconds: 2 } });
let source: PostgresServer;
let tools: string;
const newPassword = `new-${Math.random().toString(36).slice(2)}`;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  source = await startPostgres(config);
  tools = path.join(source.root, "tools");
  mkdirSync(tools);
  const bundle = path.join(tools, "pgplat-basebackup.js");
  const built = spawnSync("bash", [path.join(projectRoot, "scripts", "container", "bundle-basebackup.sh"), bundle], {
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`bundling failed: ${built.stderr}`);
  const script = (name: string, body: string) => {
    writeFileSync(path.join(tools, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(tools, name), 0o755);
  };
  script("pgplat-basebackup", `exec "${process.execPath}" "${bundle}" "$@"`);
  // The image's gosu: run a command as a user.
  script("gosu", 'user=$1; shift; exec setpriv --reuid="$user" --regid="$user" --init-groups "$@"');
  await source.query("create table items (id int primary key)");
  await source.query("insert into items select generate_series(1, 10)");
  await source.query("create role app_user login password 'source-password'");
  const repo = path.join(source.root, "backups");
  const url = `postgresql://${superuser}:${encodeURIComponent(source.superuserPassword)}@127.0.0.1:${source.port}/postgres`;
  const take = spawnSync(
    path.join(tools, "pgplat-basebackup"),
    ["take", "--database-url", url, "--pgdata", path.join(source.root, "data"), "--repo", repo],
    { encoding: "utf8" },
  );
  if (take.status !== 0) throw new Error(take.stderr);
  await source.query("insert into items select generate_series(11, 20)");
  const [{ segment }] = await source.query<{ segment: string }>("select pg_walfile_name(pg_switch_wal()) as segment");
  while (!existsSync(path.join(source.archiveDir, segment))) await new Promise((resolve) => setTimeout(resolve, 100));
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await source?.stop();
});

function runRestoreBeforeStart(dataDir: string, credentials: string) {
  return spawnSync("sh", [path.join(projectRoot, "scripts", "container", "restore-before-start.sh")], {
    encoding: "utf8",
    env: {
      ...process.env,
      PATH: `${tools}:${postgresBinaries({ user: source.user }).binDir}:${process.env.PATH}`,
      PGDATA: dataDir,
      PGPLAT_SERVER_USER: "postgres",
      PGPLAT_RESTORE: `--repo ${path.join(source.root, "backups")} --wal-archive ${source.archiveDir} --latest`,
      PGPLAT_RESTORE_CREDENTIALS: credentials,
    },
    timeout: 180_000,
  });
}

describe("a stack restored from another stack's backups", () => {
  it("restores into the empty volume, replays and promotes, gives the roles this stack's credentials, and leaves the server stopped", async () => {
    // A fresh named volume: an empty directory owned by the server's user.
    const root = serverTempDir(source.user, "restore-stack");
    cleanups.push(async () => void spawnSync("rm", ["-rf", root]));
    const dataDir = path.join(root, "data");
    mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, source.user.uid, source.user.gid);
    const credentials = path.join(root, "restore-credentials.sql");
    writeFileSync(
      credentials,
      `ALTER ROLE "postgres" PASSWORD '${newPassword}';\nALTER ROLE "app_user" PASSWORD '${newPassword}-app';\n`,
      { mode: 0o400 },
    );
    chownSync(credentials, source.user.uid, source.user.gid);

    const result = runRestoreBeforeStart(dataDir, credentials);
    expect(result.stderr).toBe("");
    expect(result.status, result.stdout).toBe(0);
    expect(existsSync(path.join(dataDir, "pgplat-restore-pending"))).toBe(false);
    expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false);
    expect(existsSync(path.join(dataDir, "recovery.signal"))).toBe(false);

    // The real server then starts on it with the stack's rendered config.
    const restored = await startPostgres(config, { restored: { root, superuserPassword: newPassword } });
    cleanups.push(() => restored.stop());
    expect(await restored.query("select count(*)::int as n, max(id) as max from items")).toEqual([{ n: 20, max: 20 }]);
    await expect(
      restored.connect({ password: source.superuserPassword }).then((client) => client.end()),
    ).rejects.toThrow(/password authentication failed/);
    const app = await restored.connect({ user: "app_user", password: `${newPassword}-app` });
    await app.end();
    // It archives into its own archive, on a new timeline; the source's archive has no trace of it.
    expect(readdirSync(source.archiveDir).filter((name) => name.endsWith(".history"))).toEqual([]);
    // Stop the server but keep its directory, as a container restart keeps the volume.
    await restored.process.stop("SIGINT");

    // A second start of the container does nothing more.
    const again = runRestoreBeforeStart(dataDir, credentials);
    expect(again.status).toBe(0);
    expect(again.stdout + again.stderr).toBe("");
  }, 240_000);

  it("runs the restore step from the image's entrypoint only in a restored stack, before the server's command", () => {
    const root = serverTempDir(source.user, "entrypoint");
    cleanups.push(async () => void spawnSync("rm", ["-rf", root]));
    const stubs = path.join(root, "bin");
    mkdirSync(stubs);
    writeFileSync(path.join(stubs, "pgplat-restore-before-start"), `#!/bin/sh\necho restore-step\n`, { mode: 0o755 });
    const entrypoint = (extra: NodeJS.ProcessEnv) =>
      spawnSync(
        "sh",
        [path.join(projectRoot, "scripts", "container", "postgres-entrypoint.sh"), "echo", "server-command"],
        {
          encoding: "utf8",
          env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, PGPLAT_SERVER_DIRS: "", ...extra },
        },
      );
    expect(entrypoint({ PGPLAT_RESTORE: "--latest" })).toMatchObject({
      status: 0,
      stdout: "restore-step\nserver-command\n",
    });
    expect(entrypoint({ PGPLAT_RESTORE: "" })).toMatchObject({ status: 0, stdout: "server-command\n" });
  });

  it("refuses, naming the problem, and leaves the volume empty when the source has no backup", () => {
    const root = serverTempDir(source.user, "restore-none");
    cleanups.push(async () => void spawnSync("rm", ["-rf", root]));
    const dataDir = path.join(root, "data");
    mkdirSync(dataDir, { mode: 0o700 });
    const emptyRepo = path.join(root, "no-backups");
    mkdirSync(emptyRepo);
    const result = spawnSync("sh", [path.join(projectRoot, "scripts", "container", "restore-before-start.sh")], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${tools}:${postgresBinaries({ user: source.user }).binDir}:${process.env.PATH}`,
        PGDATA: dataDir,
        PGPLAT_RESTORE: `--repo ${emptyRepo} --wal-archive ${source.archiveDir} --latest`,
        PGPLAT_RESTORE_CREDENTIALS: "/nonexistent",
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("the repository holds no complete backup\n");
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
