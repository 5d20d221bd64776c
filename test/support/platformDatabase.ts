import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { Client } from "pg";
import { groupRoleOf, groupRoles, loginRoles, migratorLogin, ownerRole, type StackConfig } from "../../config";
import { applyMigrations, readMigrationsDir, type ApplyResult, type ConnectionSettings } from "../../migrations";
import { scramSha256Secret } from "../../components/database/scram";
import type { PostgresServer } from "./postgresServer";

export interface PlatformDatabase {
  readonly database: string;
  /** Settings to log in as each login role. */
  readonly as: (login: string) => ConnectionSettings;
  readonly migrations: ApplyResult;
}

let counter = 0;

/**
 * Builds what components/database/setup.ts builds, as SQL: the group roles,
 * the logins with SCRAM verifiers and their session limits, the application
 * database owned by the owner role, pg_stat_statements, and then sql/ applied
 * as the migrator acting as the owner role.
 */
export async function setUpPlatformDatabase(
  server: PostgresServer,
  config: StackConfig,
  sqlDir = path.join(__dirname, "..", "..", "sql"),
): Promise<PlatformDatabase> {
  const database = `platform_${process.pid}_${++counter}`;
  const passwords = new Map<string, string>();
  const logins = loginRoles(config.roles.extra);
  const existing = new Set(
    (await server.query<{ rolname: string }>("select rolname from pg_roles")).map((row) => row.rolname),
  );
  for (const group of groupRoles.filter((candidate) => !existing.has(candidate.name))) {
    await server.query(
      `create role ${group.name} nologin inherit ${group.memberOf.length ? `in role ${group.memberOf.join(", ")}` : ""}`,
    );
  }
  for (const login of logins) {
    const password = `Pw${randomBytes(12).toString("hex")}`;
    passwords.set(login.name, password);
    const verifier = scramSha256Secret({ password, salt: randomBytes(16) });
    const limits = login.memberOf.includes(groupRoleOf.readwrite)
      ? ` valid until 'infinity'; alter role ${login.name} set statement_timeout = ${config.roles.appStatementTimeoutMs}; alter role ${login.name} set idle_in_transaction_session_timeout = ${config.roles.appIdleInTransactionTimeoutMs}`
      : "";
    const create = existing.has(login.name)
      ? `alter role ${login.name} password '${verifier}'`
      : `create role ${login.name} login inherit password '${verifier}' in role ${login.memberOf.join(", ")}`;
    await server.query(`${create}${limits}`);
  }
  await server.query(`create database ${database} owner ${ownerRole} encoding 'UTF8' template template0`);
  const admin = await server.connect({ database });
  try {
    await admin.query("create extension pg_stat_statements");
  } finally {
    await admin.end();
  }
  const as = (login: string): ConnectionSettings => ({
    host: "127.0.0.1",
    port: server.port,
    user: login,
    password: passwords.get(login)!,
    database,
  });
  const migrations = await applyMigrations(as(migratorLogin), readMigrationsDir(sqlDir), { role: ownerRole });
  return { database, as, migrations };
}

/** Runs SQL as a login; returns rows, or the error message prefixed with "ERROR: ". */
export async function runAs(connection: ConnectionSettings, sql: string): Promise<Record<string, unknown>[] | string> {
  const client = new Client({ ...connection });
  await client.connect();
  try {
    const result = (await client.query(sql)) as unknown as
      { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
    // Several statements give one result each; the last one is the answer.
    return Array.isArray(result) ? result[result.length - 1].rows : result.rows;
  } catch (error) {
    return `ERROR: ${(error as Error).message}`;
  } finally {
    await client.end();
  }
}
