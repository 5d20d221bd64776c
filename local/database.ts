import { createHash } from "node:crypto";
import * as path from "node:path";
import { Client } from "pg";
import { loginRoles, migratorLogin, ownerRole, rolePlan, type PlannedRole, type StackConfig } from "../config";
import { applyMigrations, readMigrationsDir, type ApplyResult, type ConnectionSettings } from "../migrations";
import { localHost, superuserConnection } from "./postgres";
import type { LocalSecrets } from "./secrets";

const projectRoot = path.join(__dirname, "..");

export interface LocalDatabaseArgs {
  readonly config: StackConfig;
  readonly port: number;
  readonly secrets: LocalSecrets;
  /** The digest of the last completed roles and database step (run record); skips it when unchanged. */
  readonly alreadySetUp?: string;
}

/**
 * What the Pulumi database setup creates, as SQL, made idempotent so every
 * start converges: the role plan (created, or brought back to the plan with
 * this stack's verifiers; roles removed from it dropped), the application
 * database owned by the owner role, pg_stat_statements, then `sql/` applied
 * as the migrator acting as the owner.
 */
export async function setUpLocalDatabase(args: LocalDatabaseArgs): Promise<ApplyResult | undefined> {
  if (args.alreadySetUp !== databaseSetupDigest(args)) await setUpRolesAndDatabase(args);
  return applyLocalMigrations(args);
}

/**
 * What the roles and database step depends on: the role plan, every verifier
 * and the database name. Equal to the last run's, that step is skipped (a
 * warm start then costs only the migrations check).
 */
export function databaseSetupDigest(args: LocalDatabaseArgs): string {
  const { config, secrets } = args;
  const verifiers = Object.fromEntries(
    Object.entries(secrets.logins).map(([login, credential]) => [login, credential.scramSecret]),
  );
  return createHash("sha256")
    .update(JSON.stringify({ plan: planFor(config), verifiers, database: config.postgres.database }))
    .digest("hex");
}

function planFor(config: StackConfig): readonly PlannedRole[] {
  return rolePlan(loginRoles(config.roles.extra), {
    statementTimeoutMs: config.roles.appStatementTimeoutMs,
    idleInTransactionTimeoutMs: config.roles.appIdleInTransactionTimeoutMs,
  });
}

async function setUpRolesAndDatabase(args: LocalDatabaseArgs): Promise<void> {
  const { config, secrets } = args;
  const plan = planFor(config);
  const admin = new Client(superuserConnection(args.port, secrets.superuser));
  await admin.connect();
  try {
    // log_statement = ddl would write every role's SCRAM verifier into the server log.
    await admin.query("set log_statement = 'none'");
    for (const role of plan)
      await applyRole(admin, role, role.login ? secrets.logins[role.name].scramSecret : undefined);
    const database = config.postgres.database;
    const exists = await admin.query("select 1 from pg_database where datname = $1", [database]);
    if (exists.rowCount === 0)
      await admin.query(
        `create database ${admin.escapeIdentifier(database)} owner ${admin.escapeIdentifier(ownerRole)} encoding 'UTF8' template template0`,
      );
  } finally {
    await admin.end();
  }
  const inDatabase = new Client(superuserConnection(args.port, secrets.superuser, config.postgres.database));
  await inDatabase.connect();
  try {
    await inDatabase.query("create extension if not exists pg_stat_statements");
    await dropRemovedRoles(inDatabase, plan);
  } finally {
    await inDatabase.end();
  }
}

/** Marks the roles this setup manages, so a role later removed from the config is told apart from one made by hand. */
const managedRoleComment = "managed by pgplat (npm start)";

/**
 * Drops the managed roles the plan no longer has (an extra role removed from
 * the config), as `pulumi up` deletes their resources: what they own in the
 * application database and their privileges go first. Roles made by hand
 * carry no mark and are never touched.
 */
async function dropRemovedRoles(inDatabase: Client, plan: readonly PlannedRole[]): Promise<void> {
  const { rows } = await inDatabase.query<{ name: string }>(
    "select rolname as name from pg_roles where shobj_description(oid, 'pg_authid') = $1 and not (rolname = any($2))",
    [managedRoleComment, plan.map((role) => role.name)],
  );
  for (const { name } of rows) {
    const role = inDatabase.escapeIdentifier(name);
    try {
      await inDatabase.query(`drop owned by ${role}`);
      await inDatabase.query(`drop role ${role}`);
    } catch (error) {
      throw new Error(`role ${name} was removed from the config, but dropping it failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

async function applyLocalMigrations(args: LocalDatabaseArgs): Promise<ApplyResult | undefined> {
  const { config } = args;
  if (!config.migrations.enabled) return undefined;
  const migrations = config.migrations;
  return applyMigrations(
    loginConnection(args, migratorLogin, args.port),
    readMigrationsDir(path.resolve(projectRoot, migrations.dir)),
    {
      lockTimeoutMs: migrations.lockTimeoutMs,
      statementTimeoutMs: migrations.statementTimeoutMs,
      lockRetries: migrations.lockRetries,
      lockWaitMs: migrations.lockWaitSeconds * 1000,
      outOfOrder: migrations.outOfOrder,
      role: ownerRole,
    },
  );
}

/** How `login` reaches the application database on `port` (PostgreSQL or PgBouncer). */
export function loginConnection(args: LocalDatabaseArgs, login: string, port: number): ConnectionSettings {
  return {
    host: localHost,
    port,
    user: login,
    password: args.secrets.logins[login].password,
    database: args.config.postgres.database,
  };
}

async function applyRole(admin: Client, role: PlannedRole, scramSecret: string | undefined): Promise<void> {
  const name = admin.escapeIdentifier(role.name);
  const exists = (await admin.query("select 1 from pg_roles where rolname = $1", [role.name])).rowCount !== 0;
  const attributes = role.login
    ? `login inherit password ${admin.escapeLiteral(scramSecret ?? "")} valid until 'infinity'`
    : "nologin inherit";
  await admin.query(exists ? `alter role ${name} ${attributes}` : `create role ${name} ${attributes}`);
  await admin.query(`comment on role ${name} is ${admin.escapeLiteral(managedRoleComment)}`);
  for (const group of role.memberOf) {
    const member = await admin.query(
      "select 1 from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member where g.rolname = $1 and r.rolname = $2",
      [group, role.name],
    );
    if (member.rowCount === 0) await admin.query(`grant ${admin.escapeIdentifier(group)} to ${name}`);
  }
  const limits = role.sessionLimits;
  if (limits) {
    await admin.query(`alter role ${name} set statement_timeout = ${Number(limits.statementTimeoutMs)}`);
    await admin.query(
      `alter role ${name} set idle_in_transaction_session_timeout = ${Number(limits.idleInTransactionTimeoutMs)}`,
    );
  }
}
