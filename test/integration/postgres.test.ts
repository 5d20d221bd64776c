import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scramSha256Secret } from "../../components/database/scram";
import { tune, tuningSettings } from "../../render/tuning";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { repositoryStackConfig } from "../support/stackConfig";

const config = repositoryStackConfig("dev");
let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres(config);
});
afterAll(async () => {
  await server?.stop();
});

/** psql that never prompts; returns its exit status and output. */
function psql(args: { user: string; password?: string; host: string }) {
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: "5" };
  delete env.PGPASSWORD;
  if (args.password !== undefined) env.PGPASSWORD = args.password;
  const result = spawnSync(
    "psql",
    [
      "-w",
      "-X",
      "-h",
      args.host,
      "-p",
      String(server.port),
      "-U",
      args.user,
      "-d",
      "postgres",
      "-tAc",
      "select current_user",
    ],
    { env, encoding: "utf8" },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("PostgreSQL 16 booted with the rendered postgresql.conf and pg_hba.conf", () => {
  it("is PostgreSQL 16", async () => {
    const [row] = await server.query<{ server_version_num: string }>("show server_version_num");
    expect(Number(row.server_version_num)).toBeGreaterThanOrEqual(160000);
    expect(Number(row.server_version_num)).toBeLessThan(170000);
  });

  it("has every tuned setting in effect", async () => {
    const expected = tuningSettings(
      tune({
        memoryMb: config.postgres.memoryMb,
        vcpus: config.postgres.vcpus,
        storageGb: config.postgres.storageGb,
        storageKind: config.postgres.storageKind,
        maxConnections: config.postgres.maxConnections,
        workload: config.postgres.workload,
      }),
    );
    const names = Object.keys(expected);
    const rows = await server.query<{ name: string; value: string }>(
      "select name, current_setting(name) as value from unnest($1::text[]) as name",
      [names],
    );
    expect(Object.fromEntries(rows.map((row) => [row.name, row.value]))).toEqual(expected);
  });

  it("has the security, logging and archiving settings in effect", async () => {
    const names = [
      "password_encryption",
      "shared_preload_libraries",
      "log_min_duration_statement",
      "archive_mode",
      "archive_timeout",
      "wal_level",
      "superuser_reserved_connections",
    ];
    const rows = await server.query<{ name: string; value: string }>(
      "select name, current_setting(name) as value from unnest($1::text[]) as name",
      [names],
    );
    expect(Object.fromEntries(rows.map((row) => [row.name, row.value]))).toEqual({
      password_encryption: "scram-sha-256",
      shared_preload_libraries: "pg_stat_statements",
      log_min_duration_statement: "250ms",
      archive_mode: "on",
      archive_timeout: "1min",
      wal_level: "replica",
      superuser_reserved_connections: "3",
    });
  });

  it("records statements in pg_stat_statements", async () => {
    await server.query("create extension if not exists pg_stat_statements");
    await server.query("create table pgss_marker (x int)");
    for (const threshold of [1, 2, 3]) await server.query(`select count(*) from pgss_marker where x > ${threshold}`);
    const rows = await server.query<{ query: string; calls: string }>(
      "select query, calls from pg_stat_statements where query like '%from pgss_marker%'",
    );
    // Constants are normalised away, so the three statements are one entry.
    expect(rows.map((row) => [row.query, Number(row.calls)])).toEqual([
      ["select count(*) from pgss_marker where x > $1", 3],
    ]);
  });

  it("stores new passwords as SCRAM and lets a SCRAM login in over TCP and the socket", async () => {
    await server.query("create role scram_login login password 'correct-horse'");
    const [row] = await server.query<{ rolpassword: string }>(
      "select rolpassword from pg_authid where rolname = 'scram_login'",
    );
    expect(row.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(psql({ user: "scram_login", password: "correct-horse", host: "127.0.0.1" })).toEqual({
      status: 0,
      output: "scram_login\n",
    });
    expect(psql({ user: "scram_login", password: "correct-horse", host: path.join(server.root, "socket") })).toEqual({
      status: 0,
      output: "scram_login\n",
    });
  });

  it("accepts the SCRAM verifier pgplat computes, so the plaintext logs in", async () => {
    const verifier = scramSha256Secret({ password: "Computed0Verifier", salt: Buffer.from("0123456789abcdef") });
    await server.query(`create role verifier_login login password '${verifier}'`);
    const [row] = await server.query<{ rolpassword: string }>(
      "select rolpassword from pg_authid where rolname = 'verifier_login'",
    );
    expect(row.rolpassword).toBe(verifier);
    expect(psql({ user: "verifier_login", password: "Computed0Verifier", host: "127.0.0.1" }).status).toBe(0);
    expect(psql({ user: "verifier_login", password: "wrong", host: "127.0.0.1" }).status).not.toBe(0);
  });

  it("refuses a login without a password, over TCP and the socket", () => {
    for (const host of ["127.0.0.1", path.join(server.root, "socket")]) {
      const result = psql({ user: "scram_login", host });
      expect(result.status).not.toBe(0);
      expect(result.output).toContain("no password supplied");
    }
  });

  it("refuses a wrong password, even for the superuser", () => {
    const result = psql({ user: "postgres", password: "not-the-password", host: "127.0.0.1" });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('password authentication failed for user "postgres"');
  });

  it("refuses a role whose password is stored as md5, even with the right password", async () => {
    const client = await server.connect();
    try {
      await client.query("set password_encryption = 'md5'");
      await client.query("create role md5_login login password 'right-password'");
    } finally {
      await client.end();
    }
    const [row] = await server.query<{ rolpassword: string }>(
      "select rolpassword from pg_authid where rolname = 'md5_login'",
    );
    expect(row.rolpassword).toMatch(/^md5/);
    const result = psql({ user: "md5_login", password: "right-password", host: "127.0.0.1" });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("password authentication failed");
  });
});
