import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { completeBackups } from "../../backups/repository";
import type { LocalOutputs } from "../../local/outputs";
import { superuserConnection } from "../../local/postgres";
import { readLocalSecrets } from "../../local/secrets";
import { findStateDir } from "../../local/stateDir";
import { pidAlive, portFree } from "../../local/processes";
import {
  localStateRoot,
  queryOnce,
  processesUnder,
  recordedServers,
  runLocalCli,
  startInForeground,
  stateExists,
  type LocalStateRoot,
} from "../support/localStack";
import { RespClient } from "../support/resp";

let root: LocalStateRoot;
beforeAll(() => {
  root = localStateRoot();
});
afterEach(async () => {
  await root?.stopAll();
});
afterAll(async () => {
  await root?.cleanup();
});

async function startDetached(args: readonly string[]): Promise<LocalOutputs> {
  const run = await runLocalCli("start", [...args, "--detach", "--json"], root);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as LocalOutputs;
}

async function allStopped(outputs: LocalOutputs, pids: readonly number[]): Promise<void> {
  expect(pids.filter(pidAlive)).toEqual([]);
  expect(processesUnder(root)).toEqual([]);
  for (const port of [outputs.postgres.port, outputs.pgbouncer.port, outputs.redis.port])
    expect(await portFree(port, "127.0.0.1")).toBe(true);
}

