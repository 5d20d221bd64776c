/** The manifest pgplat-backup writes last for each run (scripts/container/pgplat-backup.sh). */
export interface DumpManifest {
  readonly format: "pgplat-dump-manifest/1";
  readonly runId: string;
  readonly serverVersion: string;
  readonly pgDumpVersion: string;
  readonly files: readonly DumpFile[];
}

export interface DumpFile {
  readonly kind: "globals" | "database";
  /** Present for kind "database". */
  readonly database?: string;
  readonly format: "custom" | "plain";
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Parses and checks a manifest; throws naming what is wrong. */
export function parseDumpManifest(text: string): DumpManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("the manifest is not JSON");
  }
  const manifest = value as Partial<DumpManifest> | null;
  if (manifest === null || typeof manifest !== "object" || manifest.format !== "pgplat-dump-manifest/1")
    throw new Error("the manifest's format is not pgplat-dump-manifest/1");
  if (!Array.isArray(manifest.files)) throw new Error("the manifest lists no files");
  manifest.files.forEach((file: Partial<DumpFile>, index) => {
    const valid =
      (file.kind === "globals" || (file.kind === "database" && typeof file.database === "string")) &&
      typeof file.key === "string" &&
      Number.isSafeInteger(file.bytes) &&
      typeof file.sha256 === "string" &&
      /^[0-9a-f]{64}$/.test(file.sha256);
    if (!valid) throw new Error(`the manifest's files[${index}] lacks a kind, database, key, bytes or sha256`);
  });
  return manifest as DumpManifest;
}

/** The dump of one database in the manifest; with no name, the run's only database besides postgres. */
export function pickDatabaseDump(manifest: DumpManifest, database: string | undefined): DumpFile {
  const dumps = manifest.files.filter((file) => file.kind === "database");
  const names = dumps.map((file) => file.database).join(", ");
  if (database !== undefined) {
    const found = dumps.find((file) => file.database === database);
    if (!found) throw new Error(`run ${manifest.runId} has no dump of database ${database} (it has ${names})`);
    return found;
  }
  const candidates = dumps.filter((file) => file.database !== "postgres");
  if (candidates.length !== 1) throw new Error(`run ${manifest.runId} holds ${names}: name one with --database`);
  return candidates[0];
}
