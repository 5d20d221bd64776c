import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { runAs, setUpPlatformDatabase, type PlatformDatabase } from "../support/platformDatabase";
import { waitFor } from "../support/processes";
import { repositoryStackConfig } from "../support/stackConfig";

let server: PostgresServer;
let platform: PlatformDatabase;

async function monitor(sql: string): Promise<Record<string, unknown>[]> {
  const rows = await runAs(platform.as("app_monitoring"), sql);
  if (typeof rows === "string") throw new Error(rows);
  return rows;
}

async function seed(login: string, sql: string): Promise<void> {
  const result = await runAs(platform.as(login), sql);
  if (typeof result === "string") throw new Error(result);
}

beforeAll(async () => {
  server = await startPostgres(repositoryStackConfig("dev"));
  platform = await setUpPlatformDatabase(server, repositoryStackConfig("dev"));
  // Planted problems, created as the owner role like any migration would.
  await seed(
    "app_migrator",
    `set role app_owner;
     create table app.planted_parent (id int primary key);
     create table app.planted_child (id int primary key, parent_id int references app.planted_parent (id), label text);
     create index planted_label_a on app.planted_child (label);
     create index planted_label_b on app.planted_child (label);
     insert into app.planted_parent select g from generate_series(1, 10) g;
     insert into app.planted_child select g, 1 + g % 10, 'x' from generate_series(1, 500) g;`,
  );
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe("monitoring views on a seeded database", () => {
  it("foreign_keys_without_index finds the planted unindexed foreign key, and only it", async () => {
    expect(
      await monitor(
        "select schema_name, table_name, constraint_name, columns, referenced_table from monitoring.foreign_keys_without_index",
      ),
    ).toEqual([
      {
        schema_name: "app",
        table_name: "planted_child",
        constraint_name: "planted_child_parent_id_fkey",
        columns: ["parent_id"],
        referenced_table: "app.planted_parent",
      },
    ]);
  });

  it("duplicate_indexes finds the planted pair", async () => {
    expect(await monitor("select table_name, index_names from monitoring.duplicate_indexes")).toEqual([
      { table_name: "planted_child", index_names: ["planted_label_a", "planted_label_b"] },
    ]);
  });

  it("unused_indexes lists never-scanned indexes but not unique ones", async () => {
    const names = (await monitor("select index_name from monitoring.unused_indexes")).map((row) => row.index_name);
    expect(names).toEqual(expect.arrayContaining(["planted_label_a", "planted_label_b", "orders_customer_id"]));
    expect(names).not.toContain("planted_child_pkey");
    expect(names).not.toContain("customers_email_live");
  });

  it("slow_queries lists a planted slow query with calls, mean and total time", async () => {
    await seed("app_user", "select pg_sleep(0.3)");
    const rows = await monitor(
      "select role_name, calls, mean_ms, total_ms, query from monitoring.slow_queries where query like 'select pg_sleep%'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role_name: "app_user", calls: "1", query: "select pg_sleep($1)" });
    expect(Number(rows[0].mean_ms)).toBeGreaterThanOrEqual(300);
    expect(Number(rows[0].total_ms)).toBeGreaterThanOrEqual(300);
  });

  it("blocking_locks and long_running show a planted lock wait", async () => {
    const holder = new Client({ ...platform.as("app_user") });
    const waiter = new Client({ ...platform.as("app_user") });
    await holder.connect();
    await waiter.connect();
    try {
      await holder.query("begin; update app.planted_child set label = 'held' where id = 1");
      const holderPid = (await holder.query("select pg_backend_pid() as pid")).rows[0].pid as number;
      const waiterPid = (await waiter.query("select pg_backend_pid() as pid")).rows[0].pid as number;
      const blocked = waiter.query("update app.planted_child set label = 'waiting' where id = 1");
      const rows = await waitFor("the lock wait to show", async () => {
        const found = await monitor(
          "select waiting_pid, blocking_pid, blocking_state, waiting_query from monitoring.blocking_locks",
        );
        if (found.length === 0) throw new Error("no wait yet");
        return found;
      });
      expect(rows).toEqual([
        {
          waiting_pid: waiterPid,
          blocking_pid: holderPid,
          blocking_state: "idle in transaction",
          waiting_query: "update app.planted_child set label = 'waiting' where id = 1",
        },
      ]);
      const running = await monitor("select pid, state, wait_event_type from monitoring.long_running");
      expect(running).toEqual(
        expect.arrayContaining([
          { pid: holderPid, state: "idle in transaction", wait_event_type: "Client" },
          { pid: waiterPid, state: "active", wait_event_type: "Lock" },
        ]),
      );
      await holder.query("rollback");
      await blocked;
    } finally {
      await holder.end();
      await waiter.end();
    }
  });

  it("table_bloat reports dead tuples after deletes", async () => {
    await seed("app_migrator", "set role app_owner; delete from app.planted_child where id > 250");
    const rows = await waitFor("statistics to show the dead tuples", async () => {
      const found = await monitor(
        "select table_name, dead_tuples, dead_ratio from monitoring.table_bloat where table_name = 'planted_child'",
      );
      if (Number(found[0]?.dead_tuples ?? 0) < 250) throw new Error(JSON.stringify(found));
      return found;
    });
    expect(Number(rows[0].dead_ratio)).toBeGreaterThanOrEqual(0.5);
  });

  it("database_summary is one row describing this database", async () => {
    const [summary, ...rest] = await monitor(
      "select database_name, connections, max_connections, xid_age, xid_wraparound_percent, uptime > interval '0' as up, size_bytes > 0 as sized from monitoring.database_summary",
    );
    expect(rest).toEqual([]);
    expect(summary).toMatchObject({ database_name: platform.database, max_connections: 100, up: true, sized: true });
    expect(Number(summary.connections)).toBeGreaterThanOrEqual(1);
    expect(Number(summary.xid_wraparound_percent)).toBeLessThan(1);
  });

  it("cache_hit_ratios, relation_sizes, archiver_status and replication_lag answer", async () => {
    expect((await monitor("select kind from monitoring.cache_hit_ratios")).map((row) => row.kind)).toEqual([
      "table",
      "index",
    ]);
    expect(
      await monitor(
        "select kind from monitoring.relation_sizes where schema_name = 'app' and relation_name = 'orders'",
      ),
    ).toEqual([{ kind: "table" }]);
    const [archiver] = await monitor("select archived_count >= 0 as ok, failed_count from monitoring.archiver_status");
    expect(archiver).toEqual({ ok: true, failed_count: "0" });
    expect(await monitor("select * from monitoring.replication_lag")).toEqual([]);
  });
});
