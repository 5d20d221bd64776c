import { describe, expect, it } from "vitest";
import {
  compareVersions,
  orderMigrations,
  parseMigration,
  planMigrations,
  splitStatements,
  type HistoryRow,
  type Migration,
} from "../../migrations";

const versioned = (file: string, sql = "select 1;") => parseMigration(file, sql, "versioned");
const repeatable = (file: string, sql = "select 1;") => parseMigration(file, sql, "repeatable");

describe("migration files", () => {
  it("parses versioned and repeatable names, checksums and directives", () => {
    const file = versioned(
      "V0003__add_orders.sql",
      "-- pgplat:no-transaction\r\ncreate index concurrently i on t (c);\r\n",
    );
    expect(file).toMatchObject({
      kind: "versioned",
      version: "0003",
      name: "add_orders",
      file: "V0003__add_orders.sql",
      noTransaction: true,
      sql: "-- pgplat:no-transaction\ncreate index concurrently i on t (c);\n",
    });
    expect(file.checksum).toBe(
      versioned("V0003__add_orders.sql", "-- pgplat:no-transaction\ncreate index concurrently i on t (c);\n").checksum,
    );
    expect(repeatable("R__views.sql")).toMatchObject({
      kind: "repeatable",
      version: undefined,
      name: "views",
      noTransaction: false,
    });
    expect(versioned("V1__x.sql", "select 1;\n-- pgplat:no-transaction\n").noTransaction).toBe(false);
  });

  it.each(["V1_x.sql", "V__x.sql", "v1__x.sql", "V1__bad-name.sql", "V1__x.SQL", "Vx__y.sql"])(
    "rejects the malformed name %s",
    (file) => {
      expect(() => versioned(file)).toThrow(`${file}: malformed name`);
    },
  );

  it("rejects unknown directives", () => {
    expect(() => versioned("V1__x.sql", "-- pgplat:no-transactoin\nselect 1;")).toThrow(
      "unknown directive pgplat:no-transactoin",
    );
  });

  it("orders versions numerically and rejects duplicates", () => {
    expect(compareVersions("2", "10")).toBeLessThan(0);
    expect(compareVersions("1.10", "1.9")).toBeGreaterThan(0);
    expect(compareVersions("0001", "1")).toBe(0);
    const ordered = orderMigrations([
      repeatable("R__b.sql"),
      versioned("V10__c.sql"),
      repeatable("R__a.sql"),
      versioned("V2__b.sql"),
      versioned("V1_5__a.sql"),
    ]);
    expect(ordered.map((migration) => migration.file)).toEqual([
      "V1_5__a.sql",
      "V2__b.sql",
      "V10__c.sql",
      "R__a.sql",
      "R__b.sql",
    ]);
    expect(() => orderMigrations([versioned("V1__a.sql"), versioned("V0001__b.sql")])).toThrow(/duplicate version/);
  });
});

describe("splitStatements", () => {
  it("splits on semicolons outside strings, identifiers, dollar quotes and comments", () => {
    const sql = [
      "create table \"semi;colon\" (note text default 'a;b''c');", // 1
      "-- a comment; with a semicolon", // 2
      "insert into t values (E'it\\'s; fine');", // 3
      "/* block; /* nested; */ still; */ select 1;", // 4
      "create function f() returns int language plpgsql as $body$", // 5
      "begin return 1; end;", // 6
      "$body$;", // 7
      "do $$ begin perform 1; end $$;", // 8
      "select $1::int, a$b from t;", // 9
      ";;", // 10
      "select 'unterminated; at end'", // 11
    ].join("\n");
    const statements = splitStatements(sql);
    expect(statements.map((statement) => statement.line)).toEqual([1, 3, 4, 5, 8, 9, 11]);
    expect(statements[0].sql).toBe("create table \"semi;colon\" (note text default 'a;b''c')");
    expect(statements[1].sql).toBe("insert into t values (E'it\\'s; fine')");
    expect(statements[2].sql).toBe("select 1");
    expect(statements[3].sql).toContain("begin return 1; end;\n$body$");
    expect(statements[4].sql).toBe("do $$ begin perform 1; end $$");
  });

  it("treats a backslash in a standard string as an ordinary character", () => {
    expect(splitStatements("select 'a\\'; select 2;").map((statement) => statement.sql)).toEqual([
      "select 'a\\'",
      "select 2",
    ]);
  });
});

