import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { runAs, setUpPlatformDatabase, type PlatformDatabase } from "../support/platformDatabase";
import { repositoryStackConfig } from "../support/stackConfig";

let server: PostgresServer;
let platform: PlatformDatabase;

beforeAll(async () => {
  server = await startPostgres(repositoryStackConfig("dev"));
  platform = await setUpPlatformDatabase(server, repositoryStackConfig("dev"));
  // A customer and a store, inserted by the application login.
  const seeded = await runAs(
    platform.as("app_user"),
    "insert into app.customers (email, name) values ('ada@example.com', 'Ada'); insert into app.stores (name, latitude, longitude) values ('Main', 52.52, 13.40)",
  );
  if (typeof seeded === "string") throw new Error(seeded);
});
afterAll(async () => {
  await server?.stop();
});

const denied = (what: RegExp = /permission denied|must be owner/) =>
  expect.stringMatching(new RegExp(`^ERROR: .*(${what.source})`));

describe("sql/ applied as the migrator on PostgreSQL 16", () => {
  it("applies every file, owned by the owner role", async () => {
    expect(platform.migrations.applied.map((file) => file.file)).toEqual([
      "V0001__baseline.sql",
      "V0002__example_orders.sql",
      "R__health_checks.sql",
      "R__monitoring_views.sql",
    ]);
    expect(
      await runAs(platform.as("app_migrator"), "select tableowner from pg_tables where schemaname = 'app' group by 1"),
    ).toEqual([{ tableowner: "app_owner" }]);
  });
});

describe("privilege matrix", () => {
  it("app_user reads and writes application rows", async () => {
    const app = platform.as("app_user");
    expect(
      await runAs(
        app,
        "insert into app.orders (customer_id, store_id, amount) select c.id, s.id, 12.50 from app.customers c, app.stores s returning amount",
      ),
    ).toEqual([{ amount: "12.50" }]);
    expect(await runAs(app, "update app.orders set amount = 13 returning amount")).toEqual([{ amount: "13.00" }]);
    expect(await runAs(app, "select count(*) from app.live_orders")).toEqual([{ count: "1" }]);
    expect(await runAs(app, "delete from app.promotions")).toEqual([]);
  });

  it("app_user cannot create or drop tables, nor read monitoring", async () => {
    const app = platform.as("app_user");
    expect(await runAs(app, "create table app.sneaky (id int)")).toEqual(denied(/permission denied for schema app/));
    expect(await runAs(app, "drop table app.orders")).toEqual(denied(/must be owner of table orders/));
    expect(await runAs(app, "alter table app.orders add column x int")).toEqual(
      denied(/must be owner of table orders/),
    );
    expect(await runAs(app, "select * from monitoring.database_summary")).toEqual(
      denied(/permission denied for schema monitoring/),
    );
  });

  it("app_user runs under the configured statement and idle-in-transaction timeouts", async () => {
    expect(
      await runAs(
        platform.as("app_user"),
        "select current_setting('statement_timeout') as s, current_setting('idle_in_transaction_session_timeout') as i",
      ),
    ).toEqual([{ s: "30s", i: "1min" }]);
    expect(await runAs(platform.as("app_reporting"), "select current_setting('statement_timeout') as s")).toEqual([
      { s: "0" },
    ]);
  });

  it("app_reporting reads but cannot write, create or read monitoring", async () => {
    const reporting = platform.as("app_reporting");
    expect(await runAs(reporting, "select email from app.customers")).toEqual([{ email: "ada@example.com" }]);
    expect(await runAs(reporting, "insert into app.customers (email, name) values ('x@example.com', 'X')")).toEqual(
      denied(/permission denied for table customers/),
    );
    expect(await runAs(reporting, "update app.customers set name = 'Eve'")).toEqual(
      denied(/permission denied for table customers/),
    );
    expect(await runAs(reporting, "delete from app.customers")).toEqual(
      denied(/permission denied for table customers/),
    );
    expect(await runAs(reporting, "create table app.mine (id int)")).toEqual(
      denied(/permission denied for schema app/),
    );
    expect(await runAs(reporting, "select * from monitoring.slow_queries")).toEqual(
      denied(/permission denied for schema monitoring/),
    );
  });

  it("app_monitoring reads monitoring views and every statement in pg_stat_statements, but no application rows", async () => {
    const monitoring = platform.as("app_monitoring");
    expect(await runAs(monitoring, "select database_name from monitoring.database_summary")).toEqual([
      { database_name: platform.database },
    ]);
    const statements = await runAs(
      monitoring,
      "select query from public.pg_stat_statements where query like '%app.customers%' and query not like '%pg_stat_statements%'",
    );
    expect(Array.isArray(statements) && statements.length).toBeGreaterThan(0);
    expect(JSON.stringify(statements)).not.toContain("insufficient privilege");
    expect(await runAs(monitoring, "select * from app.customers")).toEqual(denied(/permission denied for schema app/));
    expect(
      await runAs(
        monitoring,
        "select 1 from pg_roles where pg_has_role('app_monitoring', 'pg_monitor', 'member') and rolname = 'app_monitoring'",
      ),
    ).toEqual([{ "?column?": 1 }]);
  });

  it("the migrator creates objects, and tables it creates later are covered by the groups' default privileges", async () => {
    const migrator = platform.as("app_migrator");
    expect(await runAs(migrator, "set role app_owner; create table app.later (id int primary key, note text)")).toEqual(
      [],
    );
    expect(await runAs(platform.as("app_user"), "insert into app.later values (1, 'ok') returning note")).toEqual([
      { note: "ok" },
    ]);
    expect(await runAs(platform.as("app_reporting"), "select note from app.later")).toEqual([{ note: "ok" }]);
    expect(await runAs(platform.as("app_monitoring"), "select * from app.later")).toEqual(
      denied(/permission denied for schema app/),
    );
  });

  it.each(["app_user", "app_reporting", "app_monitoring", "app_migrator"])(
    "%s cannot create in public",
    async (login) => {
      expect(await runAs(platform.as(login), "create table public.anything (id int)")).toEqual(
        denied(/permission denied for schema public/),
      );
    },
  );

  it("a login in no group cannot even connect to the application database", async () => {
    await server.query("create role stranger login password 'Stranger0Password'");
    const result = await runAs(
      { ...platform.as("app_user"), user: "stranger", password: "Stranger0Password" },
      "select 1",
    ).catch((error: Error) => `ERROR: ${error.message}`);
    expect(result).toEqual(denied(/permission denied for database/));
  });
});

