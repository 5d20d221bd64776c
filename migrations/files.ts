import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * Migration files: `migrations/V<version>__<name>.sql`, applied once in
 * version order, and `repeatable/R__<name>.sql`, re-applied when their
 * checksum changes, after every versioned file.
 */
export type MigrationKind = "versioned" | "repeatable";

export interface Migration {
  readonly kind: MigrationKind;
  /** As written in the file name (e.g. "0003" or "2.1"); undefined for repeatables. */
  readonly version: string | undefined;
  readonly name: string;
  /** The file name, used in every message. */
  readonly file: string;
  /** SHA-256 of the content with line endings normalised. */
  readonly checksum: string;
  readonly sql: string;
  /** `-- pgplat:no-transaction` at the top: statements run one by one, outside a transaction. */
  readonly noTransaction: boolean;
}

export class MigrationFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "MigrationFileError";
  }
}

const versionedPattern = /^V(\d+(?:[._]\d+)*)__([A-Za-z0-9_]+)\.sql$/;
const repeatablePattern = /^R__([A-Za-z0-9_]+)\.sql$/;
const directivePattern = /^--\s*pgplat:([a-z-]+)\s*$/;
const knownDirectives = new Set(["no-transaction"]);

export function parseMigration(file: string, content: string, kind: MigrationKind): Migration {
  const match = (kind === "versioned" ? versionedPattern : repeatablePattern).exec(file);
  if (!match) {
    const expected =
      kind === "versioned"
        ? "V<version>__<name>.sql, e.g. V0001__create_orders.sql"
        : "R__<name>.sql, e.g. R__monitoring_views.sql";
    throw new MigrationFileError(file, `malformed name: expected ${expected} (name: letters, digits, underscores)`);
  }
  const sql = content.replace(/\r\n/g, "\n");
  return {
    kind,
    version: kind === "versioned" ? match[1] : undefined,
    name: kind === "versioned" ? match[2] : match[1],
    file,
    checksum: createHash("sha256").update(sql).digest("hex"),
    sql,
    noTransaction: directives(file, sql).has("no-transaction"),
  };
}

/** Directives are comment lines at the very top of the file, before any SQL. */
function directives(file: string, sql: string): Set<string> {
  const found = new Set<string>();
  for (const line of sql.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const directive = directivePattern.exec(trimmed);
    if (!directive) {
      if (trimmed.startsWith("--")) continue;
      break;
    }
    if (!knownDirectives.has(directive[1]))
      throw new MigrationFileError(
        file,
        `unknown directive pgplat:${directive[1]} (known: ${[...knownDirectives].join(", ")})`,
      );
    found.add(directive[1]);
  }
  return found;
}

/** Version parts compared as numbers, so V2 < V10 and V1.10 > V1.9. */
export function compareVersions(a: string, b: string): number {
  const left = a.split(/[._]/).map(Number);
  const right = b.split(/[._]/).map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Versioned files in version order, then repeatables by name. Rejects malformed names and duplicate versions. */
export function orderMigrations(migrations: readonly Migration[]): Migration[] {
  const versioned = migrations
    .filter((migration) => migration.kind === "versioned")
    .sort((a, b) => compareVersions(a.version!, b.version!));
  versioned.forEach((migration, index) => {
    const previous = versioned[index - 1];
    if (previous && compareVersions(previous.version!, migration.version!) === 0) {
      throw new MigrationFileError(
        migration.file,
        `duplicate version ${migration.version}: ${previous.file} has the same version`,
      );
    }
  });
  const repeatable = migrations
    .filter((migration) => migration.kind === "repeatable")
    .sort((a, b) => a.name.localeCompare(b.name));
  const names = new Set<string>();
  for (const migration of repeatable) {
    if (names.has(migration.name))
      throw new MigrationFileError(migration.file, `duplicate repeatable name ${migration.name}`);
    names.add(migration.name);
  }
  return [...versioned, ...repeatable];
}

/** Reads `<dir>/migrations/*.sql` and `<dir>/repeatable/*.sql`; any other .sql file there is a naming error. */
export function readMigrationsDir(dir: string): Migration[] {
  const read = (subdir: string, kind: MigrationKind) => {
    const folder = path.join(dir, subdir);
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch {
      return [];
    }
    return entries
      .filter((file) => file.endsWith(".sql"))
      .map((file) => parseMigration(file, readFileSync(path.join(folder, file), "utf8"), kind));
  };
  return orderMigrations([...read("migrations", "versioned"), ...read("repeatable", "repeatable")]);
}