describe("npm start (local platform)", () => {
  it("starts dev, serves the example schema through PgBouncer and Redis, keeps data across stop and start, and resets", async () => {
    const outputs = await startDetached([]);
    expect(Object.keys(outputs).sort()).toEqual([
      "connectionUris",
      "pgbouncer",
      "pooler",
      "postgres",
      "redis",
      "redisMonitorUri",
      "redisUri",
      "target",
    ]);
    expect(Object.keys(outputs.connectionUris).sort()).toEqual([
      "app_migrator",
      "app_monitoring",
      "app_reporting",
      "app_user",
    ]);
    const appUser = new URL(outputs.connectionUris.app_user);
    expect([appUser.hostname, Number(appUser.port), appUser.pathname]).toEqual([
      "127.0.0.1",
      outputs.pgbouncer.port,
      "/app",
    ]);

    // The app login, through PgBouncer, in the schema the migrations created.
    const [{ id }] = await queryOnce(
      outputs.connectionUris.app_user,
      "insert into app.customers (email, name) values ($1, $2) returning id",
      ["ada@example.com", "Ada"],
    );
    expect(
      await queryOnce(
        outputs.connectionUris.app_user,
        "select current_user as login, name from app.customers where id = $1",
        [id],
      ),
    ).toEqual([{ login: "app_user", name: "Ada" }]);
    expect(
      await queryOnce(outputs.connectionUris.app_reporting, "select count(*)::int as n from app.customers"),
    ).toEqual([{ n: 1 }]);
    await expect(queryOnce(outputs.connectionUris.app_reporting, "delete from app.customers")).rejects.toThrow(
      /permission denied/,
    );

    const redisUri = new URL(outputs.redisUri);
    const redis = await RespClient.connect(Number(redisUri.port));
    try {
      expect(await redis.command("AUTH", redisUri.username, decodeURIComponent(redisUri.password))).toBe("OK");
      expect(await redis.command("SET", "greeting", "hello")).toBe("OK");
      expect(await redis.command("GET", "greeting")).toBe("hello");
    } finally {
      redis.close();
    }

    // The role DDL carried SCRAM verifiers: none of them reached the server log.
    expect(readFileSync(`${findStateDir("dev", root.env).logDir}/postgres.log`, "utf8")).not.toContain(
      "SCRAM-SHA-256$",
    );

    const again = await runLocalCli("start", ["--json"], root);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain("already running");
    expect(JSON.parse(again.stdout)).toEqual(outputs);

    const pids = recordedServers("dev", root).map((server) => server.pid);
    // PostgreSQL, PgBouncer, Redis and the base backup schedule (dev has backups on).
    expect(pids).toHaveLength(4);
    const stopped = await runLocalCli("stop", [], root);
    expect([stopped.status, stopped.stdout.trim()]).toEqual([0, `dev: stopped; data kept in ${root.dir}/dev`]);
    await allStopped(outputs, pids);
    expect((await runLocalCli("stop", [], root)).stdout.trim()).toBe("dev: not running");
    // The schedule took a base backup at once (none existed) and finished it before stopping; WAL went to the archive beside it.
    const state = findStateDir("dev", root.env);
    expect(completeBackups(state.backupsDir)).toHaveLength(1);
    expect(readdirSync(state.walArchiveDir).some((name) => /^[0-9A-F]{24}$/.test(name))).toBe(true);

    const restarted = await startDetached(["dev"]);
    expect(restarted).toEqual(outputs);
    expect(
      await queryOnce(restarted.connectionUris.app_user, "select name from app.customers where id = $1", [id]),
    ).toEqual([{ name: "Ada" }]);

    // --reset on a running stack: stopped first, then an empty data directory with new credentials.
    const reset = await startDetached(["dev", "--reset"]);
    expect(reset.connectionUris.app_user).not.toBe(outputs.connectionUris.app_user);
    expect(await queryOnce(reset.connectionUris.app_user, "select count(*)::int as n from app.customers")).toEqual([
      { n: 0 },
    ]);
    const resetPids = recordedServers("dev", root).map((server) => server.pid);
    expect((await runLocalCli("stop", ["dev"], root)).status).toBe(0);
    await allStopped(reset, resetPids);
    // Three cold or warm starts and four stops: minutes when the two cores are shared with other jobs.
  }, 420_000);

  it("creates a stack's extra roles with their group's privileges and the read-write session limits, and drops one removed from the config", async () => {
    const file = root.stackFile("local-roles", {
      target: "docker",
      roles: {
        extra: [
          { name: "analyst", kind: "readonly" },
          { name: "worker", kind: "readwrite" },
        ],
        appStatementTimeoutMs: 12000,
      },
      pgbouncer: { defaultPoolSize: 10 },
    });
    const outputs = await startDetached([file]);
    expect(Object.keys(outputs.connectionUris).sort()).toEqual([
      "analyst",
      "app_migrator",
      "app_monitoring",
      "app_reporting",
      "app_user",
      "worker",
    ]);
    expect(
      await queryOnce(
        outputs.connectionUris.worker,
        "insert into app.customers (email, name) values ('w@example.com', 'W') returning name",
      ),
    ).toEqual([{ name: "W" }]);
    expect(await queryOnce(outputs.connectionUris.analyst, "select name from app.customers")).toEqual([{ name: "W" }]);
    await expect(
      queryOnce(
        outputs.connectionUris.analyst,
        "insert into app.customers (email, name) values ('a@example.com', 'A')",
      ),
    ).rejects.toThrow(/permission denied/);
    const settings = await queryOnce(
      outputs.connectionUris.app_migrator,
      "select rolname, array_to_string(rolconfig, ',') as config from pg_roles where rolname in ('worker', 'analyst') order by rolname",
    );
    expect(settings).toEqual([
      { rolname: "analyst", config: null },
      { rolname: "worker", config: "statement_timeout=12000,idle_in_transaction_session_timeout=60000" },
    ]);
    // A role made by hand is never the config's to drop.
    const state = findStateDir("local-roles", root.env);
    const superuser = superuserConnection(outputs.postgres.port, readLocalSecrets(state.secretsFile).superuser);
    await queryOnce(superuser, "create role by_hand login in role app_readonly");
    expect((await runLocalCli("stop", [file], root)).status).toBe(0);

    // The analyst removed from the config: the next start drops it, as pulumi up deletes its role.
    root.stackFile("local-roles", {
      target: "docker",
      roles: { extra: [{ name: "worker", kind: "readwrite" }], appStatementTimeoutMs: 12000 },
      pgbouncer: { defaultPoolSize: 10 },
    });
    const after = await startDetached([file]);
    expect(Object.keys(after.connectionUris)).not.toContain("analyst");
    expect(
      await queryOnce(
        superuser,
        "select rolname from pg_roles where rolname in ('analyst', 'worker', 'by_hand') order by rolname",
      ),
    ).toEqual([{ rolname: "by_hand" }, { rolname: "worker" }]);
    await expect(queryOnce(outputs.connectionUris.analyst, "select 1")).rejects.toThrow();
    expect(await queryOnce(after.connectionUris.worker, "select count(*)::int as n from app.customers")).toEqual([
      { n: 1 },
    ]);
    expect(Object.keys(readLocalSecrets(state.secretsFile).logins)).not.toContain("analyst");
    expect((await runLocalCli("stop", [file], root)).status).toBe(0);
  }, 300_000);

  it("refuses a port already in use with a clear error and leaves nothing running", async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const file = root.stackFile("local-busy", { target: "docker", pgbouncer: { port } });
      const run = await runLocalCli("start", [file, "--detach"], root);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`PgBouncer: 127.0.0.1:${port} is already in use (pgplat:pgbouncer.port = ${port})`);
      expect(run.stderr).toContain("nothing was started");
      expect(recordedServers("local-busy", root)).toEqual([]);
      expect(processesUnder(root)).toEqual([]);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  // A cold start takes its first base backup at once; stopping waits for it to complete.
  it.each(["SIGINT", "SIGTERM"] as const)(
    "stops all three servers and the backup schedule on %s in the foreground, with no orphan",
    async (signal) => {
      const file = root.stackFile("local-signals", { target: "docker" });
      const { child, exited } = await startInForeground([file], root);
      const servers = recordedServers("local-signals", root);
      expect(servers.map((server) => server.command).sort()).toEqual(["node", "pgbouncer", "postgres", "redis-server"]);
      child.kill(signal);
      const run = await exited;
      expect(run.status).toBe(0);
      expect(run.stderr).toContain(`${signal}: stopping PostgreSQL, PgBouncer and Redis`);
      expect(servers.map((server) => server.pid).filter(pidAlive)).toEqual([]);
      expect(processesUnder(root)).toEqual([]);
      // --delete removes the stopped stack's whole state.
      const deleted = await runLocalCli("stop", [file, "--delete"], root);
      expect(deleted.status).toBe(0);
      expect(deleted.stdout).toContain(`local-signals: deleted ${root.dir}/local-signals`);
      expect(stateExists("local-signals", root)).toBe(false);
    },
    180_000,
  );

  it("refuses an invalid stack config before anything starts, naming every problem", async () => {
    const file = root.stackFile("local-invalid", {
      target: "docker",
      postgres: { workload: "batch", maxConnections: 3 },
    });
    const run = await runLocalCli("start", [file, "--detach"], root);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Invalid stack config (2 problems); nothing was created:");
    expect(run.stderr).toMatch(/postgres\.workload.*batch/);
    expect(run.stderr).toMatch(/postgres\.maxConnections.*3/);
    expect(stateExists("local-invalid", root)).toBe(false);
    expect(run.stdout).toBe("");
  });
});
