import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyMigrations,
  historyOf,
  MigrationError,
  migrationStatus,
  readMigrationsDir,
  type ConnectionSettings,
} from "../../migrations";
import { freshDatabase, sqlDir } from "../support/migrationFixtures";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { waitFor } from "../support/processes";
import { repositoryStackConfig } from "../support/stackConfig";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres(repositoryStackConfig("dev"));
});
afterAll(async () => {
  await server?.stop();
});

async function query<Row extends Record<string, unknown>>(connection: ConnectionSettings, sql: string): Promise<Row[]> {
  const client = new Client({ ...connection });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function failure(promise: Promise<unknown>): Promise<MigrationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof MigrationError)) throw new Error(`expected a MigrationError, got ${String(error)}`);
  return error;
}

const base = {
  "V0001__orders.sql":
    "create table orders (id bigint primary key, amount numeric(12,2) not null check (amount >= 0));\n",
  "V0002__customers.sql":
    "create table customers (id bigint primary key, name text not null);\ninsert into customers values (1, 'first');\n",
  "R__order_totals.sql":
    "create or replace view order_totals as select count(*) as orders, coalesce(sum(amount), 0) as total from orders;\n",
};

/** A 20-line file whose statement starting on line 17 fails at run time (no error position). */
const failsAtLine17 = [
  "-- Adds invoices.", // 1
  "create table invoices (", // 2
  "  id bigint primary key,", // 3
  "  order_id bigint not null references orders (id),", // 4
  "  total numeric(12,2) not null check (total >= 0)", // 5
  ");", // 6
  "", // 7
  "create index invoices_order_id on invoices (order_id);", // 8
  "", // 9
  "insert into orders values (1, 10.00);", // 10
  "insert into invoices values (1, 1, 10.00);", // 11
  "", // 12
  "create function invoice_count() returns bigint language sql as $$", // 13
  "  select count(*) from invoices; -- a semicolon in a body", // 14
  "$$;", // 15
  "", // 16
  "insert into invoices values (2, 1, -5.00);", // 17
  "", // 18
  "insert into invoices values (3, 1, 1.00);", // 19
  "", // 20
].join("\n");

