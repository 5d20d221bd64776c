import { Client } from "pg";
import { clientConfig, type ConnectionSettings } from "../migrations/connection";
import type { Manifest } from "./manifest";

/**
 * Records a completed base backup in the application database
 * (monitoring.record_base_backup, which only the backup login may run), so the
 * monitoring login can export its age without reading the backups volume.
 */
export async function recordBaseBackup(connection: ConnectionSettings, manifest: Manifest): Promise<void> {
  const client = new Client(clientConfig(connection, "pgplat-backup"));
  await client.connect();
  try {
    await client.query("select monitoring.record_base_backup($1, $2, $3, $4)", [
      manifest.id,
      manifest.startTime,
      manifest.endTime,
      manifest.sizeBytes,
    ]);
  } finally {
    await client.end().catch(() => undefined);
  }
}
