import { describe, expect, it } from "vitest";
import { parseStackConfig, thresholdNames, withThresholdOverrides, type Thresholds } from "../../config";
import { backupAgeCheck } from "../../health/backups";
import { formatText } from "../../health/format";
import { pgbouncerChecks } from "../../health/pgbouncer";
import { postgresChecks } from "../../health/postgresChecks";
import { parseInfo, redisChecks } from "../../health/redis";
import { exitCodeOf, judge, reportOf } from "../../health/report";
import { targetsFromOutputs } from "../../health/stack";
import { parseArguments } from "../../health/arguments";
import { httpStatusOf } from "../../health/serve";
import { UsageError } from "../../scripts/lib/cliArgs";
import { stackConfig } from "../support/stackConfig";

const defaults: Thresholds = stackConfig().thresholds;
const byName = (checks: readonly { name: string }[]) => Object.fromEntries(checks.map((check) => [check.name, check]));

describe("thresholds: one declaration", () => {
  it("has a default warning for every threshold, overridable per stack, and rejects critical before warning", () => {
    expect(thresholdNames.every((name) => typeof defaults[name].warning === "number")).toBe(true);
    expect(stackConfig({ thresholds: { connectionsPercent: { warning: 70 } } }).thresholds.connectionsPercent).toEqual({
      warning: 70,
      critical: 90,
    });
    const bad = parseStackConfig({
      target: "docker",
      thresholds: {
        connectionsPercent: { warning: 95 },
        cacheHitPercent: { warning: 90, critical: 97 },
        lockWaitSeconds: { warn: 1 },
      },
    });
    expect(bad.ok).toBe(false);
    // A misspelled key and inverted levels are reported together.
    expect(!bad.ok && bad.issues).toEqual([
      {
        key: "pgplat:thresholds.lockWaitSeconds.warn",
        value: 1,
        allowed:
          "no such key in pgplat:thresholds.lockWaitSeconds; check the spelling against the configuration reference",
      },
      {
        key: "pgplat:thresholds.connectionsPercent.critical",
        value: 90,
        allowed: "at least connectionsPercent.warning (95): critical is the worse level",
      },
      {
        key: "pgplat:thresholds.cacheHitPercent.critical",
        value: 97,
        allowed: "at most cacheHitPercent.warning (90): critical is the worse level",
      },
    ]);
    const inverted = parseStackConfig({
      target: "docker",
      thresholds: { connectionsPercent: { warning: 95 }, cacheHitPercent: { warning: 90, critical: 97 } },
    });
    expect(!inverted.ok && inverted.issues).toEqual([
      {
        key: "pgplat:thresholds.connectionsPercent.critical",
        value: 90,
        allowed: "at least connectionsPercent.warning (95): critical is the worse level",
      },
      {
        key: "pgplat:thresholds.cacheHitPercent.critical",
        value: 97,
        allowed: "at most cacheHitPercent.warning (90): critical is the worse level",
      },
    ]);
  });

  it("derives the backup age levels from the backup schedule unless the stack sets them", () => {
    expect(defaults.backupAgeHours).toEqual({ warning: 25, critical: 49 });
    expect(
      stackConfig({ backups: { baseBackupEveryHours: 6, baseBackupGraceMinutes: 30 } }).thresholds.backupAgeHours,
    ).toEqual({ warning: 6.5, critical: 12.5 });
    expect(
      stackConfig({ backups: { baseBackupEveryHours: 6 }, thresholds: { backupAgeHours: { warning: 8 } } }).thresholds
        .backupAgeHours,
    ).toEqual({ warning: 8, critical: 13 });
  });

  it("takes per-run overrides and lists every bad one", () => {
    const result = withThresholdOverrides(defaults, ["lockWaitSeconds.warning=1", "sequencePercent.critical=95"]);
    expect("thresholds" in result && [result.thresholds.lockWaitSeconds, result.thresholds.sequencePercent]).toEqual([
      { warning: 1, critical: 60 },
      { warning: 80, critical: 95 },
    ]);
    const bad = withThresholdOverrides(defaults, [
      "nope.warning=1",
      "connectionsPercent.warning=200",
      "lockWaitSeconds.critical=-1",
    ]);
    expect("problems" in bad && bad.problems.map((problem) => problem.split(":")[0])).toEqual([
      "--threshold nope.warning=1",
      "--threshold connectionsPercent.warning=200",
      "--threshold lockWaitSeconds.critical=-1",
    ]);
  });
});

