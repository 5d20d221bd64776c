/**
 * Names PostgreSQL or RDS reserve or create themselves: a role or database
 * pgplat would create under one of them fails at deploy time, or takes over
 * something that is not ours.
 */

/** Role names PostgreSQL refuses (`public`, `none` and the SQL session keywords) or reserves by prefix. */
const postgresReservedRoles = ["public", "none", "current_user", "session_user", "current_role"];
/** Roles RDS creates in every instance. */
const rdsRoles = [
  "rdsadmin",
  "rdsrepladmin",
  "rdstopmgr",
  "rds_superuser",
  "rds_replication",
  "rds_iam",
  "rds_password",
  "rds_ad",
  "rds_extension",
];

/** Why `name` cannot be a login role pgplat creates, or undefined. */
export function reservedRoleProblem(name: string): string | undefined {
  if (name.startsWith("pg_")) return "not starting with pg_ (PostgreSQL reserves that prefix for its predefined roles)";
  if (postgresReservedRoles.includes(name)) return `not ${name} (reserved by PostgreSQL)`;
  if (rdsRoles.includes(name) || name.startsWith("rds_")) return `not ${name} (RDS creates or reserves it)`;
  return undefined;
}

/** Databases every PostgreSQL (and RDS) cluster already has. */
export const existingDatabases: readonly string[] = Object.freeze(["postgres", "template0", "template1", "rdsadmin"]);
