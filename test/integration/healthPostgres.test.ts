import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { takeBackup } from "../../backups/take";
import { applicationName } from "../../health/postgresChecks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthJson, postgresUrl, runHealthCli, statuses, type JsonReport } from "../support/healthCli";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { runAs, setUpPlatformDatabase, type PlatformDatabase } from "../support/platformDatabase";
import { waitFor } from "../support/processes";
import { repositoryStackConfig } from "../support/stackConfig";

/**
 * The health report against a real PostgreSQL 16 set up like the platform:
 * each problem is planted for real, the report runs as the monitoring login
 * through the CLI, and the exact statuses and exit code are asserted.
 */
const config = repositoryStackConfig("dev");
let server: PostgresServer;
let platform: PlatformDatabase;
let monitoringUrl: string;
let allOk: Record<string, string>;

async function seed(login: string, sql: string): Promise<void> {
  const result = await runAs(platform.as(login), sql);
  if (typeof result === "string") throw new Error(result);
}

async function report(...extra: string[]): Promise<{ code: number | null; report: JsonReport }> {
  return healthJson(["--database-url", monitoringUrl, ...extra]);
}

/** Every check ok except the named ones. */
function expected(changes: Record<string, string>): Record<string, string> {
  return { ...allOk, ...changes };
}

