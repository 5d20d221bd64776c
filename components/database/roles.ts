import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { groupRoleOf, groupRoles, type LoginRole } from "../../config/roles";
import type { Credential } from "./credentials";

/** Server-side limits for the application's read-write logins, so a stuck client cannot hold locks forever. */
export interface AppSessionLimits {
  /** 0 disables. */
  readonly statementTimeoutMs: number;
  /** 0 disables. */
  readonly idleInTransactionTimeoutMs: number;
}

export interface DatabaseRolesArgs {
  readonly provider: postgresql.Provider;
  readonly logins: readonly LoginRole[];
  /** One credential per login, by login name. */
  readonly credentials: Readonly<Record<string, Credential>>;
  readonly appSessionLimits: AppSessionLimits;
}

/**
 * The group roles (NOLOGIN, carrying privileges granted by `sql/`) and the
 * login roles (carrying only membership), managed with @pulumi/postgresql.
 */
export class DatabaseRoles extends pulumi.ComponentResource {
  /** The last role created; later database steps depend on it. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: DatabaseRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:database:Roles", name, {}, opts);
    // Role DDL runs one at a time: concurrent changes to pg_authid and
    // pg_auth_members can fail with "tuple concurrently updated".
    let previous: pulumi.Resource | undefined;
    const role = (roleArgs: postgresql.RoleArgs) => {
      previous = new postgresql.Role(`${name}-${roleArgs.name}`, roleArgs, { parent: this, provider: args.provider, dependsOn: previous ? [previous] : [] });
    };
    for (const group of groupRoles) role({ name: group.name, login: false, inherit: true, roles: [...group.memberOf] });
    for (const login of args.logins) {
      const credential = args.credentials[login.name];
      if (!credential) throw new Error(`no credential for login role ${login.name}`);
      const limits = login.memberOf.includes(groupRoleOf.readwrite)
        ? { statementTimeout: args.appSessionLimits.statementTimeoutMs, idleInTransactionSessionTimeout: args.appSessionLimits.idleInTransactionTimeoutMs }
        : {};
      role({ name: login.name, login: true, inherit: true, roles: [...login.memberOf], password: credential.scramSecret, ...limits });
    }
    if (!previous) throw new Error("the role model defines no roles");
    this.ready = previous;
    this.registerOutputs({});
  }
}
