import type * as pulumi from "@pulumi/pulumi";
import {
  applyMigrations,
  historyOf,
  MigrationError,
  orderMigrations,
  parseMigration,
  type ConnectionSettings,
  type EngineOptions,
  type HistoryRow,
  type Migration,
} from "../../migrations";

/** One file as the resource carries it: what the engine needs, plus the checksum `diff` compares. */
export type MigrationInput = Pick<
  Migration,
  "file" | "kind" | "version" | "name" | "checksum" | "sql" | "noTransaction"
>;

/** A file the database has applied, as recorded in the history table. */
export interface AppliedRecord {
  readonly file: string;
  readonly kind: Migration["kind"];
  readonly version: string | null;
  readonly name: string;
  readonly checksum: string;
}

export interface MigrationsInputs {
  readonly migrations: readonly MigrationInput[];
  /** Secret. */
  readonly connection: ConnectionSettings;
  readonly options: EngineOptions;
}

export interface MigrationsOutputs extends MigrationsInputs {
  readonly applied: readonly AppliedRecord[];
}

export const migrationsResourceId = "pgplat-migrations";

/**
 * The post-deploy step's provider. `check` and `diff` are pure (no database),
 * so `pulumi preview` works offline; `create`/`update` run the engine;
 * `read` re-reads the history so refresh shows drift; `delete` keeps data.
 * Every method is a plain function, tested directly against PostgreSQL 16.
 */
export const migrationsProvider = {
  async check(_olds: unknown, news: MigrationsInputs): Promise<pulumi.dynamic.CheckResult<MigrationsInputs>> {
    const failures = migrationProblems(news.migrations).map((reason) => ({ property: "migrations", reason }));
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: MigrationsOutputs, news: MigrationsInputs): Promise<pulumi.dynamic.DiffResult> {
    const pending = pendingFiles(news.migrations, olds.applied ?? []);
    const connectionChanged = JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
    const optionsChanged = JSON.stringify(olds.options) !== JSON.stringify(news.options);
    // Never a replacement: schema changes roll forward, and deleting would not undo them.
    return {
      changes: pending.length > 0 || connectionChanged || optionsChanged,
      replaces: [],
      deleteBeforeReplace: false,
    };
  },

  async create(inputs: MigrationsInputs): Promise<pulumi.dynamic.CreateResult<MigrationsOutputs>> {
    return { id: migrationsResourceId, outs: await run(inputs) };
  },

  async update(
    _id: string,
    _olds: MigrationsOutputs,
    news: MigrationsInputs,
  ): Promise<pulumi.dynamic.UpdateResult<MigrationsOutputs>> {
    return { outs: await run(news) };
  },

  async read(id: string, props: MigrationsOutputs): Promise<pulumi.dynamic.ReadResult<MigrationsOutputs>> {
    return { id, props: { ...props, applied: appliedRecords(await historyOf(props.connection)) } };
  },

  async delete(): Promise<void> {
    // Deleting the resource keeps every table, row and history entry.
  },
};

/** Files the database still has to apply (or that differ from what it applied), by file name. */
export function pendingFiles(migrations: readonly MigrationInput[], applied: readonly AppliedRecord[]): string[] {
  const appliedChecksums = new Set(
    applied.map((record) => `${record.kind}:${record.version ?? record.name}:${record.checksum}`),
  );
  return migrations
    .filter(
      (migration) =>
        !appliedChecksums.has(`${migration.kind}:${migration.version ?? migration.name}:${migration.checksum}`),
    )
    .map((migration) => migration.file);
}

export function migrationProblems(migrations: readonly MigrationInput[]): string[] {
  try {
    const parsed = migrations.map((migration) => {
      const reparsed = parseMigration(migration.file, migration.sql, migration.kind);
      if (reparsed.checksum !== migration.checksum)
        throw new Error(`${migration.file}: checksum does not match its SQL`);
      return reparsed;
    });
    orderMigrations(parsed);
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

/** The latest successful entry per versioned file and per repeatable, as records. */
export function appliedRecords(history: readonly HistoryRow[]): AppliedRecord[] {
  const latest = new Map<string, AppliedRecord>();
  for (const row of history.filter((entry) => entry.success)) {
    const file = row.kind === "versioned" ? `V${row.version}__${row.name}.sql` : `R__${row.name}.sql`;
    latest.set(`${row.kind}:${row.version ?? row.name}`, {
      file,
      kind: row.kind,
      version: row.version,
      name: row.name,
      checksum: row.checksum,
    });
  }
  return [...latest.values()];
}

async function run(inputs: MigrationsInputs): Promise<MigrationsOutputs> {
  try {
    const result = await applyMigrations(inputs.connection, inputs.migrations, inputs.options);
    return { ...inputs, applied: appliedRecords(result.history) };
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    // Pulumi keeps these properties as the resource's state despite the error,
    // so the files that did apply stay recorded.
    const applied = await historyOf(inputs.connection).then(appliedRecords, () => []);
    throw Object.assign(new Error(error.message), {
      id: migrationsResourceId,
      properties: { ...inputs, applied },
      reasons: [error.message],
    });
  }
}
