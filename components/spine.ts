import * as pulumi from "@pulumi/pulumi";
import { loginRoles, pgbouncerAdminUser, userlistUsers, type LoginRole, type StackConfig } from "../config";
import { renderUserlist } from "../render/pgbouncer";
import { Credentials } from "./database/credentials";
import type { DatabaseSetupArgs } from "./database/setup";
import { postgresUri } from "./endpoints";

/**
 * What every target does the same way, written once: who logs in and with
 * which credentials, what the role setup is given, PgBouncer's userlist and
 * the connection URIs. Each target only says where things run.
 */
export interface PlatformLogins {
  readonly logins: readonly LoginRole[];
  /** Every login, plus PgBouncer's console admin. */
  readonly credentials: Credentials;
}

/** A password and SCRAM verifier for every login and the PgBouncer console admin. */
export function platformLogins(name: string, config: StackConfig, parent: pulumi.Resource): PlatformLogins {
  const logins = loginRoles(config.roles.extra);
  const credentials = new Credentials(
    `${name}-credentials`,
    { users: [...logins.map((login) => login.name), pgbouncerAdminUser] },
    { parent },
  );
  return { logins, credentials };
}

/** The role-setup inputs that follow from config and the logins; the target adds how to reach the server. */
export function roleSetupInputs(
  config: StackConfig,
  { logins, credentials }: PlatformLogins,
): Pick<DatabaseSetupArgs, "database" | "logins" | "credentials" | "appSessionLimits" | "migrations"> {
  return {
    database: config.postgres.database,
    logins,
    credentials: credentials.byUser,
    appSessionLimits: {
      statementTimeoutMs: config.roles.appStatementTimeoutMs,
      idleInTransactionTimeoutMs: config.roles.appIdleInTransactionTimeoutMs,
    },
    migrations: config.migrations,
  };
}

/** PgBouncer's userlist.txt: the pooled logins' and the console admin's SCRAM verifiers; secret. */
export function pgbouncerUserlist(config: StackConfig, credentials: Credentials): pulumi.Output<string> {
  const users = userlistUsers(config);
  return pulumi
    .all(users.map((user) => credentials.byUser[user].scramSecret))
    .apply((secrets) => renderUserlist(secrets.map((scramSecret, index) => ({ user: users[index], scramSecret }))));
}

/** Where a URI points, and the sslmode it asks for (none: the client's default). */
export interface UriEndpoint {
  readonly host: pulumi.Input<string>;
  readonly port: pulumi.Input<number>;
  /** The URI's sslmode parameter. @default none in the URI (libpq's default, prefer) */
  readonly sslmode?: string;
}

/** Secret: login → URI, through the pooler for pooled logins and direct for the others (the migrator). */
export function connectionUris(
  config: StackConfig,
  { logins, credentials }: PlatformLogins,
  direct: UriEndpoint,
  pooled: UriEndpoint,
): pulumi.Output<Record<string, string>> {
  const passwords = pulumi.all(
    Object.fromEntries(logins.map((login) => [login.name, credentials.byUser[login.name].password])),
  );
  return pulumi.secret(
    pulumi
      .all([direct.host, direct.port, pooled.host, pooled.port, passwords])
      .apply(([directHost, directPort, pooledHost, pooledPort, byLogin]) =>
        Object.fromEntries(
          logins.map((login) => {
            const [host, port, sslmode] = login.pooled
              ? [pooledHost, pooledPort, pooled.sslmode]
              : [directHost, directPort, direct.sslmode];
            return [
              login.name,
              postgresUri(login.name, byLogin[login.name], host, port, config.postgres.database, sslmode),
            ];
          }),
        ),
      ),
  );
}
