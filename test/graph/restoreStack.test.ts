import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { backupImageSourceHash } from "../../components/docker/backups";
import { containerScript } from "../../components/docker/containerFiles";
import { SecretValue, type RecordedGraph } from "../../recording/recorder";
import { recordStack, resource, secretText } from "../support/graph";

// A Docker stack started from the dev stack's backups at 14:05 (test/fixtures/Pulumi.dev-restore.yaml).
let graph: RecordedGraph;
let dev: RecordedGraph;
const secret = expect.any(SecretValue);

beforeAll(() => {
  ({ graph } = recordStack(path.join(__dirname, "..", "fixtures", "Pulumi.dev-restore.yaml"), "dev-restore"));
  ({ graph: dev } = recordStack("dev"));
});

describe("a stack restored from another stack's point in time", () => {
  it("runs PostgreSQL from the backup image, restoring the source's backups (read-only) to the target before the first start", () => {
    const container = resource(graph, "pgplat-docker-postgres-container");
    const normal = resource(dev, "pgplat-docker-postgres-container");
    const inputs = container.inputs as Record<string, unknown[]>;
    expect(container.inputs.image).toBe(`pgplat-dev-restore-basebackup:${backupImageSourceHash()}`);
    expect(inputs.envs).toEqual([
      ...(normal.inputs.envs as string[]),
      "PGPLAT_RESTORE=--repo /var/lib/pgplat/restore/backups --wal-archive /var/lib/pgplat/restore/wal-archive --time 2026-11-30T14:05:00+01:00",
      "PGPLAT_RESTORE_CREDENTIALS=/run/pgplat/restore-credentials.sql",
    ]);
    expect(inputs.volumes).toEqual([
      { volumeName: "pgplat-dev-restore-pgdata", containerPath: "/var/lib/postgresql/data" },
      { volumeName: "pgplat-dev-restore-wal-archive", containerPath: "/var/lib/postgresql/wal-archive" },
      { volumeName: "pgplat-dev-restore-backups", containerPath: "/var/lib/postgresql/backups" },
      { volumeName: "pgplat-dev-backups", containerPath: "/var/lib/pgplat/restore/backups", readOnly: true },
      { volumeName: "pgplat-dev-wal-archive", containerPath: "/var/lib/pgplat/restore/wal-archive", readOnly: true },
    ]);
    expect(inputs.uploads.slice(5)).toEqual([
      {
        file: "/usr/local/bin/pgplat-restore-before-start",
        content: containerScript("restore-before-start.sh"),
        executable: true,
      },
      { file: "/run/pgplat/restore-credentials.sql", content: secret, owner: "999", group: "999", permissions: "0400" },
    ]);
    expect(container.inputs.waitTimeout).toBe(3600);
  });

  it("gives every restored role this stack's credentials: the superuser's password, the logins' verifiers, the backup login", () => {
    const uploads = resource(graph, "pgplat-docker-postgres-container").inputs.uploads as {
      file: string;
      content: unknown;
    }[];
    const sql = secretText(uploads.find((upload) => upload.file === "/run/pgplat/restore-credentials.sql")!.content);
    const pgpass = (resource(graph, "pgplat-docker-backups-container").inputs.uploads as { content: unknown }[])[0]
      .content;
    // One line for the maintenance database (the backups), one for the app database (recording them).
    const [maintenance, app] = secretText(pgpass).trim().split("\n");
    const backupPassword = maintenance.split(":")[4];
    expect(app).toBe(`postgres:5432:app:pgplat_backup:${backupPassword}`);
    expect(backupPassword).toMatch(/^\w+$/);
    const superuserPassword = secretText(
      uploads.find((upload) => upload.file === "/run/pgplat/postgres-password")!.content,
    );
    const scramLine = (login: string) =>
      new RegExp(`^ALTER ROLE "${login}" WITH LOGIN PASSWORD 'SCRAM-SHA-256\\$4096:[^$']+\\$[^:']+:[^']+';$`);
    const lines = sql.split("\n");
    expect(lines).toEqual([
      "-- pgplat: this stack's credentials for the roles restored from another stack.",
      'DO $$ BEGIN CREATE ROLE "pgplat_backup" LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;',
      'GRANT EXECUTE ON FUNCTION pg_catalog."pg_backup_start" TO "pgplat_backup";',
      'GRANT EXECUTE ON FUNCTION pg_catalog."pg_backup_stop" TO "pgplat_backup";',
      `ALTER ROLE "postgres" WITH LOGIN PASSWORD '${superuserPassword}';`,
      ...["app_migrator", "app_user", "app_reporting", "app_monitoring"].map((login) =>
        expect.stringMatching(scramLine(login)),
      ),
      `ALTER ROLE "pgplat_backup" WITH LOGIN PASSWORD '${backupPassword}';`,
      "",
    ]);
    // The very verifier PgBouncer's userlist holds for the same login.
    expect(lines.find((line) => line.startsWith('ALTER ROLE "app_user"'))).toBe(
      `ALTER ROLE "app_user" WITH LOGIN PASSWORD '${userlistVerifier("app_user")}';`,
    );
  });

  it("adopts the restored roles and database instead of creating them, and still applies migrations", () => {
    const created = graph.resources.filter((candidate) =>
      [
        "postgresql:index/role:Role",
        "postgresql:index/database:Database",
        "postgresql:index/extension:Extension",
        "postgresql:index/grant:Grant",
      ].includes(candidate.type),
    );
    expect(created).toEqual([]);
    expect(resource(graph, "pgplat-docker-database-migrations").dependsOn).toContain(
      "pgplat-docker-postgres-container",
    );
    expect(resource(graph, "pgplat-docker-backups-container").inputs.image).toBe(
      `pgplat-dev-restore-basebackup:${backupImageSourceHash()}`,
    );
  });
});

/** A login's SCRAM verifier in the PgBouncer userlist. */
function userlistVerifier(login: string): string {
  const pgbouncer = resource(graph, "pgplat-docker-pgbouncer-container").inputs.uploads as {
    file: string;
    content: unknown;
  }[];
  const userlist = secretText(pgbouncer.find((upload) => upload.file.endsWith("userlist.txt"))!.content);
  const line = userlist.split("\n").find((entry) => entry.startsWith(`"${login}" `));
  if (!line) throw new Error(`no userlist entry for ${login}`);
  return line.slice(login.length + 4, -1);
}