describe("example schema constraints", () => {
  it.each([
    [
      "a negative amount",
      "insert into app.orders (customer_id, store_id, amount) select c.id, s.id, -1 from app.customers c, app.stores s",
      "orders_amount_check",
    ],
    [
      "a discount over 100 %",
      "insert into app.orders (customer_id, store_id, amount, discount_percent) select c.id, s.id, 1, 101 from app.customers c, app.stores s",
      "orders_discount_percent_check",
    ],
    [
      "a latitude out of range",
      "insert into app.stores (name, latitude, longitude) values ('Pole', 91, 0)",
      "stores_latitude_check",
    ],
    [
      "a promotion ending before it starts",
      "insert into app.promotions (store_id, percent, starts_at, ends_at) select id, 10, now(), now() - interval '1 day' from app.stores",
      "promotions_period",
    ],
    [
      "an order for a customer that does not exist",
      "insert into app.orders (customer_id, store_id, amount) select 999999, id, 1 from app.stores",
      "orders_customer_id_fkey",
    ],
    [
      "a second live customer with the same e-mail",
      "insert into app.customers (email, name) values ('ADA@example.com', 'Ada again')",
      "customers_email_live",
    ],
  ])("rejects %s", async (_what, sql, constraint) => {
    expect(await runAs(platform.as("app_user"), sql)).toEqual(expect.stringContaining(constraint));
  });

  it("lets a soft-deleted customer's e-mail be reused, and maintains updated_at", async () => {
    const app = platform.as("app_user");
    expect(
      await runAs(
        app,
        "update app.customers set deleted_at = now(), updated_at = '2000-01-01' where email = 'ada@example.com' returning updated_at > '2001-01-01' as touched",
      ),
    ).toEqual([{ touched: true }]);
    expect(
      await runAs(app, "insert into app.customers (email, name) values ('ada@example.com', 'Ada II') returning name"),
    ).toEqual([{ name: "Ada II" }]);
  });

  it("has an index on every foreign key column", async () => {
    expect(
      await runAs(
        platform.as("app_monitoring"),
        "select * from monitoring.foreign_keys_without_index where schema_name = 'app'",
      ),
    ).toEqual([]);
  });
});
