import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupFunctions, backupLogin } from "../../config/roles";
import { waitUntilReady } from "../../local/processes";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { stackConfig } from "../support/stackConfig";

// The backup container runs this bundle as the server's user; so does this test.
const projectRoot = path.join(__dirname, "..", "..");
let server: PostgresServer;
let bundle: string;
let passFile: string;
const password = `bk-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  server = await startPostgres(stackConfig({ postgres: { archiveTimeoutSeconds: 2 } }));
  bundle = path.join(server.root, "pgplat-basebackup.js");
  const built = spawnSync("bash", [path.join(projectRoot, "scripts", "container", "bundle-basebackup.sh"), bundle], {
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`bundling failed: ${built.stderr}`);
  await server.query(`create role ${backupLogin} login password '${password}'`);
  for (const fn of backupFunctions) await server.query(`grant execute on function pg_catalog.${fn} to ${backupLogin}`);
  await server.query("create role no_grants login password 'x'");
  passFile = path.join(server.root, "pgpass");
  writeFileSync(
    passFile,
    `127.0.0.1:${server.port}:postgres:${backupLogin}:${password}\n127.0.0.1:${server.port}:postgres:no_grants:x\n`,
    { mode: 0o600 },
  );
  chownSync(passFile, server.user.uid, server.user.gid);
});

afterAll(async () => {
  await server?.stop();
});

const repo = () => path.join(server.root, "backups");
const urlFor = (user: string) => `postgresql://${user}@127.0.0.1:${server.port}/postgres`;

function asServerUser(args: readonly string[]) {
  return spawnSync(process.execPath, [bundle, ...args], {
    uid: server.user.uid,
    gid: server.user.gid,
    encoding: "utf8",
    env: { ...process.env, PGPASSFILE: passFile },
    timeout: 120_000,
  });
}

describe("the bundled backup tool, as the backup container runs it", () => {
  it("takes a base backup as the backup login, which may run only the backup functions, with the password from a pgpass file", () => {
    const result = asServerUser([
      "take",
      "--database-url",
      urlFor(backupLogin),
      "--pgdata",
      path.join(server.root, "data"),
      "--repo",
      repo(),
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^backup \d{8}T\d{9}Z complete: /);
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it("is refused the backup functions as a login without the grant", () => {
    const result = asServerUser([
      "take",
      "--database-url",
      urlFor("no_grants"),
      "--pgdata",
      path.join(server.root, "data"),
      "--repo",
      repo(),
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("permission denied for function pg_backup_start\n");
  });

  it("reports healthy while the newest backup is young enough, unhealthy once it is not", async () => {
    expect(asServerUser(["check", "--repo", repo(), "--max-age-minutes", "10"]).status).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stale = asServerUser(["check", "--repo", repo(), "--max-age-minutes", "0.001"]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/^the newest complete backup ended \d+ minutes ago; at most 0.001 allowed\n$/);
  });

  function startSchedule(everyHours: string, repository = repo()) {
    const child = spawn(
      process.execPath,
      [
        bundle,
        "schedule",
        "--database-url",
        urlFor(backupLogin),
        "--pgdata",
        path.join(server.root, "data"),
        "--repo",
        repository,
        "--wal-archive",
        server.archiveDir,
        "--every-hours",
        everyHours,
        "--retention-days",
        "7",
      ],
      {
        uid: server.user.uid,
        gid: server.user.gid,
        env: { ...process.env, PGPASSFILE: passFile },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.on("exit", resolve));
    return { child, exited, output: () => output };
  }

  it("takes backups on schedule, prunes after each, and stops promptly on SIGTERM", async () => {
    const before = readdirSync(repo()).length;
    const schedule = startSchedule("0.001");
    await waitUntilReady(
      "two backups",
      async () => {
        if ((schedule.output().match(/^kept \d+ backup/gm) ?? []).length < 2) throw new Error("not yet");
      },
      60_000,
    );
    const stopped = Date.now();
    schedule.child.kill("SIGTERM");
    expect(await schedule.exited).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(15_000);
    expect(schedule.output()).not.toMatch(/backup failed/);
    expect((schedule.output().match(/^backup \d{8}T\d{9}Z complete/gm) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(readdirSync(repo()).length).toBeGreaterThanOrEqual(before + 2);
  }, 120_000);

  it("finishes a backup in progress on SIGTERM and then exits at once, not after its next wait", async () => {
    // An empty repository: a backup starts at once, and the next is a day away.
    const repository = path.join(server.root, "backups-sigterm");
    mkdirSync(repository, { mode: 0o700 });
    chownSync(repository, server.user.uid, server.user.gid);
    const schedule = startSchedule("24", repository);
    await waitUntilReady(
      "a backup to start",
      async () => {
        if (!readdirSync(repository).some((id) => existsSync(path.join(repository, id, "progress.json"))))
          throw new Error("not yet");
      },
      60_000,
    );
    const stopped = Date.now();
    schedule.child.kill("SIGTERM");
    expect(await schedule.exited).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(15_000);
    expect(schedule.output()).toMatch(/^backup \d{8}T\d{9}Z complete/m);
    expect(schedule.output()).not.toMatch(/backup failed/);
  }, 120_000);
});
