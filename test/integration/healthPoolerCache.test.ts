import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgbouncerAdminUser } from "../../config";
import { userlistUsers } from "../../config";
import { scramSha256Secret } from "../../components/database/scram";
import { healthJson, postgresUrl, statuses } from "../support/healthCli";
import { pgbouncerBinary, startPgbouncer, type PgbouncerServer } from "../support/pgbouncerServer";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { setUpPlatformDatabase, type PlatformDatabase } from "../support/platformDatabase";
import { osBinary, waitFor } from "../support/processes";
import { redisBinary, startRedis, type RedisServer } from "../support/redisServer";
import { RespClient } from "../support/resp";
import { stackConfig } from "../support/stackConfig";

/**
 * PgBouncer and Redis checks against the real servers, with the files the
 * Docker target renders: pgbench clients queue behind a pool of two, and
 * Redis is filled to its memory limit.
 */
const pgbench = osBinary("pgbench", "postgresql-client");
const raw = {
  pgbouncer: { defaultPoolSize: 2, reservePoolSize: 0 },
  redis: { maxmemoryMb: 16, maxmemoryPolicy: "noeviction" },
};
const passwords = {
  redisApp: `Ra${randomBytes(12).toString("hex")}`,
  redisMonitor: `Rm${randomBytes(12).toString("hex")}`,
};

let postgres: PostgresServer;
let platform: PlatformDatabase;
let pgbouncer: PgbouncerServer;
let redis: RedisServer;
let monitoringUrl: string;
const scratch = mkdtempSync(path.join(tmpdir(), "pgplat-health-pool-"));

