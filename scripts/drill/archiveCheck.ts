import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";

/** Each archived file's name → its size and modification time, as one comparable string. */
export type ArchiveListing = ReadonlyMap<string, string>;

/** The archive's files now (a file still being written is a dot-file, left out). */
export function listArchive(archiveDir: string): ArchiveListing {
  return new Map(
    readdirSync(archiveDir)
      .filter((name) => !name.startsWith("."))
      .map((name) => {
        const stat = statSync(path.join(archiveDir, name));
        return [name, `${stat.size}@${stat.mtimeMs}`];
      }),
  );
}

/**
 * Whether restores left the source's archive as it was: every file still
 * there and unchanged, and nothing new but what the source itself archives
 * on its own timeline (a running stack keeps archiving). A restored server
 * that archived into it would add a history file or a segment of a new
 * timeline.
 */
export function archiveUntouched(before: ArchiveListing, after: ArchiveListing, sourceTimeline: number): boolean {
  const ownPrefix = sourceTimeline.toString(16).toUpperCase().padStart(8, "0");
  for (const [name, version] of before) if (after.get(name) !== version) return false;
  for (const name of after.keys())
    if (!before.has(name) && (!name.startsWith(ownPrefix) || name.endsWith(".history"))) return false;
  return true;
}
