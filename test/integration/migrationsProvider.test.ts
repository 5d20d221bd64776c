import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  migrationsProvider,
  type MigrationInput,
  type MigrationsInputs,
  type MigrationsOutputs,
} from "../../components/database/migrationsProvider";
import { readMigrationsDir, type ConnectionSettings } from "../../migrations";
import { freshDatabase, sqlDir } from "../support/migrationFixtures";
import { freePort } from "../support/processes";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { repositoryStackConfig } from "../support/stackConfig";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres(repositoryStackConfig("dev"));
});
afterAll(async () => {
  await server?.stop();
});

const files = {
  "V1__orders.sql": "create table orders (id bigint primary key);\n",
  "V2__lines.sql":
    "create table order_lines (order_id bigint references orders (id));\ncreate index order_lines_order_id on order_lines (order_id);\n",
  "R__views.sql": "create or replace view order_count as select count(*) from orders;\n",
};
const inputsFor = (connection: ConnectionSettings, dir: string): MigrationsInputs => ({
  migrations: readMigrationsDir(dir).map(
    ({ file, kind, version, name, checksum, sql, noTransaction }): MigrationInput => ({
      file,
      kind,
      version,
      name,
      checksum,
      sql,
      noTransaction,
    }),
  ),
  connection,
  options: { lockTimeoutMs: 2000 },
});

async function sql(connection: ConnectionSettings, text: string) {
  const client = new Client({ ...connection });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe("migrations dynamic provider", () => {
  it("diffs without a database: lists pending files, never replaces", async () => {
    const unreachable: ConnectionSettings = {
      host: "127.0.0.1",
      port: await freePort(),
      user: "nobody",
      password: "x",
      database: "none",
    };
    const inputs = inputsFor(unreachable, sqlDir(files));
    const olds: MigrationsOutputs = {
      ...inputs,
      applied: [
        {
          file: "V1__orders.sql",
          kind: "versioned",
          version: "1",
          name: "orders",
          checksum: inputs.migrations[0].checksum,
        },
      ],
    };
    expect(await migrationsProvider.diff("id", olds, inputs)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const allApplied = {
      ...olds,
      applied: inputs.migrations.map((migration) => ({
        file: migration.file,
        kind: migration.kind,
        version: migration.version ?? null,
        name: migration.name,
        checksum: migration.checksum,
      })),
    };
    expect(await migrationsProvider.diff("id", allApplied, inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("checks names, duplicate versions and checksums before anything runs", async () => {
    const inputs = inputsFor({ host: "127.0.0.1", port: 1, user: "u", password: "p", database: "d" }, sqlDir(files));
    expect((await migrationsProvider.check({}, inputs)).failures).toEqual([]);
    const tampered = {
      ...inputs,
      migrations: [{ ...inputs.migrations[0], sql: "drop table orders;" }, ...inputs.migrations.slice(1)],
    };
    expect((await migrationsProvider.check({}, tampered)).failures).toEqual([
      { property: "migrations", reason: "V1__orders.sql: checksum does not match its SQL" },
    ]);
    const duplicate = {
      ...inputs,
      migrations: [...inputs.migrations, { ...inputs.migrations[0], file: "V01__again.sql", name: "again" }],
    };
    expect((await migrationsProvider.check({}, duplicate)).failures?.[0].reason).toMatch(
      /checksum does not match|duplicate version/,
    );
  });

  it("creates by applying everything, updates by applying only what is new", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir(files);
    const created = await migrationsProvider.create(inputsFor(connection, dir));
    expect(created.id).toBe("pgplat-migrations");
    expect(created.outs?.applied.map((record) => record.file)).toEqual([
      "V1__orders.sql",
      "V2__lines.sql",
      "R__views.sql",
    ]);

    sqlDir({ "V3__notes.sql": "alter table orders add column note text;\n" }, dir);
    const news = inputsFor(connection, dir);
    expect((await migrationsProvider.diff("id", created.outs!, news)).changes).toBe(true);
    const updated = await migrationsProvider.update("id", created.outs!, news);
    // In the order the database applied them.
    expect(updated.outs?.applied.map((record) => record.file)).toEqual([
      "V1__orders.sql",
      "V2__lines.sql",
      "R__views.sql",
      "V3__notes.sql",
    ]);
    expect((await migrationsProvider.diff("id", updated.outs!, news)).changes).toBe(false);
  });

  it("on a failing file keeps the files that did apply in the state it reports", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir({
      ...files,
      "V3__broken.sql": "alter table orders add column ok text;\nalter table nope add column x int;\n",
    });
    const error = (await migrationsProvider.create(inputsFor(connection, dir)).then(
      () => undefined,
      (caught: unknown) => caught,
    )) as Error & { id: string; properties: MigrationsOutputs; reasons: string[] };
    expect(error.message.split("\n")[0]).toBe('V3__broken.sql:2: 42P01 relation "nope" does not exist');
    expect(error.id).toBe("pgplat-migrations");
    expect(error.properties.applied.map((record) => record.file)).toEqual(["V1__orders.sql", "V2__lines.sql"]);
    expect(error.properties.connection).toEqual(connection);
  });

  it("refresh re-reads the history, so drift shows", async () => {
    const connection = await freshDatabase(server);
    const created = await migrationsProvider.create(inputsFor(connection, sqlDir(files)));
    await sql(connection, "delete from pgplat_migrations.history where name = 'lines'");
    const refreshed = await migrationsProvider.read("pgplat-migrations", created.outs!);
    expect(refreshed.props?.applied.map((record) => record.file)).toEqual(["V1__orders.sql", "R__views.sql"]);
    expect((await migrationsProvider.diff("id", refreshed.props!, inputsFor(connection, sqlDir(files)))).changes).toBe(
      true,
    );
  });

  it("delete keeps the data", async () => {
    const connection = await freshDatabase(server);
    const created = await migrationsProvider.create(inputsFor(connection, sqlDir(files)));
    await sql(connection, "insert into orders values (42)");
    await migrationsProvider.delete();
    expect(await sql(connection, "select id from orders")).toEqual([{ id: "42" }]);
    expect(created.outs?.applied).toHaveLength(3);
  });

  it("survives Pulumi's serialization: the serialized provider diffs in a fresh process", () => {
    const inputs = inputsFor({ host: "127.0.0.1", port: 1, user: "u", password: "p", database: "d" }, sqlDir(files));
    const script = path.join(__dirname, "..", "support", "serializedProviderDiff.ts");
    const result = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", script, JSON.stringify(inputs)],
      { cwd: path.join(__dirname, "..", ".."), encoding: "utf8" },
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });
});