const row = (overrides: Partial<HistoryRow>): HistoryRow => ({
  installedRank: 1,
  version: "1",
  name: "a",
  kind: "versioned",
  checksum: "x",
  appliedAt: "2026-01-01T00:00:00.000Z",
  durationMs: 1,
  appliedBy: "app_migrator",
  success: true,
  ...overrides,
});
const applied = (migration: Migration, rank = 1): HistoryRow =>
  row({
    installedRank: rank,
    version: migration.version ?? null,
    name: migration.name,
    kind: migration.kind,
    checksum: migration.checksum,
  });

describe("planMigrations", () => {
  const v1 = versioned("V1__a.sql", "create table a ();");
  const v2 = versioned("V2__b.sql", "create table b ();");
  const r = repeatable("R__views.sql", "create or replace view v as select 1;");

  it("plans everything from empty, versioned first", () => {
    const plan = planMigrations([v1, v2, r], [], { outOfOrder: false });
    expect(plan.pending.map((migration) => migration.file)).toEqual(["V1__a.sql", "V2__b.sql", "R__views.sql"]);
    expect(plan.problems).toEqual([]);
  });

  it("plans nothing when everything is applied, and re-applies a changed repeatable", () => {
    expect(
      planMigrations([v1, v2, r], [applied(v1), applied(v2, 2), applied(r, 3)], { outOfOrder: false }).pending,
    ).toEqual([]);
    const changed = repeatable("R__views.sql", "create or replace view v as select 2;");
    expect(
      planMigrations([v1, v2, changed], [applied(v1), applied(v2, 2), applied(r, 3)], { outOfOrder: false }).pending,
    ).toEqual([changed]);
  });

  it("ignores failed attempts when deciding what is applied", () => {
    expect(planMigrations([v1], [{ ...applied(v1), success: false }], { outOfOrder: false }).pending).toEqual([v1]);
  });

  it("refuses an edited applied file, naming it and both checksums", () => {
    const edited = versioned("V1__a.sql", "create table a (id int);");
    const plan = planMigrations([edited, v2], [applied(v1)], { outOfOrder: false });
    expect(plan.problems).toEqual([
      `V1__a.sql was changed after it was applied (checksum in history ${v1.checksum}, file ${edited.checksum}); add a new migration instead of editing an applied one`,
    ]);
    expect(plan.status[0]).toMatchObject({ state: "changed" });
  });

  it("refuses a new file older than the newest applied one unless out-of-order is allowed", () => {
    const late = versioned("V1_5__late.sql");
    expect(planMigrations([v1, late, v2], [applied(v1), applied(v2, 2)], { outOfOrder: false }).problems[0]).toContain(
      "V1_5__late.sql has version 1_5, lower than the highest applied version 2",
    );
    expect(planMigrations([v1, late, v2], [applied(v1), applied(v2, 2)], { outOfOrder: true })).toMatchObject({
      problems: [],
      pending: [late],
    });
  });

  it("reports applied files that are missing from the directory", () => {
    expect(planMigrations([v2], [applied(v1), applied(v2, 2)], { outOfOrder: false }).status).toEqual([
      { file: "V2__b.sql", kind: "versioned", version: "2", name: "b", state: "applied" },
      {
        file: "V1__a.sql",
        kind: "versioned",
        version: "1",
        name: "a",
        state: "missing-from-files",
        appliedChecksum: v1.checksum,
      },
    ]);
  });
});