describe("migrations engine on PostgreSQL 16", () => {
  it("applies everything from empty, records it, and a rerun is a no-op", async () => {
    const connection = await freshDatabase(server);
    const files = readMigrationsDir(sqlDir(base));
    const first = await applyMigrations(connection, files);
    expect(first.applied.map((file) => file.file)).toEqual([
      "V0001__orders.sql",
      "V0002__customers.sql",
      "R__order_totals.sql",
    ]);
    expect(first.history.map((row) => [row.version, row.name, row.kind, row.success, row.appliedBy])).toEqual([
      ["0001", "orders", "versioned", true, "postgres"],
      ["0002", "customers", "versioned", true, "postgres"],
      [null, "order_totals", "repeatable", true, "postgres"],
    ]);
    expect(first.history.every((row) => row.checksum.length === 64 && row.durationMs >= 0)).toBe(true);
    expect(await query(connection, "select * from order_totals")).toEqual([{ orders: "0", total: "0" }]);

    const second = await applyMigrations(connection, files);
    expect(second.applied).toEqual([]);
    expect(second.history).toEqual(first.history);
  });

  it("applies a new file alone, and re-applies a repeatable whose content changed", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir(base);
    await applyMigrations(connection, readMigrationsDir(dir));
    sqlDir(
      {
        "V0003__order_notes.sql": "alter table orders add column note text;\n",
        "R__order_totals.sql":
          "create or replace view order_totals as select count(*) as orders, coalesce(sum(amount), 0) as total, 1 as version from orders;\n",
      },
      dir,
    );
    const result = await applyMigrations(connection, readMigrationsDir(dir));
    expect(result.applied.map((file) => file.file)).toEqual(["V0003__order_notes.sql", "R__order_totals.sql"]);
    expect(result.history).toHaveLength(5);
  });

  it("refuses an edited applied file before applying anything, naming it and both checksums", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir(base);
    const before = readMigrationsDir(dir);
    await applyMigrations(connection, before);
    sqlDir(
      {
        "V0001__orders.sql": "create table orders (id bigint primary key);\n",
        "V0003__new.sql": "create table should_not_exist ();\n",
      },
      dir,
    );
    const error = await failure(applyMigrations(connection, readMigrationsDir(dir)));
    expect(error.message).toContain("V0001__orders.sql was changed after it was applied (checksum in history");
    expect(error.message).toContain(before[0].checksum);
    expect(await query(connection, "select to_regclass('should_not_exist') as t")).toEqual([{ t: null }]);
    expect(await historyOf(connection)).toHaveLength(3);
  });

  it("rolls a failing file back completely, names file and line 17, keeps earlier files, and resumes once fixed", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir({ ...base, "V0003__invoices.sql": failsAtLine17 });
    const error = await failure(applyMigrations(connection, readMigrationsDir(dir)));
    expect(error.message.split("\n")[0]).toBe(
      'V0003__invoices.sql:17: 23514 new row for relation "invoices" violates check constraint "invoices_total_check"',
    );
    expect(error.message).toContain("DETAIL: Failing row contains (2, 1, -5.00).");
    expect(error.message).toContain("rolled back completely");
    expect([error.file, error.line, error.sqlstate]).toEqual(["V0003__invoices.sql", 17, "23514"]);
    expect(error.applied.map((file) => file.file)).toEqual(["V0001__orders.sql", "V0002__customers.sql"]);
    // Nothing of the failed file remains: not the table, the index, the function, nor the row in orders.
    expect(
      await query(
        connection,
        "select to_regclass('invoices') as t, to_regproc('invoice_count') as f, (select count(*) from orders) as n",
      ),
    ).toEqual([{ t: null, f: null, n: "0" }]);
    const history = await historyOf(connection);
    expect(history.map((row) => [row.name, row.success])).toEqual([
      ["orders", true],
      ["customers", true],
      ["invoices", false],
    ]);

    sqlDir({ "V0003__invoices.sql": failsAtLine17.replace("-5.00", "5.00") }, dir);
    const rerun = await applyMigrations(connection, readMigrationsDir(dir));
    expect(rerun.applied.map((file) => file.file)).toEqual(["V0003__invoices.sql", "R__order_totals.sql"]);
    expect(await query(connection, "select invoice_count() as n")).toEqual([{ n: "3" }]);
  });

  it("names the line of a syntax error from the server's position", async () => {
    const connection = await freshDatabase(server);
    const sql = "create table a (id int);\n\n-- comment\ncreate table b (\n  id int,\n  oops not_a_type\n);\n";
    const error = await failure(applyMigrations(connection, readMigrationsDir(sqlDir({ "V1__syntax.sql": sql }))));
    expect(error.message.split("\n")[0]).toBe('V1__syntax.sql:6: 42704 type "not_a_type" does not exist');
    expect(await query(connection, "select to_regclass('a') as a")).toEqual([{ a: null }]);
  });

  it("runs dollar-quoted function bodies and DO blocks containing semicolons as written", async () => {
    const connection = await freshDatabase(server);
    const sql = [
      "create table audit (id serial primary key, note text);",
      "create function touch() returns trigger language plpgsql as $fn$",
      "begin",
      "  insert into audit (note) values ('touched; once');",
      "  return new;",
      "end;",
      "$fn$;",
      "do $$",
      "declare i int;",
      "begin",
      "  for i in 1..3 loop insert into audit (note) values (format('row %s;', i)); end loop;",
      "end",
      "$$;",
      "select E'semi\\'colon; inside';",
    ].join("\n");
    await applyMigrations(connection, readMigrationsDir(sqlDir({ "V1__bodies.sql": sql })));
    expect(await query(connection, "select note from audit order by id")).toEqual([
      { note: "row 1;" },
      { note: "row 2;" },
      { note: "row 3;" },
    ]);
  });

  it("runs a no-transaction file statement by statement, so CREATE INDEX CONCURRENTLY works", async () => {
    const connection = await freshDatabase(server);
    const files = readMigrationsDir(
      sqlDir({
        ...base,
        "V0003__orders_amount_index.sql":
          "-- pgplat:no-transaction\ndrop index concurrently if exists orders_amount;\ncreate index concurrently orders_amount on orders (amount);\n",
      }),
    );
    const result = await applyMigrations(connection, files);
    expect(result.applied.map((file) => file.file)).toContain("V0003__orders_amount_index.sql");
    expect(
      await query(connection, "select indisvalid from pg_index where indexrelid = 'orders_amount'::regclass"),
    ).toEqual([{ indisvalid: true }]);
  });

  it("reports a failing no-transaction statement with its line, and says what stayed applied", async () => {
    const connection = await freshDatabase(server);
    const sql =
      "-- pgplat:no-transaction\ncreate table t1 (id int);\n\ncreate index concurrently on missing_table (id);\n";
    const error = await failure(applyMigrations(connection, readMigrationsDir(sqlDir({ "V1__nt.sql": sql }))));
    expect(error.message.split("\n")[0]).toBe('V1__nt.sql:4: 42P01 relation "missing_table" does not exist');
    expect(error.message).toContain("statements before this one stay applied");
    expect(await query(connection, "select to_regclass('t1') is not null as kept")).toEqual([{ kept: true }]);
  });

  it("lets one of two concurrent runs apply; the other waits, then finds nothing to do; no duplicate history", async () => {
    const connection = await freshDatabase(server);
    const files = readMigrationsDir(
      sqlDir({
        "V1__slow.sql": "create table slow (id int);\nselect pg_sleep(1);\n",
        "V2__next.sql": "create table next_one (id int);\n",
      }),
    );
    const [first, second] = await Promise.all([applyMigrations(connection, files), applyMigrations(connection, files)]);
    expect([first.applied.length, second.applied.length].sort()).toEqual([0, 2]);
    const history = await historyOf(connection);
    expect(history.map((row) => row.version)).toEqual(["1", "2"]);
  });

  it("fails a waiting run clearly, naming the holder, when the lock wait runs out", async () => {
    const connection = await freshDatabase(server);
    const files = readMigrationsDir(sqlDir({ "V1__slow.sql": "select pg_sleep(3);\n" }));
    const holder = applyMigrations(connection, files);
    await waitFor("the first run to take the lock", async () => {
      const rows = await query(connection, "select 1 from pg_locks where locktype = 'advisory' and granted");
      if (rows.length === 0) throw new Error("not yet");
    });
    const waiter = await applyMigrations(connection, files, { lockWaitMs: 500 }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(waiter?.message).toMatch(
      /^another migration run holds the lock \(pid \d+, application_name 'pgplat-migrate@[^']+', user postgres, connected \d+s ago\); waited 1s$/,
    );
    await holder;
  });

  it("does not deadlock when the holder builds an index concurrently while another run waits", async () => {
    const connection = await freshDatabase(server);
    await query(connection, "create table big as select g as id from generate_series(1, 200000) g");
    const files = readMigrationsDir(
      sqlDir({
        "V1__index.sql":
          "-- pgplat:no-transaction\nselect pg_sleep(0.5);\ncreate index concurrently big_id on big (id);\n",
      }),
    );
    const started = Date.now();
    const results = await Promise.all([
      applyMigrations(connection, files),
      applyMigrations(connection, files, { lockWaitMs: 30_000 }),
    ]);
    expect(results.map((result) => result.applied.length).sort()).toEqual([0, 1]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("rolls back a file whose backend is killed mid-file, and a rerun converges", async () => {
    const connection = await freshDatabase(server);
    const files = readMigrationsDir(
      sqlDir({
        "V1__long.sql": "create table half_done (id int);\nselect pg_sleep(30);\ncreate table after_sleep (id int);\n",
      }),
    );
    const running = applyMigrations(connection, files).then(
      () => undefined,
      (error: unknown) => error,
    );
    await waitFor("the migration to be sleeping", async () => {
      const rows = await query(
        connection,
        "select pid from pg_stat_activity where query like '%pg_sleep(30)%' and application_name like 'pgplat-migrate@%'",
      );
      if (rows.length === 0) throw new Error("not yet");
    });
    await query(
      connection,
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'pgplat-migrate@%'",
    );
    const error = await running;
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).file).toBe("V1__long.sql");
    expect(await query(connection, "select to_regclass('half_done') as t")).toEqual([{ t: null }]);

    const fixed = readMigrationsDir(
      sqlDir({
        "V1__long.sql":
          "create table half_done (id int);\nselect pg_sleep(30);\ncreate table after_sleep (id int);\n".replace(
            "30",
            "0",
          ),
      }),
    );
    // The file changed only in a way the history never saw (it was never applied), so it simply applies.
    expect((await applyMigrations(connection, fixed)).applied.map((file) => file.file)).toEqual(["V1__long.sql"]);
  });

  it("stops on lock_timeout when a table is locked by another session, after bounded retries, leaving nothing half-applied", async () => {
    const connection = await freshDatabase(server);
    await query(connection, "create table busy (id int)");
    const locker = new Client({ ...connection });
    await locker.connect();
    try {
      await locker.query("begin; lock table busy in access exclusive mode");
      const sql = "create table before_busy (id int);\nalter table busy add column note text;\n";
      const started = Date.now();
      const error = await failure(
        applyMigrations(connection, readMigrationsDir(sqlDir({ "V1__alter_busy.sql": sql })), {
          lockTimeoutMs: 200,
          lockRetries: 2,
        }),
      );
      expect(error.message.split("\n")[0]).toBe("V1__alter_busy.sql:2: 55P03 canceling statement due to lock timeout");
      // Three attempts with 200 ms lock waits and 200 + 400 ms backoff between them.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(await query(connection, "select to_regclass('before_busy') as t")).toEqual([{ t: null }]);
    } finally {
      await locker.end();
    }
  });

  it("reports status without changing anything: applied, pending, changed and missing files", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir(base);
    expect((await migrationStatus(connection, readMigrationsDir(dir))).status.map((entry) => entry.state)).toEqual([
      "pending",
      "pending",
      "pending",
    ]);
    await applyMigrations(connection, readMigrationsDir(dir));
    const edited = readMigrationsDir(
      sqlDir({
        "V0002__customers.sql": "select 'edited';\n",
        "R__order_totals.sql": base["R__order_totals.sql"],
        "V0003__more.sql": "select 1;\n",
      }),
    );
    const { status, problems } = await migrationStatus(connection, edited);
    expect(status.map((entry) => [entry.file, entry.state])).toEqual([
      ["V0002__customers.sql", "changed"],
      ["V0003__more.sql", "pending"],
      ["R__order_totals.sql", "applied"],
      ["V0001__orders.sql", "missing-from-files"],
    ]);
    expect(problems).toHaveLength(1);
  });
});
