import { randomBytes } from "node:crypto";
import { chownSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderAlertRules } from "../../render/alertRules";
import { renderExporterQueries } from "../../render/exporterQueries";
import { renderPrometheusConfig } from "../../render/prometheusConfig";
import { healthJson, postgresUrl } from "../support/healthCli";
import { startRedis, type RedisServer } from "../support/redisServer";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { setUpPlatformDatabase, runAs, type PlatformDatabase } from "../support/platformDatabase";
import {
  freePort,
  osBinary,
  removeDir,
  serverTempDir,
  serverUser,
  startProcess,
  waitFor,
  type RunningProcess,
} from "../support/processes";
import { stackConfig } from "../support/stackConfig";
import { backupCli } from "../support/backupCli";
import { backupLogin } from "../../config/roles";
import { backupRecordGrants } from "../../components/docker/backups";

/**
 * The Debian exporters against the real servers, logged in as the monitoring
 * logins, scraped by a real Prometheus that loads the rendered rules.
 * Debian's prometheus-pgbouncer-exporter (1.7) is another, older project
 * than the image the Docker stack runs: it stops at start-up on any PgBouncer
 * ≥ 1.8 (KeyError 'total_requests', a SHOW STATS column renamed in 1.8;
 * Debian ships 1.18), and no option avoids it. So the PgBouncer rules are
 * proven by promtool on the pinned image's metric names, the console
 * commands and columns that image reads by healthPoolerCache.test.ts on the
 * real PgBouncer, and the PgBouncer values by the health report.
 */
const binaries = {
  postgres: osBinary("prometheus-postgres-exporter", "prometheus-postgres-exporter"),
  redis: osBinary("prometheus-redis-exporter", "prometheus-redis-exporter"),
  prometheus: osBinary("prometheus", "prometheus"),
};
const missing = Object.values(binaries).find((binary) => !binary.path);
const config = stackConfig();
const redisPasswords = { app: `Ra${randomBytes(12).toString("hex")}`, monitor: `Rm${randomBytes(12).toString("hex")}` };

let postgres: PostgresServer;
let platform: PlatformDatabase;
let redis: RedisServer;
let dir: string;
const ports: Record<string, number> = {};
const processes: RunningProcess[] = [];

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`scrape ${port}: ${response.status}`);
  return response.text();
}

/** The value of one sample as the exporter wrote it (`+Inf`, `NaN`, a number). */
function rawSample(text: string, name: string): string | undefined {
  const line = text
    .split("\n")
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));
  return line?.slice(line.lastIndexOf(" ") + 1);
}

/** The value of one sample: `name{labels} value`, labels optional. */
function sample(text: string, name: string): number | undefined {
  const line = text
    .split("\n")
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));
  if (line === undefined) return undefined;
  const value = line.slice(line.lastIndexOf(" ") + 1);
  return value === "+Inf" ? Infinity : Number(value);
}

