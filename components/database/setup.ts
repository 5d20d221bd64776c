import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { migratorLogin, ownerRole, type LoginRole, type StackConfig } from "../../config";
import type { Credential } from "./credentials";
import { DatabaseMigrations } from "./migrations";
import { DatabaseRoles, type AppSessionLimits } from "./roles";

/** How Pulumi reaches PostgreSQL as the administrator. */
export interface AdminConnection {
  readonly host: pulumi.Input<string>;
  readonly port: pulumi.Input<number>;
  readonly username: pulumi.Input<string>;
  /** Secret. */
  readonly password: pulumi.Input<string>;
  /** `disable` on the loopback-only Docker port; `require` or `verify-full` on RDS. */
  readonly sslmode: "disable" | "require" | "verify-full";
  /** RDS has no real superuser: false there, so the provider avoids superuser-only paths. */
  readonly superuser: boolean;
  /** Path to the CA bundle for sslmode verify-full. @default none (the system's CAs) */
  readonly sslRootCert?: string;
}

export interface DatabaseSetupArgs {
  readonly admin: AdminConnection;
  /** The application database; created here, owned by the owner role. */
  readonly database: string;
  readonly logins: readonly LoginRole[];
  readonly credentials: Readonly<Record<string, Credential>>;
  readonly appSessionLimits: AppSessionLimits;
  readonly migrations: StackConfig["migrations"];
  /** Resources that must be ready before the provider connects (the healthy server). @default [] */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * The roles, the application database and its extensions already exist: the
   * server was restored from another stack (whose roles got this stack's
   * credentials before the first start). Only the migrations run.
   * @default false
   */
  readonly adoptExisting?: boolean;
}

const projectRoot = path.join(__dirname, "..", "..");

/**
 * Everything inside PostgreSQL, in order: roles, then the application
 * database owned by the owner role (so the migrator, a member, can create
 * schemas without being a superuser), pg_stat_statements (which needs the
 * administrator), then the SQL migrations applied as the migrator.
 */
export class DatabaseSetup extends pulumi.ComponentResource {
  readonly provider: postgresql.Provider;
  /** Absent when adopting a restored database. */
  readonly roles?: DatabaseRoles;
  readonly database?: postgresql.Database;
  readonly migrations?: DatabaseMigrations;

  constructor(name: string, args: DatabaseSetupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:database:Setup", name, {}, opts);
    const admin = args.admin;
    this.provider = new postgresql.Provider(
      `${name}-provider`,
      {
        host: admin.host,
        port: admin.port,
        username: admin.username,
        password: admin.password,
        // The maintenance database: the application database is created here.
        database: "postgres",
        sslmode: admin.sslmode,
        sslrootcert: admin.sslRootCert,
        superuser: admin.superuser,
        expectedVersion: "16",
        connectTimeout: 30,
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    const provided = { parent: this, provider: this.provider };
    let migrationsAfter: pulumi.Input<pulumi.Resource>[] = args.dependsOn ?? [];
    if (!args.adoptExisting) {
      this.roles = new DatabaseRoles(
        `${name}-roles`,
        {
          provider: this.provider,
          logins: args.logins,
          credentials: args.credentials,
          appSessionLimits: args.appSessionLimits,
        },
        { parent: this },
      );
      this.database = new postgresql.Database(
        `${name}-database`,
        { name: args.database, owner: ownerRole, encoding: "UTF8", template: "template0", allowConnections: true },
        { ...provided, dependsOn: [this.roles.ready] },
      );
      const statements = new postgresql.Extension(
        `${name}-pg-stat-statements`,
        { name: "pg_stat_statements", database: this.database.name },
        provided,
      );
      migrationsAfter = [this.database, statements];
    }
    if (args.migrations.enabled) {
      const migrator = args.credentials[migratorLogin];
      if (!migrator) throw new Error(`no credential for ${migratorLogin}`);
      this.migrations = new DatabaseMigrations(
        `${name}-migrations`,
        {
          dir: path.resolve(projectRoot, args.migrations.dir),
          connection: pulumi.all([admin.host, admin.port, migrator.password]).apply(([host, port, password]) => ({
            host,
            port,
            user: migratorLogin,
            password,
            database: args.database,
            sslmode: admin.sslmode,
            sslRootCert: admin.sslRootCert,
          })),
          options: {
            lockTimeoutMs: args.migrations.lockTimeoutMs,
            statementTimeoutMs: args.migrations.statementTimeoutMs,
            lockRetries: args.migrations.lockRetries,
            lockWaitMs: args.migrations.lockWaitSeconds * 1000,
            outOfOrder: args.migrations.outOfOrder,
            // Objects belong to the owner role, whichever login creates them.
            role: ownerRole,
          },
        },
        { parent: this, dependsOn: migrationsAfter },
      );
    }
    this.registerOutputs({});
  }
}