describe("judging and the exit code", () => {
  it("is warning past warning and critical past critical, in the threshold's direction", () => {
    expect(judge("c", "connectionsPercent", 80, defaults, "").status).toBe("ok");
    expect(judge("c", "connectionsPercent", 80.5, defaults, "").status).toBe("warning");
    expect(judge("c", "connectionsPercent", 91, defaults, "").status).toBe("critical");
    expect(judge("h", "cacheHitPercent", 99.5, defaults, "").status).toBe("ok");
    expect(judge("h", "cacheHitPercent", 97, defaults, "").status).toBe("warning");
    expect(judge("h", "cacheHitPercent", 90, defaults, "").status).toBe("critical");
    // No critical level declared: never critical.
    expect(judge("i", "invalidIndexes", 1000, defaults, "")).toMatchObject({
      status: "warning",
      threshold: { warning: 0, critical: null, unit: "count" },
    });
  });

  it("maps the worst check to the report status and exit code", () => {
    const ok = judge("a", "invalidIndexes", 0, defaults, "");
    const warning = judge("b", "invalidIndexes", 1, defaults, "");
    const critical = judge("c", "connectionsPercent", 99, defaults, "");
    expect(
      [reportOf([ok]), reportOf([ok, warning]), reportOf([warning, critical])].map((report) => [
        report.status,
        exitCodeOf(report),
      ]),
    ).toEqual([
      ["healthy", 0],
      ["degraded", 1],
      ["unhealthy", 2],
    ]);
    expect(exitCodeOf({ status: "unknown", error: "x", checks: [] })).toBe(3);
  });

  it("prints one line per check with status, value and threshold, then the status", () => {
    const text = formatText(
      reportOf([
        judge("connections", "connectionsPercent", 85, defaults, "85 of max_connections 100 in use"),
        judge("cache_hit_ratio", "cacheHitPercent", 99.5, defaults, "x"),
      ]),
    );
    expect(text.split("\n")).toEqual([
      "warning  connections                 85 %          (warning > 80 %, critical > 90 %)         85 of max_connections 100 in use",
      "ok       cache_hit_ratio             99.5 %        (warning < 99 %, critical < 95 %)         x",
      "status: degraded — 0 critical, 1 warning, 1 ok",
    ]);
  });
});

describe("PostgreSQL check evaluation", () => {
  const check = (name: string) => postgresChecks.find((candidate) => candidate.name === name)!;

  it("turns rows into values and details", () => {
    expect(check("connections").evaluate({ used: 85, max_connections: 100 }, defaults)).toMatchObject({
      status: "warning",
      value: 85,
    });
    expect(
      check("transaction_id_wraparound").evaluate(
        {
          datname: "app",
          xid_age: "1500000000",
          freeze_max_age: "200000000",
          oldest_table: "app.t",
          table_age: "1400000000",
        },
        defaults,
      ),
    ).toMatchObject({
      status: "critical",
      value: 750,
      detail:
        "oldest database app: 1500000000 transaction IDs (autovacuum_freeze_max_age 200000000); oldest table here: app.t at 1400000000",
    });
    expect(check("replication_lag").evaluate(undefined, defaults)).toMatchObject({
      status: "ok",
      value: null,
      detail: "no replicas connected",
    });
    expect(check("wal_archiver").evaluate({ archive_mode: "off" }, defaults)).toMatchObject({
      status: "ok",
      value: null,
      detail: "archive_mode is off",
    });
    // Segments waiting for 20 minutes with no failure: the lag is critical.
    expect(
      check("wal_archiver").evaluate(
        { archive_mode: "on", failing: false, ready: 3, since_last_archive: 1200, last_archived_wal: "X" },
        defaults,
      ),
    ).toMatchObject({ status: "critical", value: 1200 });
    // Nothing waiting: an old last archive on an idle server is fine.
    expect(
      check("wal_archiver").evaluate(
        { archive_mode: "on", failing: false, ready: 0, since_last_archive: 99999, last_archived_wal: "X" },
        defaults,
      ),
    ).toMatchObject({ status: "ok", value: 0 });
    expect(check("cache_hit_ratio").evaluate({ hit: 50, read: 50 }, defaults)).toMatchObject({
      status: "ok",
      value: null,
      detail: "only 100 block reads so far (judged from 10000)",
    });
    expect(check("cache_hit_ratio").evaluate({ hit: 9600, read: 400 }, defaults)).toMatchObject({
      status: "warning",
      value: 96,
    });
    expect(check("duplicate_indexes").evaluate({ count: 7, names: ["a", "b", "c", "d", "e"] }, defaults)).toMatchObject(
      { status: "warning", detail: "7 duplicate (keep one): a, b, c, d, e, …" },
    );
  });

  it("names the slowest statement by query_id only: statement texts can hold literals", () => {
    expect(check("slow_statements").evaluate({ query_id: "42", calls: 150, mean_ms: 300.4 }, defaults)).toMatchObject({
      status: "warning",
      value: 300.4,
      detail: "slowest on average: query_id 42, 300 ms over 150 calls (its text: monitoring.slow_queries)",
    });
  });
});