describe.skipIf(missing !== undefined)(
  `exporters and Prometheus on the real servers ${missing ? `— SKIPPED: ${missing.skipReason}` : ""}`,
  () => {
    beforeAll(async () => {
      postgres = await startPostgres(config);
      platform = await setUpPlatformDatabase(postgres, config);
      redis = await startRedis(config, redisPasswords.app, redisPasswords.monitor);
      const user = serverUser();
      dir = serverTempDir(user, "exporters");
      for (const name of ["postgres", "redis", "prometheus"]) ports[name] = await freePort();
      const write = (file: string, content: string) => {
        writeFileSync(path.join(dir, file), content, { mode: 0o600 });
        chownSync(path.join(dir, file), user.uid, user.gid);
      };
      write("queries.yaml", renderExporterQueries());
      write("rules.yml", renderAlertRules(config.thresholds));
      write(
        "prometheus.yml",
        renderPrometheusConfig({
          targets: { postgres: `127.0.0.1:${ports.postgres}`, redis: `127.0.0.1:${ports.redis}` },
          ruleFile: path.join(dir, "rules.yml"),
          scrapeIntervalSeconds: 1,
        }),
      );
      const monitoring = platform.as("app_monitoring");
      // Credentials go through the environment, never the command line.
      processes.push(
        startProcess(
          binaries.postgres.path!,
          [`--web.listen-address=127.0.0.1:${ports.postgres}`, `--extend.query-path=${path.join(dir, "queries.yaml")}`],
          user,
          { DATA_SOURCE_NAME: `${postgresUrl(monitoring)}?sslmode=disable` },
        ),
        startProcess(
          binaries.redis.path!,
          [
            "-redis.addr",
            `redis://127.0.0.1:${redis.port}`,
            "-redis.user",
            "monitor",
            "-web.listen-address",
            `127.0.0.1:${ports.redis}`,
          ],
          user,
          { REDIS_PASSWORD: redisPasswords.monitor },
        ),
        startProcess(
          binaries.prometheus.path!,
          [
            `--config.file=${path.join(dir, "prometheus.yml")}`,
            `--storage.tsdb.path=${path.join(dir, "tsdb")}`,
            `--web.listen-address=127.0.0.1:${ports.prometheus}`,
          ],
          user,
        ),
      );
      // The planted problem both the report and the exporter must see: a sequence at 95 %.
      const planted = await runAs(
        platform.as("app_migrator"),
        "set role app_owner; create table app.planted_counter (id serial primary key); select setval('app.planted_counter_id_seq', 2040109466)",
      );
      if (typeof planted === "string") throw new Error(planted);
    }, 120_000);
    afterAll(async () => {
      for (const process of processes) await process.stop();
      if (dir) removeDir(dir);
      await redis?.stop();
      await postgres?.stop();
    });

    it("postgres_exporter logs in as the monitoring login and exports the pgplat gauges with the report's values", async () => {
      const metrics = await waitFor("postgres_exporter", async () => {
        const text = await scrape(ports.postgres);
        if (sample(text, "pgplat_sequence_percent") === undefined) throw new Error("no pgplat metrics yet");
        return text;
      });
      expect(sample(metrics, "pg_up")).toBe(1);
      const { report } = await healthJson(["--database-url", postgresUrl(platform.as("app_monitoring"))]);
      const reported = Object.fromEntries(report.checks.map((check) => [check.name, check.value]));
      expect(sample(metrics, "pgplat_sequence_percent")).toBe(95);
      expect(reported.sequences).toBe(95);
      expect([
        sample(metrics, "pgplat_invalid_indexes"),
        sample(metrics, "pgplat_archive_failing"),
        sample(metrics, "pgplat_inactive_slot_wal_mb"),
      ]).toEqual([0, 0, 0]);
      expect(sample(metrics, "pgplat_wraparound_percent")).toBeCloseTo(reported.transaction_id_wraparound!, 1);
      expect(sample(metrics, "pgplat_connections_percent")).toBeGreaterThan(0);
    }, 60_000);

    it("a real base backup, recorded by the backup login with the deployment's grants, is exported as its age (+Inf before any)", async () => {
      expect(rawSample(await scrape(ports.postgres), "pgplat_base_backup_age_hours")).toBe("+Inf");
      // The backup login as the Docker stack creates and grants it (components/docker/backups.ts).
      const password = `Bk${randomBytes(12).toString("hex")}`;
      await postgres.query(`create role ${backupLogin} login password '${password}'`);
      await postgres.query(
        `grant execute on function pg_backup_start(text, boolean), pg_backup_stop(boolean) to ${backupLogin}`,
      );
      const admin = await postgres.connect({ database: platform.database });
      try {
        for (const grant of backupRecordGrants) {
          const on =
            grant.objectType === "database"
              ? `database ${platform.database}`
              : grant.objectType === "schema"
                ? `schema ${grant.schema}`
                : `function ${grant.schema}.${grant.objects![0]}`;
          await admin.query(`grant ${grant.privileges.join(", ")} on ${on} to ${backupLogin}`);
        }
      } finally {
        await admin.end();
      }
      const login = (database: string) =>
        `postgresql://${backupLogin}:${password}@127.0.0.1:${postgres.port}/${database}`;
      const take = backupCli(
        [
          "take",
          "--pgdata",
          path.join(postgres.root, "data"),
          "--repo",
          path.join(dir, "backups"),
          "--record-url",
          login(platform.database),
        ],
        { DATABASE_URL: login("postgres") },
      );
      expect(take.stderr).toBe("");
      expect(take.status).toBe(0);
      const id = /^backup (\S+) complete/.exec(take.stdout)![1];
      expect(take.stdout).toContain(`backup ${id} recorded in monitoring.base_backups`);
      const age = await waitFor("the recorded backup's age", async () => {
        const value = sample(await scrape(ports.postgres), "pgplat_base_backup_age_hours");
        if (value === undefined || !Number.isFinite(value)) throw new Error(`still ${value}`);
        return value;
      });
      // Minutes old at most, in hours: well under any level.
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(0.1);
      // Only the backup login records, and never a backup from the future.
      expect(
        await runAs(platform.as("app_monitoring"), "select monitoring.record_base_backup('forged', now(), now(), 1)"),
      ).toMatch(/permission denied for function record_base_backup/);
      expect(
        await runAs(
          { ...platform.as("app_monitoring"), user: backupLogin, password },
          "select monitoring.record_base_backup('forged', now(), now() + interval '1 day', 1)",
        ),
      ).toMatch(/not a completed backup/);
    }, 180_000);

    it("redis_exporter reads INFO as the statistics-only monitoring user: every series the rules use is there", async () => {
      const metrics = await waitFor("redis_exporter", async () => scrape(ports.redis));
      expect(sample(metrics, "redis_up")).toBe(1);
      expect(sample(metrics, "redis_memory_max_bytes")).toBe(config.redis.maxmemoryMb * 1024 * 1024);
      for (const name of ["redis_memory_used_bytes", "redis_evicted_keys_total", "redis_rejected_connections_total"])
        expect(sample(metrics, name), name).toBeGreaterThanOrEqual(0);
    }, 60_000);

    it("Prometheus scrapes both and evaluates the rendered rules: the 95 % sequence is a pending critical alert", async () => {
      const alerts = await waitFor(
        "the sequence alerts",
        async () => {
          const response = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/alerts`)).json()) as {
            data: { alerts: { labels: Record<string, string>; state: string }[] };
          };
          const found = response.data.alerts.filter((alert) => alert.labels.alertname.startsWith("PostgresSequence"));
          if (found.length < 2) throw new Error(JSON.stringify(response.data.alerts));
          return found;
        },
        60_000,
      );
      expect(alerts.map((alert) => [alert.labels.alertname, alert.labels.severity, alert.state]).sort()).toEqual([
        ["PostgresSequenceCritical", "critical", "pending"],
        ["PostgresSequenceWarning", "warning", "pending"],
      ]);
      // Each job is scraped on its own schedule: wait until both have been scraped once.
      const up = await waitFor("both jobs scraped", async () => {
        const response = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=up`)).json()) as {
          data: { result: { metric: { job: string }; value: [number, string] }[] };
        };
        if (response.data.result.length < 2) throw new Error(JSON.stringify(response.data.result));
        return response;
      });
      expect(Object.fromEntries(up.data.result.map((series) => [series.metric.job, series.value[1]]))).toEqual({
        postgres: "1",
        redis: "1",
      });
    }, 90_000);
  },
);
