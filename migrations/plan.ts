import { compareVersions, type Migration, type MigrationKind } from "./files";

/** One row of the history table. */
export interface HistoryRow {
  readonly installedRank: number;
  readonly version: string | null;
  readonly name: string;
  readonly kind: MigrationKind;
  readonly checksum: string;
  readonly appliedAt: string;
  readonly durationMs: number;
  readonly appliedBy: string;
  readonly success: boolean;
}

export type FileState = "applied" | "pending" | "changed" | "missing-from-files";

export interface StatusEntry {
  readonly file: string;
  readonly kind: MigrationKind;
  readonly version: string | undefined;
  readonly name: string;
  readonly state: FileState;
  /** Repeatable files whose content changed are pending, not "changed": they are meant to be re-applied. */
  readonly appliedChecksum?: string;
  readonly fileChecksum?: string;
}

export interface MigrationPlan {
  readonly status: readonly StatusEntry[];
  /** What a run would apply, in order. */
  readonly pending: readonly Migration[];
  /** Problems that stop a run before anything is applied. */
  readonly problems: readonly string[];
}

export interface PlanOptions {
  /** Allow a new versioned file whose version is lower than the highest applied one. */
  readonly outOfOrder: boolean;
}

/** Compares files with the history; pure, so `pulumi preview` and `status` need no lock. */
export function planMigrations(
  migrations: readonly Migration[],
  history: readonly HistoryRow[],
  options: PlanOptions,
): MigrationPlan {
  const succeeded = history.filter((row) => row.success);
  const appliedVersions = new Map(
    succeeded.filter((row) => row.kind === "versioned" && row.version !== null).map((row) => [row.version!, row]),
  );
  const latestRepeatable = new Map<string, HistoryRow>();
  for (const row of succeeded.filter((entry) => entry.kind === "repeatable")) latestRepeatable.set(row.name, row);
  const highestApplied = [...appliedVersions.keys()].sort(compareVersions).at(-1);

  const status: StatusEntry[] = [];
  const pending: Migration[] = [];
  const problems: string[] = [];
  for (const migration of migrations) {
    const entry = { file: migration.file, kind: migration.kind, version: migration.version, name: migration.name };
    const applied =
      migration.kind === "versioned"
        ? findVersion(appliedVersions, migration.version!)
        : latestRepeatable.get(migration.name);
    if (applied && applied.checksum === migration.checksum) {
      status.push({ ...entry, state: "applied" });
    } else if (applied && migration.kind === "versioned") {
      status.push({ ...entry, state: "changed", appliedChecksum: applied.checksum, fileChecksum: migration.checksum });
      problems.push(
        `${migration.file} was changed after it was applied (checksum in history ${applied.checksum}, file ${migration.checksum}); add a new migration instead of editing an applied one`,
      );
    } else {
      status.push({ ...entry, state: "pending", appliedChecksum: applied?.checksum, fileChecksum: migration.checksum });
      pending.push(migration);
      if (
        migration.kind === "versioned" &&
        highestApplied !== undefined &&
        compareVersions(migration.version!, highestApplied) < 0 &&
        !options.outOfOrder
      ) {
        problems.push(
          `${migration.file} has version ${migration.version}, lower than the highest applied version ${highestApplied}; renumber it, or allow out-of-order migrations`,
        );
      }
    }
  }
  const fileVersions = migrations
    .filter((migration) => migration.kind === "versioned")
    .map((migration) => migration.version!);
  for (const row of appliedVersions.values()) {
    if (!fileVersions.some((version) => compareVersions(version, row.version!) === 0)) {
      status.push({
        file: `V${row.version}__${row.name}.sql`,
        kind: "versioned",
        version: row.version!,
        name: row.name,
        state: "missing-from-files",
        appliedChecksum: row.checksum,
      });
    }
  }
  return { status, pending, problems };
}

function findVersion(applied: ReadonlyMap<string, HistoryRow>, version: string): HistoryRow | undefined {
  for (const [appliedVersion, row] of applied) if (compareVersions(appliedVersion, version) === 0) return row;
  return undefined;
}
