import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { rolePlan, type AppSessionLimits, type LoginRole } from "../../config/roles";
import type { Credential } from "./credentials";

export type { AppSessionLimits } from "../../config/roles";

export interface DatabaseRolesArgs {
  readonly provider: postgresql.Provider;
  readonly logins: readonly LoginRole[];
  /** One credential per login, by login name. */
  readonly credentials: Readonly<Record<string, Credential>>;
  readonly appSessionLimits: AppSessionLimits;
}

/**
 * The group roles (NOLOGIN, carrying privileges granted by `sql/`) and the
 * login roles (carrying only membership), managed with @pulumi/postgresql,
 * as the shared role plan defines them.
 */
export class DatabaseRoles extends pulumi.ComponentResource {
  /** The last role created; later database steps depend on it. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: DatabaseRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:database:Roles", name, {}, opts);
    // Role DDL runs one at a time: concurrent changes to pg_authid and
    // pg_auth_members can fail with "tuple concurrently updated".
    let previous: pulumi.Resource | undefined;
    for (const planned of rolePlan(args.logins, args.appSessionLimits)) {
      const roleArgs: postgresql.RoleArgs = {
        name: planned.name,
        login: planned.login,
        inherit: true,
        roles: [...planned.memberOf],
      };
      if (planned.login) {
        const credential = args.credentials[planned.name];
        if (!credential) throw new Error(`no credential for login role ${planned.name}`);
        roleArgs.password = credential.scramSecret;
      }
      if (planned.sessionLimits) {
        roleArgs.statementTimeout = planned.sessionLimits.statementTimeoutMs;
        roleArgs.idleInTransactionSessionTimeout = planned.sessionLimits.idleInTransactionTimeoutMs;
      }
      previous = new postgresql.Role(`${name}-${planned.name}`, roleArgs, {
        parent: this,
        provider: args.provider,
        dependsOn: previous ? [previous] : [],
      });
    }
    if (!previous) throw new Error("the role model defines no roles");
    this.ready = previous;
    this.registerOutputs({});
  }
}