describe("PgBouncer, Redis and backup checks", () => {
  it("reads waiting clients, the longest wait and full pools from SHOW POOLS and SHOW DATABASES", () => {
    const checks = pgbouncerChecks(
      {
        pools: [
          {
            database: "app",
            user: "app_user",
            cl_waiting: 18,
            sv_active: 2,
            sv_idle: 0,
            sv_used: 0,
            sv_tested: 0,
            sv_login: 0,
            maxwait: 2,
            maxwait_us: 500000,
          },
          {
            database: "app",
            user: "app_reporting",
            cl_waiting: 0,
            sv_active: 0,
            sv_idle: 1,
            sv_used: 0,
            sv_tested: 0,
            sv_login: 0,
            maxwait: 0,
            maxwait_us: 0,
          },
          { database: "pgbouncer", user: "pgbouncer", cl_waiting: 5, sv_active: 0, maxwait: 100, maxwait_us: 0 },
        ],
        databases: [
          { name: "app", pool_size: 2 },
          { name: "pgbouncer", pool_size: 2 },
        ],
      },
      defaults,
    );
    expect(checks.map((check) => [check.name, check.status, check.value, check.detail])).toEqual([
      ["pgbouncer_clients_waiting", "warning", 18, "18 client(s) waiting for a server connection across 2 pool(s)"],
      ["pgbouncer_max_wait", "warning", 2.5, "longest wait in pool app/app_user"],
      ["pgbouncer_pools_at_limit", "warning", 1, "using every server connection: app/app_user (pool_size 2)"],
    ]);
  });

  it("reads memory, evictions, rejected connections and persistence from INFO", () => {
    const info = parseInfo(
      "# Memory\r\nused_memory:16000000\r\nmaxmemory:16777216\r\nmaxmemory_policy:noeviction\r\n# Stats\r\nevicted_keys:600\r\nrejected_connections:0\r\nuptime_in_seconds:60\r\naof_enabled:1\r\naof_last_write_status:err\r\naof_last_bgrewrite_status:ok\r\nrdb_last_bgsave_status:ok\r\n",
    );
    expect(redisChecks(info, defaults).map((check) => [check.name, check.status, check.value])).toEqual([
      ["redis_memory", "warning", 95.37],
      // 600 evictions in 60 s is 3,000 per 5 minutes.
      ["redis_evictions", "warning", 3000],
      ["redis_rejected_connections", "ok", 0],
      ["redis_persistence", "critical", null],
    ]);
    expect(byName(redisChecks(info, defaults)).redis_persistence).toMatchObject({
      detail: "persistence failing: aof_last_write_status=err",
    });
  });

  it("judges the newest complete backup and says so when there is none", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    const repository = {
      summaries: [
        { id: "a", status: "complete", startTime: "2026-11-28T01:00:00Z", endTime: "2026-11-28T02:00:00Z" },
        { id: "b", status: "complete", startTime: "2026-11-29T01:00:00Z", endTime: "2026-11-29T02:00:00Z" },
        { id: "c", status: "failed", startTime: "2026-11-30T01:00:00Z", endTime: "2026-11-30T02:00:00Z" },
      ],
      unreadable: ["d"],
    };
    expect(backupAgeCheck(repository, now, defaults)).toMatchObject({
      status: "warning",
      value: 34,
      detail: "newest complete backup b ended 2026-11-29T02:00:00Z; 2 complete; ignored unreadable manifest(s): d",
    });
    expect(backupAgeCheck({ summaries: [], unreadable: [] }, now, defaults)).toMatchObject({
      status: "critical",
      value: null,
      detail: "no complete backup",
    });
  });
});