async function connected(login: string): Promise<Client> {
  const client = new Client({ ...platform.as(login) });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

beforeAll(async () => {
  server = await startPostgres(config);
  platform = await setUpPlatformDatabase(server, config);
  monitoringUrl = postgresUrl(platform.as("app_monitoring"));
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe("npm run -s health against a real PostgreSQL 16, as the monitoring login", () => {
  it("reports a fresh platform healthy, exit 0, one line per check with value and threshold", async () => {
    const { code, report: fresh } = await report();
    expect(fresh.status).toBe("healthy");
    expect(code).toBe(0);
    allOk = Object.fromEntries(fresh.checks.map((check) => [check.name, "ok"]));
    expect(statuses(fresh)).toEqual(allOk);
    expect(Object.keys(allOk)).toEqual([
      "connections",
      "long_running_queries",
      "idle_in_transaction",
      "lock_waits",
      "transaction_id_wraparound",
      "replication_lag",
      "inactive_replication_slots",
      "wal_archiver",
      "cache_hit_ratio",
      "invalid_indexes",
      "unvalidated_constraints",
      "sequences",
      "duplicate_indexes",
      "unused_indexes",
      "foreign_keys_without_index",
      "dead_tuples",
      "tables_never_vacuumed",
      "slow_statements",
    ]);
    expect(fresh.checks[0]).toMatchObject({
      name: "connections",
      threshold: { warning: 80, critical: 90, unit: "%", direction: "above" },
    });

    const text = await runHealthCli(["--database-url", monitoringUrl]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines).toHaveLength(fresh.checks.length + 1);
    expect(lines[0]).toMatch(
      /^ok\s+connections\s+\d+(\.\d+)? %\s+\(warning > 80 %, critical > 90 %\)\s+\d+ of max_connections 100 in use$/,
    );
    expect(lines[lines.length - 1]).toBe(`status: healthy — 0 critical, 0 warning, ${fresh.checks.length} ok`);
  });

  it("needs no more than the monitoring login: the sequence check works where pg_sequences shows it NULL", async () => {
    await seed(
      "app_migrator",
      "set role app_owner; create table app.planted_counter (id serial primary key); select setval('app.planted_counter_id_seq', 1000)",
    );
    expect(
      await runAs(
        platform.as("app_monitoring"),
        "select last_value from pg_sequences where sequencename = 'planted_counter_id_seq'",
      ),
    ).toEqual([{ last_value: null }]);
    expect(
      await runAs(
        platform.as("app_monitoring"),
        "select sequence_name, last_value, max_value from monitoring.sequences where sequence_name = 'planted_counter_id_seq'",
      ),
    ).toEqual([{ sequence_name: "planted_counter_id_seq", last_value: "1000", max_value: "2147483647" }]);
    // Nothing else is open to the monitoring login: it cannot read the sequence itself.
    expect(await runAs(platform.as("app_monitoring"), "select last_value from app.planted_counter_id_seq")).toMatch(
      /^ERROR: permission denied/,
    );
  });

  it("a sequence at 95 % of its column's range is critical: exit 2", async () => {
    // 95 % of 2^31 - 1, the int4 column's limit.
    await seed("app_migrator", "set role app_owner; select setval('app.planted_counter_id_seq', 2040109466)");
    const { code, report: planted } = await report();
    expect(statuses(planted)).toEqual(expected({ sequences: "critical" }));
    expect(planted.status).toBe("unhealthy");
    expect(code).toBe(2);
    expect(planted.checks.find((check) => check.name === "sequences")).toMatchObject({
      value: 95,
      detail: "most used: app.planted_counter_id_seq at 2040109466 of 2147483647",
    });
    await seed("app_migrator", "set role app_owner; drop table app.planted_counter");
  });

  it("an invalid index left by a failed CREATE INDEX CONCURRENTLY is a warning: exit 1", async () => {
    await seed(
      "app_migrator",
      "set role app_owner; create table app.planted_dupes (id int); insert into app.planted_dupes values (1), (1)",
    );
    const migrator = await connected("app_migrator");
    try {
      await migrator.query("set role app_owner");
      await expect(
        migrator.query("create unique index concurrently planted_unique on app.planted_dupes (id)"),
      ).rejects.toThrow(/could not create unique index/);
    } finally {
      await migrator.end();
    }
    const { code, report: planted } = await report();
    expect(statuses(planted)).toEqual(expected({ invalid_indexes: "warning" }));
    expect(planted.status).toBe("degraded");
    expect(code).toBe(1);
    expect(planted.checks.find((check) => check.name === "invalid_indexes")).toMatchObject({
      value: 1,
      detail: "1 invalid (drop and rebuild): app.planted_unique",
    });
    await seed("app_migrator", "set role app_owner; drop table app.planted_dupes");
  });

  it("a long-running statement and a transaction idle in transaction are judged by their own thresholds", async () => {
    const sleeper = await connected("app_user");
    const idler = await connected("app_reporting");
    try {
      const sleeperPid = (await sleeper.query("select pg_backend_pid() as pid")).rows[0].pid as number;
      const sleeping = sleeper.query("select pg_sleep(25)").catch((error: Error) => error);
      await idler.query("begin; select 1");
      await sleep(2_000);
      // Warning after 1 s, critical after 600 s: 2 s running is a warning; 2 s idle in a transaction is critical at 1 s.
      const { code, report: planted } = await report(
        "--threshold",
        "longQuerySeconds.warning=1",
        "--threshold",
        "longQuerySeconds.critical=600",
        "--threshold",
        "idleInTransactionSeconds.warning=0.5",
        "--threshold",
        "idleInTransactionSeconds.critical=1",
      );
      expect(statuses(planted)).toEqual(expected({ long_running_queries: "warning", idle_in_transaction: "critical" }));
      expect(code).toBe(2);
      expect(planted.checks.find((check) => check.name === "long_running_queries")?.detail).toMatch(
        /^longest: pid \d+ \(app_user\) for \d+ s, query_id -?\d+; 1 active$/,
      );
      await idler.query("rollback");
      await server.query("select pg_cancel_backend($1)", [sleeperPid]);
      expect(String(await sleeping)).toMatch(/canceling statement due to user request/);
    } finally {
      await sleeper.end();
      await idler.end();
    }
  }, 30_000);

  it("a session blocked by another's row lock is a lock wait", async () => {
    await seed(
      "app_migrator",
      "set role app_owner; create table app.planted_locked (id int primary key, label text); insert into app.planted_locked values (1, 'a'); grant select, update on app.planted_locked to app_readwrite",
    );
    const holder = await connected("app_user");
    const waiter = await connected("app_user");
    try {
      await holder.query("begin; update app.planted_locked set label = 'held' where id = 1");
      const blocked = waiter
        .query("update app.planted_locked set label = 'waiting' where id = 1")
        .catch((error: Error) => error);
      await sleep(1_500);
      const { code, report: planted } = await report("--threshold", "lockWaitSeconds.warning=1");
      expect(statuses(planted)).toEqual(expected({ lock_waits: "warning" }));
      expect(code).toBe(1);
      const holderPid = (await holder.query("select pg_backend_pid() as pid")).rows[0].pid as number;
      expect(planted.checks.find((check) => check.name === "lock_waits")?.detail).toMatch(
        new RegExp(
          `^1 session\\(s\\) blocked; longest: pid \\d+ \\(app_user\\) for \\d+ s, blocked by pid ${holderPid}$`,
        ),
      );
      await holder.query("rollback");
      await blocked;
    } finally {
      await holder.end();
      await waiter.end();
    }
  }, 30_000);

  it("still answers, every check evaluated, while a table is held in ACCESS EXCLUSIVE mode", async () => {
    const locker = await server.connect({ database: platform.database });
    try {
      await locker.query("begin; lock table app.planted_locked in access exclusive mode");
      const started = Date.now();
      const { code, report: planted } = await report();
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(statuses(planted)).toEqual(allOk);
      expect(code).toBe(0);
      // The trap the report avoids: the size-based view waits behind the lock (bounded here by lock_timeout).
      expect(
        await runAs(
          platform.as("app_monitoring"),
          "set lock_timeout = 300; select count(*) from monitoring.relation_sizes",
        ),
      ).toMatch(/lock timeout/);
    } finally {
      await locker.query("rollback");
      await locker.end();
    }
    await seed("app_migrator", "set role app_owner; drop table app.planted_locked");
  }, 30_000);

  it("a table full of dead tuples is critical once the statistics show it", async () => {
    await seed(
      "app_migrator",
      "set role app_owner; create table app.planted_dead (id int) with (autovacuum_enabled = false); insert into app.planted_dead select generate_series(1, 5000); delete from app.planted_dead where id <= 4000",
    );
    const planted = await waitFor("the dead tuples to reach the statistics", async () => {
      const run = await report();
      if (statuses(run.report).dead_tuples === "ok") throw new Error("not yet");
      return run;
    });
    // 4,000 dead of 5,000: 80 % > 50 %. 5,000 rows never vacuumed nor analyzed: a warning too.
    expect(statuses(planted.report)).toEqual(expected({ dead_tuples: "critical", tables_never_vacuumed: "warning" }));
    expect(planted.code).toBe(2);
    expect(planted.report.checks.find((check) => check.name === "dead_tuples")).toMatchObject({ value: 80 });
    await seed("app_migrator", "set role app_owner; drop table app.planted_dead");
  }, 30_000);

  it("two indexes alike in everything are duplicates; same columns with another predicate, expression or order are not", async () => {
    await seed(
      "app_migrator",
      `set role app_owner; create table app.planted_twins (a int, b text);
       create index planted_twin_1 on app.planted_twins (a, b); create index planted_twin_2 on app.planted_twins (a, b);
       create index planted_partial on app.planted_twins (a, b) where a > 0;
       create index planted_desc on app.planted_twins (a desc, b);
       create index planted_lower_1 on app.planted_twins (lower(b)); create index planted_upper on app.planted_twins (upper(b));`,
    );
    const { code, report: planted } = await report();
    expect(statuses(planted)).toEqual(expected({ duplicate_indexes: "warning" }));
    expect(code).toBe(1);
    expect(planted.checks.find((check) => check.name === "duplicate_indexes")).toMatchObject({
      value: 1,
      detail: "1 duplicate (keep one): app.planted_twin_1 = app.planted_twin_2",
    });
    // Expressions compare without their parse positions; the check still answers while the table is locked.
    await seed("app_migrator", "set role app_owner; create index planted_lower_2 on app.planted_twins (lower(b))");
    const locker = await server.connect({ database: platform.database });
    try {
      await locker.query("begin; lock table app.planted_twins in access exclusive mode");
      const twoPairs = await report();
      expect(twoPairs.report.checks.find((check) => check.name === "duplicate_indexes")).toMatchObject({
        value: 2,
        detail:
          "2 duplicate (keep one): app.planted_lower_1 = app.planted_lower_2, app.planted_twin_1 = app.planted_twin_2",
      });
    } finally {
      await locker.query("rollback");
      await locker.end();
    }
    await seed("app_migrator", "set role app_owner; drop table app.planted_twins");
  });

  it("an inactive replication slot holding WAL is a warning", async () => {
    await server.query("select pg_create_physical_replication_slot('planted_slot', true)");
    try {
      const { code, report: planted } = await report();
      expect(statuses(planted)).toEqual(expected({ inactive_replication_slots: "warning" }));
      expect(code).toBe(1);
      expect(planted.checks.find((check) => check.name === "inactive_replication_slots")?.detail).toBe(
        "1 inactive slot(s) holding WAL: planted_slot",
      );
    } finally {
      await server.query("select pg_drop_replication_slot('planted_slot')");
    }
  });

  it("judges the age of the newest complete backup, ignoring backups without a manifest", async () => {
    const repo = mkdtempSync(path.join(tmpdir(), "pgplat-backups-"));
    try {
      // A real base backup, aged 30 hours by rewriting its manifest's times (the only way to make time pass here).
      const taken = await takeBackup({
        connection: {
          host: "127.0.0.1",
          port: server.port,
          user: "postgres",
          password: server.superuserPassword,
          database: "postgres",
        },
        pgdata: path.join(server.root, "data"),
        repo,
      });
      const manifestFile = path.join(repo, taken.id, "manifest.json");
      const end = new Date(Date.now() - 30 * 3_600_000).toISOString();
      writeFileSync(
        manifestFile,
        JSON.stringify({ ...JSON.parse(readFileSync(manifestFile, "utf8")), startTime: end, endTime: end }),
      );
      // Newer, but still running (no manifest yet): not a backup.
      mkdirSync(path.join(repo, "29991231T000000000Z"));
      const { code, report: planted } = await report("--backup-repo", repo);
      expect(statuses(planted)).toEqual({ ...allOk, backup_age: "warning" });
      expect(code).toBe(1);
      expect(planted.checks.find((check) => check.name === "backup_age")).toMatchObject({
        value: 30,
        threshold: { warning: 25, critical: 49, unit: "h" },
      });
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it("a failing archive_command is critical at once and clears when archiving works again", async () => {
    await server.query("alter system set archive_command = 'false'");
    await server.query("select pg_reload_conf()");
    try {
      await server.query("create table planted_wal as select 1 as id");
      await server.query("select pg_switch_wal()");
      await waitFor("the archiver to fail", async () => {
        const [row] = await server.query<{ failed_count: string }>("select failed_count from pg_stat_archiver");
        if (Number(row.failed_count) === 0) throw new Error("no failure yet");
      });
      const { code, report: planted } = await report();
      expect(statuses(planted)).toEqual(expected({ wal_archiver: "critical" }));
      expect(code).toBe(2);
      expect(planted.checks.find((check) => check.name === "wal_archiver")?.detail).toMatch(
        /^archive_command is failing: last failure on [0-9A-F]{24} at .+; \d+ segment\(s\) waiting$/,
      );
    } finally {
      await server.query("alter system reset archive_command");
      await server.query("select pg_reload_conf()");
    }
    const cleared = await waitFor(
      "the archiver to catch up",
      async () => {
        const run = await report();
        if (run.code !== 0) throw new Error(JSON.stringify(statuses(run.report)));
        return run;
      },
      90_000,
    );
    expect(statuses(cleared.report)).toEqual(allOk);
  }, 120_000);

  it("with a stack name, reads the thresholds from Pulumi.<stack>.yaml and the endpoints from pulumi stack output", async () => {
    // A stand-in for the Pulumi CLI that records how it was called and prints the outputs a dev stack has.
    const bin = mkdtempSync(path.join(tmpdir(), "pgplat-fake-pulumi-"));
    try {
      const monitoring = platform.as("app_monitoring");
      const outputs = {
        target: "docker",
        postgres: { host: "127.0.0.1", port: server.port },
        // The monitoring login's URI goes through PgBouncer; the report must go to PostgreSQL itself.
        connectionUris: { app_monitoring: postgresUrl({ ...monitoring, port: 1 }) },
      };
      writeFileSync(path.join(bin, "outputs.json"), JSON.stringify(outputs));
      writeFileSync(
        path.join(bin, "pulumi"),
        `#!/bin/sh\necho "$* $PULUMI_BACKEND_URL" > "${bin}/called"\ncat "${bin}/outputs.json"\n`,
        { mode: 0o755 },
      );
      const run = await runHealthCli(["dev", "--json"], { PATH: `${bin}:${process.env.PATH}` });
      expect(run.stderr).toBe("");
      const parsed = JSON.parse(run.stdout) as JsonReport;
      expect(statuses(parsed)).toEqual(allOk);
      expect(run.code).toBe(0);
      expect(readFileSync(path.join(bin, "called"), "utf8").trim()).toBe(
        `stack output --json --show-secrets --stack dev file://${path.join(__dirname, "..", "..")}/.pulumi-state`,
      );
      const missing = await runHealthCli(["no-such-stack"], { PATH: `${bin}:${process.env.PATH}` });
      expect(missing.code).toBe(3);
      expect(missing.stderr).toMatch(/^could not check: no Pulumi\.no-such-stack\.yaml in /);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("ends its sessions cleanly without waiting for them: none left behind, nothing in the server log", async () => {
    // A client gone without its Terminate message is logged at DEBUG1: "unexpected EOF on client connection".
    const debug = `alter role app_monitoring in database ${platform.database}`;
    await server.query(`${debug} set log_min_messages = debug1`);
    try {
      const logBefore = server.process.log().length;
      for (let run = 0; run < 3; run++) expect((await report()).code).toBe(0);
      await waitFor("the report's sessions to end", async () =>
        expect(
          await server.query("select pid from pg_stat_activity where application_name = $1", [applicationName]),
        ).toEqual([]),
      );
      const logged = server.process.log().slice(logBefore);
      expect(logged).toContain("app_monitoring");
      expect(logged).not.toMatch(/unexpected EOF|could not receive data|connection reset/i);
    } finally {
      await server.query(`${debug} reset log_min_messages`);
    }
  });

  it("exits 3 with the reason, never the password, when it cannot log in or reach the server", async () => {
    const wrong = postgresUrl({ ...platform.as("app_monitoring"), password: "Wrong-Secret-123" });
    const refused = await healthJson(["--database-url", wrong]);
    expect(refused.code).toBe(3);
    expect(refused.report).toEqual({
      status: "unknown",
      error: `PostgreSQL at 127.0.0.1:${server.port}: password authentication failed for user "app_monitoring"`,
      checks: [],
    });
    const text = await runHealthCli(["--database-url", wrong]);
    expect(text.code).toBe(3);
    expect(text.stdout + text.stderr).not.toContain("Wrong-Secret-123");
    expect(text.stderr).toContain("password authentication failed");

    const unreachable = await healthJson([
      "--database-url",
      postgresUrl({ ...platform.as("app_monitoring"), port: 1 }),
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.report.error).toBe("PostgreSQL at 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1");
    expect(JSON.stringify(unreachable.report)).not.toContain(platform.as("app_monitoring").password);
  });
});
