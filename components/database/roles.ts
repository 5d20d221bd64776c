import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { groupRoles, type LoginRole } from "../../config/roles";
import type { Credential } from "./credentials";

export interface AdminConnection {
  readonly host: pulumi.Input<string>;
  readonly port: pulumi.Input<number>;
  readonly username: pulumi.Input<string>;
  /** Secret. */
  readonly password: pulumi.Input<string>;
  readonly database: string;
  /** `disable` on the loopback-only Docker port; `require` or `verify-full` on RDS. */
  readonly sslmode: "disable" | "require" | "verify-full";
  /** RDS has no real superuser: false there, so the provider avoids superuser-only paths. */
  readonly superuser: boolean;
  /** CA bundle for sslmode verify-full. */
  readonly sslRootCert?: string;
}

export interface DatabaseRolesArgs {
  readonly admin: AdminConnection;
  readonly logins: readonly LoginRole[];
  /** One credential per login, by login name. */
  readonly credentials: Readonly<Record<string, Credential>>;
  /** Resources that must be ready before the provider connects (the healthy PostgreSQL container). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The group roles (NOLOGIN, carrying privileges granted by `sql/`) and the
 * login roles (carrying only membership), managed with @pulumi/postgresql.
 */
export class DatabaseRoles extends pulumi.ComponentResource {
  readonly provider: postgresql.Provider;
  /** The last role created; later database steps depend on it. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: DatabaseRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:database:Roles", name, {}, opts);
    this.provider = new postgresql.Provider(
      `${name}-provider`,
      {
        host: args.admin.host,
        port: args.admin.port,
        username: args.admin.username,
        password: args.admin.password,
        database: args.admin.database,
        sslmode: args.admin.sslmode,
        superuser: args.admin.superuser,
        sslrootcert: args.admin.sslRootCert,
        expectedVersion: "16",
        connectTimeout: 30,
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    // Role DDL runs one at a time: concurrent changes to pg_authid and
    // pg_auth_members can fail with "tuple concurrently updated".
    let previous: pulumi.Resource | undefined;
    for (const group of groupRoles) {
      previous = this.role(`${name}-${group.name}`, { name: group.name, login: false, inherit: true, roles: [...group.memberOf] }, previous);
    }
    for (const login of args.logins) {
      const credential = args.credentials[login.name];
      if (!credential) throw new Error(`no credential for login role ${login.name}`);
      previous = this.role(`${name}-${login.name}`, { name: login.name, login: true, inherit: true, roles: [...login.memberOf], password: credential.scramSecret }, previous);
    }
    if (!previous) throw new Error("the role model defines no roles");
    this.ready = previous;
    this.registerOutputs({});
  }

  private role(resourceName: string, args: postgresql.RoleArgs, after: pulumi.Resource | undefined): postgresql.Role {
    return new postgresql.Role(resourceName, args, { parent: this, provider: this.provider, dependsOn: after ? [after] : [] });
  }
}