describe("the command line", () => {
  it("takes a stack or a database URL, flags in any order, and refuses what it does not know", () => {
    expect(
      parseArguments([
        "--json",
        "--database-url",
        "postgresql://m@h/db",
        "--threshold",
        "a.warning=1",
        "--threshold=b.critical=2",
      ]),
    ).toEqual({
      stack: undefined,
      json: true,
      help: false,
      values: { "database-url": "postgresql://m@h/db" },
      thresholds: ["a.warning=1", "b.critical=2"],
    });
    expect(parseArguments(["dev", "--backup-repo", "/b"])).toMatchObject({
      stack: "dev",
      values: { "backup-repo": "/b" },
    });
    expect(parseArguments(["--help"])).toMatchObject({ help: true });
    const usageError = (argv: string[], message: string) =>
      expect(() => parseArguments(argv)).toThrow(new UsageError(message));
    usageError([], "no database: name a stack or pass --database-url");
    usageError(["dev", "--database-url", "x"], "give a stack or --database-url, not both");
    usageError(["dev", "prod"], "one stack name, not 2: dev prod");
    usageError(["--database-url"], "--database-url needs a value");
    usageError(["--database-url", "x", "--database-url", "y"], "--database-url given twice");
    usageError(["--database-url", "x", "--verbose"], "unknown option --verbose");
    usageError(["--database-url", "x", "--jsn"], "unknown option --jsn (did you mean --json?)");
  });

  it("takes --serve <port> for the health endpoint, not with --json, and maps its statuses to HTTP", () => {
    expect(parseArguments(["dev", "--serve", "9187"])).toMatchObject({ stack: "dev", serve: 9187, json: false });
    expect(parseArguments(["--database-url", "x", "--serve=0"])).toMatchObject({ serve: 0 });
    expect(parseArguments(["dev"]).serve).toBeUndefined();
    for (const port of ["65536", "-1", "8o80", "1e3", ""])
      expect(() => parseArguments(["dev", `--serve=${port}`])).toThrow(
        new UsageError(`--serve ${port}: a TCP port, 0 to 65535 (0 picks a free one)`),
      );
    expect(() => parseArguments(["dev", "--serve", "9187", "--json"])).toThrow(
      new UsageError("--serve answers JSON already: leave out --json"),
    );
    const report = (status: "healthy" | "degraded" | "unhealthy") => ({ status, checks: [] });
    expect(httpStatusOf(report("healthy"))).toBe(200);
    expect(httpStatusOf(report("degraded"))).toBe(200);
    expect(httpStatusOf(report("unhealthy"))).toBe(503);
    expect(httpStatusOf({ status: "unknown", error: "PostgreSQL at h:5432: refused", checks: [] })).toBe(503);
  });

  it("finds the monitoring login's endpoints in the stack outputs: PostgreSQL direct, PgBouncer's console, Redis", () => {
    const outputs = {
      target: "docker",
      postgres: { host: "127.0.0.1", port: 15432 },
      pgbouncer: { host: "127.0.0.1", port: 16432 },
      connectionUris: { app_monitoring: "postgresql://app_monitoring:p%40ss@127.0.0.1:16432/app" },
      redisUri: "redis://app:y@127.0.0.1:16379/0",
      redisMonitorUri: "redis://monitor:x@127.0.0.1:16379/0",
    };
    expect(targetsFromOutputs(outputs, stackConfig())).toEqual({
      databaseUrl: "postgresql://app_monitoring:p%40ss@127.0.0.1:15432/app",
      pgbouncerUrl: "postgresql://app_monitoring:p%40ss@127.0.0.1:16432/app",
      redisUrl: "redis://monitor:x@127.0.0.1:16379/0",
    });
    expect(() => targetsFromOutputs({}, stackConfig())).toThrow(/run pulumi up first/);
  });
});
