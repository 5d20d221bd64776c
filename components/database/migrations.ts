import * as pulumi from "@pulumi/pulumi";
import { readMigrationsDir, type ConnectionSettings, type EngineOptions } from "../../migrations";
import { migrationsProvider, type AppliedRecord, type MigrationInput } from "./migrationsProvider";

export interface DatabaseMigrationsArgs {
  /** Directory holding `migrations/` and `repeatable/`. */
  readonly dir: string;
  /** Secret: who applies the files (the migrator login). */
  readonly connection: pulumi.Input<ConnectionSettings>;
  readonly options: EngineOptions;
}

/**
 * The post-deploy step: applies `sql/` through the migrations provider. The
 * files are read when the program runs, so a preview lists the new ones.
 */
export class DatabaseMigrations extends pulumi.dynamic.Resource {
  declare readonly applied: pulumi.Output<AppliedRecord[]>;
  declare readonly migrations: pulumi.Output<MigrationInput[]>;

  constructor(name: string, args: DatabaseMigrationsArgs, opts?: pulumi.CustomResourceOptions) {
    const migrations: MigrationInput[] = readMigrationsDir(args.dir).map(
      ({ file, kind, version, name: fileName, checksum, sql, noTransaction }) => ({
        file,
        kind,
        version,
        name: fileName,
        checksum,
        sql,
        noTransaction,
      }),
    );
    super(
      migrationsProvider,
      name,
      { migrations, connection: pulumi.secret(args.connection), options: args.options, applied: undefined },
      // The provider returns the connection as it got it; it must stay secret in state.
      { ...opts, additionalSecretOutputs: ["connection"] },
      "pgplat",
      "Migrations",
    );
  }
}
