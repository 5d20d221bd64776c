import type { RoleKind } from "./schema";

/**
 * The role model. Group roles (NOLOGIN) carry privileges, which the SQL in
 * `sql/` grants; login roles only carry membership, so a new login of a kind
 * gets exactly the privileges of that kind.
 */
export const ownerRole = "app_owner";

export const groupRoleOf: Readonly<Record<RoleKind, string>> = Object.freeze({
  readwrite: "app_readwrite",
  readonly: "app_readonly",
  monitor: "app_monitor",
});

export interface GroupRole {
  readonly name: string;
  /** Predefined roles the group is a member of. */
  readonly memberOf: readonly string[];
}

/** NOLOGIN roles; privileges are granted to these by the SQL in `sql/`. */
export const groupRoles: readonly GroupRole[] = Object.freeze([
  { name: ownerRole, memberOf: [] },
  { name: groupRoleOf.readwrite, memberOf: [] },
  { name: groupRoleOf.readonly, memberOf: [] },
  { name: groupRoleOf.monitor, memberOf: ["pg_monitor"] },
]);

/** The migrator owns nothing itself: it acts through membership in the owner role. */
export const migratorLogin = "app_migrator";
/** Also PgBouncer's stats user, so one login reads both PostgreSQL and pooler statistics. */
export const monitoringLogin = "app_monitoring";

export interface LoginRole {
  readonly name: string;
  /** Group roles the login is a member of. */
  readonly memberOf: readonly string[];
  /** Whether applications reach this login through PgBouncer (it gets a pool). */
  readonly pooled: boolean;
}

export const builtInLogins: readonly LoginRole[] = Object.freeze([
  { name: migratorLogin, memberOf: [ownerRole], pooled: false },
  { name: "app_user", memberOf: [groupRoleOf.readwrite], pooled: true },
  { name: "app_reporting", memberOf: [groupRoleOf.readonly], pooled: true },
  { name: monitoringLogin, memberOf: [groupRoleOf.monitor], pooled: true },
]);

/**
 * Takes base backups on the Docker target. Not a superuser: it may only run
 * the low-level backup functions, granted to it by name (`pg_catalog`, in the
 * `postgres` database). RDS takes its own backups, so it exists only on Docker.
 */
export const backupLogin = "pgplat_backup";
export const backupFunctions: readonly string[] = Object.freeze(["pg_backup_start", "pg_backup_stop"]);

/** Administers the PgBouncer console only; it has no PostgreSQL role. */
export const pgbouncerAdminUser = "pgbouncer_admin";

export const reservedRoleNames: readonly string[] = Object.freeze([
  ownerRole,
  ...Object.values(groupRoleOf),
  ...builtInLogins.map((login) => login.name),
  pgbouncerAdminUser,
  backupLogin,
  "postgres",
]);

export function loginRoles(extra: readonly { readonly name: string; readonly kind: RoleKind }[]): readonly LoginRole[] {
  return [
    ...builtInLogins,
    ...extra.map((role) => ({ name: role.name, memberOf: [groupRoleOf[role.kind]], pooled: true })),
  ];
}

/** Server-side limits for the application's read-write logins, so a stuck client cannot hold locks forever. */
export interface AppSessionLimits {
  /** 0 disables. */
  readonly statementTimeoutMs: number;
  /** 0 disables. */
  readonly idleInTransactionTimeoutMs: number;
}

/** One role as both Pulumi and `npm start` create it. */
export interface PlannedRole {
  readonly name: string;
  readonly login: boolean;
  /** Roles it is a member of (group roles or predefined roles). */
  readonly memberOf: readonly string[];
  /** Per-role session settings; only the read-write logins have them. */
  readonly sessionLimits?: AppSessionLimits;
}

/**
 * Every role in creation order: the group roles first (logins are members of
 * them), then the logins. The one definition of roles, memberships and
 * settings for the Pulumi roles component and the local platform.
 */
export function rolePlan(logins: readonly LoginRole[], appSessionLimits: AppSessionLimits): readonly PlannedRole[] {
  return [
    ...groupRoles.map((group) => ({ name: group.name, login: false, memberOf: group.memberOf })),
    ...logins.map((login) => ({
      name: login.name,
      login: true,
      memberOf: login.memberOf,
      ...(login.memberOf.includes(groupRoleOf.readwrite) ? { sessionLimits: appSessionLimits } : {}),
    })),
  ];
}