describe.skipIf(!pgbouncerBinary.path || !redisBinary.path || !pgbench.path)(
  "health report: PgBouncer and Redis checks on the real servers",
  () => {
    beforeAll(async () => {
      postgres = await startPostgres(stackConfig(raw));
      platform = await setUpPlatformDatabase(postgres, stackConfig(raw));
      // PgBouncer fronts the platform database under its own name, with the verifiers the roles have.
      const config = stackConfig({ ...raw, postgres: { database: platform.database } });
      const verifiers = new Map(
        (
          await postgres.query<{ rolname: string; rolpassword: string }>(
            "select rolname, rolpassword from pg_authid where rolpassword is not null",
          )
        ).map((row) => [row.rolname, row.rolpassword]),
      );
      verifiers.set(
        pgbouncerAdminUser,
        scramSha256Secret({ password: randomBytes(12).toString("hex"), salt: randomBytes(16) }),
      );
      pgbouncer = await startPgbouncer(
        config,
        postgres.port,
        userlistUsers(config).map((user) => ({ user, scramSecret: verifiers.get(user)! })),
      );
      redis = await startRedis(config, passwords.redisApp, passwords.redisMonitor);
      monitoringUrl = postgresUrl(platform.as("app_monitoring"));
    }, 120_000);
    afterAll(async () => {
      await redis?.stop();
      await pgbouncer?.stop();
      await postgres?.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    const pgbouncerUrl = () => postgresUrl({ ...platform.as("app_monitoring"), port: pgbouncer.port });
    const redisUrl = (user: string, password: string) =>
      `redis://${user}:${encodeURIComponent(password)}@127.0.0.1:${redis.port}/0`;

    it("a quiet pooler and cache are healthy", async () => {
      const { code, report } = await healthJson([
        "--database-url",
        monitoringUrl,
        "--pgbouncer-url",
        pgbouncerUrl(),
        "--redis-url",
        redisUrl("monitor", passwords.redisMonitor),
      ]);
      expect(report.status).toBe("healthy");
      expect(code).toBe(0);
      expect(Object.keys(statuses(report)).slice(-7)).toEqual([
        "pgbouncer_clients_waiting",
        "pgbouncer_max_wait",
        "pgbouncer_pools_at_limit",
        "redis_memory",
        "redis_evictions",
        "redis_rejected_connections",
        "redis_persistence",
      ]);
    });

    it("pgbench clients queued behind a full pool: waiting clients, their wait and the pool at its limit", async () => {
      const script = path.join(scratch, "sleep.sql");
      writeFileSync(script, "select pg_sleep(3);\n");
      const app = platform.as("app_user");
      // 20 clients, 2 server connections: 18 wait.
      const bench = spawn(
        pgbench.path!,
        [
          "-n",
          "-h",
          "127.0.0.1",
          "-p",
          String(pgbouncer.port),
          "-U",
          app.user,
          "-c",
          "20",
          "-j",
          "2",
          "-T",
          "15",
          "-f",
          script,
          app.database,
        ],
        {
          env: { ...process.env, PGPASSWORD: app.password },
          stdio: "ignore",
        },
      );
      const finished = new Promise((resolve) => bench.on("exit", resolve));
      try {
        const { code, report } = await waitFor(
          "clients to queue in PgBouncer",
          async () => {
            const run = await healthJson([
              "--database-url",
              monitoringUrl,
              "--pgbouncer-url",
              pgbouncerUrl(),
              "--threshold",
              "pgbouncerMaxWaitSeconds.warning=1",
              "--threshold",
              "pgbouncerMaxWaitSeconds.critical=600",
            ]);
            const waiting = run.report.checks.find((check) => check.name === "pgbouncer_clients_waiting");
            if (waiting?.value !== 18 || statuses(run.report).pgbouncer_max_wait !== "warning")
              throw new Error(JSON.stringify(run.report.checks.slice(-3)));
            return run;
          },
          20_000,
        );
        expect(
          Object.fromEntries(Object.entries(statuses(report)).filter(([name]) => name.startsWith("pgbouncer"))),
        ).toEqual({
          pgbouncer_clients_waiting: "warning",
          pgbouncer_max_wait: "warning",
          pgbouncer_pools_at_limit: "warning",
        });
        expect(report.checks.find((check) => check.name === "pgbouncer_pools_at_limit")?.detail).toBe(
          `using every server connection: ${platform.database}/app_user (pool_size 2)`,
        );
        expect(report.status).toBe("degraded");
        expect(code).toBe(1);
      } finally {
        bench.kill("SIGINT");
        await finished;
      }
    }, 60_000);

    it("the Docker stack's pgbouncer_exporter can read this PgBouncer as the monitoring login: every SHOW it runs, and the columns behind the rules' metrics", async () => {
      // What quay.io/prometheuscommunity/pgbouncer-exporter:v0.10.2 (pgplat:docker.pgbouncerExporterImage) runs on each
      // scrape (its collector.go), and the SHOW POOLS columns it turns into the metrics the alert rules use. Columns it does
      // not know are skipped and missing ones are not exported: nothing in between fails on a newer PgBouncer. Debian's
      // prometheus-pgbouncer-exporter 1.7 is another, older project: it stops at start-up on PgBouncer >= 1.8 (KeyError
      // 'total_requests', a SHOW STATS column renamed in 1.8), so these tests cannot run it.
      const exporterQueries = [
        "SHOW VERSION",
        "SHOW LISTS",
        "SHOW CONFIG",
        "SHOW DATABASES",
        "SHOW STATS",
        "SHOW POOLS",
      ];
      // cl_waiting becomes pgbouncer_pools_client_waiting_connections, maxwait pgbouncer_pools_client_maxwait_seconds.
      const ruleColumns = ["cl_waiting", "maxwait"];
      const client = new Client({ ...platform.as("app_monitoring"), port: pgbouncer.port, database: "pgbouncer" });
      await client.connect();
      try {
        for (const query of exporterQueries) expect((await client.query(query)).rows.length, query).toBeGreaterThan(0);
        const pools = await client.query(`SHOW POOLS`);
        expect(pools.fields.map((field) => field.name)).toEqual(
          expect.arrayContaining(["database", "user", ...ruleColumns]),
        );
        expect((await client.query("SHOW VERSION")).rows[0].version).toMatch(/^PgBouncer 1\.\d+/);
      } finally {
        await client.end();
      }
    });

    it("Redis at its memory limit is critical: exit 2", async () => {
      const app = await RespClient.connect(redis.port);
      try {
        expect(await app.command("AUTH", "app", passwords.redisApp)).toBe("OK");
        const value = "x".repeat(100_000);
        let reply: unknown = "OK";
        for (let index = 0; index < 1000 && reply === "OK"; index++)
          reply = await app.command("SET", `fill:${index}`, value);
        expect(reply).toEqual({ error: "OOM command not allowed when used memory > 'maxmemory'." });
      } finally {
        app.close();
      }
      const { code, report } = await healthJson([
        "--database-url",
        monitoringUrl,
        "--redis-url",
        redisUrl("monitor", passwords.redisMonitor),
      ]);
      expect(Object.fromEntries(Object.entries(statuses(report)).filter(([name]) => name.startsWith("redis")))).toEqual(
        {
          redis_memory: "critical",
          redis_evictions: "ok",
          redis_rejected_connections: "ok",
          redis_persistence: "ok",
        },
      );
      expect(report.checks.find((check) => check.name === "redis_memory")?.value).toBeGreaterThan(98);
      expect(report.status).toBe("unhealthy");
      expect(code).toBe(2);
    });

    it("exits 3 when Redis refuses the login or the login may not read statistics, without printing the password", async () => {
      const wrong = await healthJson([
        "--database-url",
        monitoringUrl,
        "--redis-url",
        redisUrl("monitor", "Wrong-Redis-Secret"),
      ]);
      expect(wrong.code).toBe(3);
      expect(wrong.report.error).toBe(
        `Redis at 127.0.0.1:${redis.port}: AUTH refused: WRONGPASS invalid username-password pair or user is disabled.`,
      );
      expect(JSON.stringify(wrong.report)).not.toContain("Wrong-Redis-Secret");
      // The application user cannot run INFO (it is in @dangerous): the report says so instead of guessing.
      const app = await healthJson([
        "--database-url",
        monitoringUrl,
        "--redis-url",
        redisUrl("app", passwords.redisApp),
      ]);
      expect(app.code).toBe(3);
      expect(app.report.error).toMatch(/^Redis at 127\.0\.0\.1:\d+: NOPERM/);
      expect(app.report.checks.length).toBeGreaterThan(0);
    });
  },
);
