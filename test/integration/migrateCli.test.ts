import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionSettings } from "../../migrations";
import { freshDatabase, sqlDir } from "../support/migrationFixtures";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { repositoryStackConfig } from "../support/stackConfig";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres(repositoryStackConfig("dev"));
});
afterAll(async () => {
  await server?.stop();
});

const url = (connection: ConnectionSettings, password = connection.password) =>
  `postgresql://${connection.user}:${encodeURIComponent(password)}@${connection.host}:${connection.port}/${connection.database}`;

function migrate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(
    "bash",
    [path.join(__dirname, "..", "..", "scripts", "lib", "run-ts.sh"), "scripts/migrate.ts", ...args],
    { env: { ...process.env, DATABASE_URL: "", ...env }, encoding: "utf8" },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.replace(/^npm warn.*\n/gm, "") };
}

describe("npm run migrate", () => {
  it("shows status, applies pending files, and is a no-op the second time", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir({
      "V1__a.sql": "create table a (id int);\n",
      "R__v.sql": "create or replace view v as select count(*) from a;\n",
    });
    expect(migrate(["status", "--database-url", url(connection), "--dir", dir])).toEqual({
      status: 0,
      stdout: "pending            V1__a.sql\npending            R__v.sql\n",
      stderr: "",
    });
    const applied = migrate(["apply", "--dir", dir, "--no-role"], { DATABASE_URL: url(connection) });
    expect(applied.status).toBe(0);
    expect(applied.stdout).toMatch(
      /^applied V1__a\.sql \(\d+ ms\)\napplied R__v\.sql \(\d+ ms\)\n2 file\(s\) applied\n$/,
    );
    expect(migrate(["apply", "--dir", dir, "--database-url", url(connection), "--no-role"]).stdout).toBe(
      "nothing to apply\n",
    );
    expect(migrate(["status", "--database-url", url(connection), "--dir", dir]).stdout).toBe(
      "applied            V1__a.sql\napplied            R__v.sql\n",
    );
  });

  it("exits non-zero with <file>:<line>: leading the error, and reports changed and missing files", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir({
      "V1__a.sql": "create table a (id int);\n",
      "V2__bad.sql": "create table b (id int);\n\ninsert into b values ('x');\n",
    });
    const failed = migrate(["apply", "--database-url", url(connection), "--dir", dir, "--no-role"]);
    expect(failed.status).toBe(1);
    expect(failed.stderr.split("\n")[0]).toBe('V2__bad.sql:3: 22P02 invalid input syntax for type integer: "x"');
    expect(failed.stderr).toContain("applied before the failure: V1__a.sql");
    const edited = sqlDir({ "V1__a.sql": "create table a (id bigint);\n" });
    const status = migrate(["status", "--database-url", url(connection), "--dir", edited]);
    expect(status.status).toBe(1);
    expect(status.stdout).toBe("changed            V1__a.sql\n");
    expect(status.stderr).toContain("V1__a.sql was changed after it was applied");
  });

  it("on a database pgplat did not provision, says the owner role is missing and what to pass instead", async () => {
    const connection = await freshDatabase(server);
    const dir = sqlDir({ "V1__a.sql": "create table a (id int);\n" });
    const missing = migrate(["apply", "--database-url", url(connection), "--dir", dir, "--role", "nobody_here"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      'cannot act as role nobody_here (SET ROLE) as login postgres: role "nobody_here" does not exist\npass --role <a role postgres is a member of> so what the migrations create belongs to it, or --no-role to act as postgres itself (a database pgplat did not provision has no app_owner)\n',
    );
    await server.query(
      "do $$ begin if not exists (select from pg_roles where rolname = 'cli_stranger') then create role cli_stranger login password 'Str4ngerPassw0rd'; end if; end $$",
    );
    await server.query(`grant all on database ${connection.database} to cli_stranger`);
    const notMember = migrate([
      "apply",
      "--database-url",
      url({ ...connection, user: "cli_stranger", password: "Str4ngerPassw0rd" }),
      "--dir",
      dir,
      "--role",
      "pg_monitor",
    ]);
    expect(notMember.status).toBe(1);
    expect(notMember.stderr.split("\n")[0]).toBe(
      'cannot act as role pg_monitor (SET ROLE) as login cli_stranger: permission denied to set role "pg_monitor"',
    );
    expect(notMember.stdout + notMember.stderr).not.toContain("Str4ngerPassw0rd");
  });

  it("records in applied_by the login that ran the migration, not the role it acted as", async () => {
    await server.query(
      "do $$ begin if not exists (select from pg_roles where rolname = 'cli_team') then create role cli_team nologin; end if; end $$",
    );
    const connection = await freshDatabase(server);
    await server.query(`alter database ${connection.database} owner to cli_team`);
    const dir = sqlDir({ "V1__a.sql": "create table a (id int);\n" });
    expect(migrate(["apply", "--database-url", url(connection), "--dir", dir, "--role", "cli_team"]).status).toBe(0);
    const client = await server.connect({ database: connection.database });
    try {
      expect((await client.query("select applied_by from pgplat_migrations.history")).rows).toEqual([
        { applied_by: "postgres" },
      ]);
      expect((await client.query("select tableowner from pg_tables where tablename = 'a'")).rows).toEqual([
        { tableowner: "cli_team" },
      ]);
    } finally {
      await client.end();
    }
  });

  it("says which part of a URL does not parse, without repeating it", () => {
    for (const [bad, part] of [
      ["postgresql://app:pa/ss#w0rd@db.internal:5432/app", "a / ? or # before the @ cuts the user:password part short"],
      ["postgresql://app:pa%zzss@db.internal:5432/app", "the password has a % not followed by two hex digits"],
      ["postgresql://db.internal:54x2/app", "the port after the host is not a number"],
    ]) {
      const result = migrate(["status", "--database-url", bad]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`the database URL does not parse: ${part}`);
      expect(result.stderr).toContain("percent-encode special characters");
      expect(result.stderr).not.toMatch(/pa\/ss|pa%zz|54x2/);
    }
  });

  it("acts as app_owner by default, so what it creates belongs to the owner role", async () => {
    await server.query(
      "do $$ begin if not exists (select from pg_roles where rolname = 'app_owner') then create role app_owner nologin; end if; end $$",
    );
    const database = `cli_owner_${process.pid}`;
    await server.query(`create database ${database} owner app_owner`);
    const connection = {
      host: "127.0.0.1",
      port: server.port,
      user: "postgres",
      password: server.superuserPassword,
      database,
    };
    const dir = sqlDir({ "V1__a.sql": "create table a (id int);\n" });
    expect(migrate(["apply", "--database-url", url(connection), "--dir", dir]).status).toBe(0);
    const client = await server.connect({ database });
    try {
      expect(
        (await client.query("select tableowner from pg_tables where tablename in ('a', 'history') order by tablename"))
          .rows,
      ).toEqual([{ tableowner: "app_owner" }, { tableowner: "app_owner" }]);
    } finally {
      await client.end();
    }
  });

  it("never prints the password, even when it is wrong", async () => {
    const connection = await freshDatabase(server);
    const result = migrate(["status", "--database-url", url(connection, "Sup3rSecretWrong"), "--dir", sqlDir({})]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('password authentication failed for user "postgres"');
    expect(result.stdout + result.stderr).not.toContain("Sup3rSecretWrong");
  });

  it("asks for a database when none is given", () => {
    const result = migrate(["status"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("no database: pass --database-url");
  });
});
