import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as postgresql from "@pulumi/postgresql";
import { backupFunctions, backupLogin } from "../../config/roles";
import { postgresContainerLayout } from "./postgres";

const projectRoot = path.join(__dirname, "..", "..");
/** What goes into the backup image; its hash tags the image so a change to the tool rolls the container. */
const imageSources = [
  "scripts/container/basebackup.Dockerfile",
  "scripts/container/bundle-basebackup.sh",
  "scripts/container/pgplat-basebackup.sh",
  "scripts/backup.ts",
  "scripts/lib",
  "backups",
  "config",
  "migrations",
  "package-lock.json",
];

/** Where things live inside the backup container. */
export const backupContainerLayout = Object.freeze({
  command: "pgplat-basebackup",
  passFile: "/run/pgplat/pgpass",
});

/** The postgres user of the official Debian-based image, which the backup image is built from. */
const imageServerUid = "999";

export interface BackupImageArgs {
  readonly namePrefix: string;
  /** The stack's pinned PostgreSQL image, which the backup image extends. */
  readonly postgresImage: string;
}

/** The stack's PostgreSQL image plus Node and the bundled backup tool, built locally. */
export function backupImage(name: string, args: BackupImageArgs, parent: pulumi.Resource): docker.Image {
  return new docker.Image(
    name,
    {
      imageName: `${args.namePrefix}-basebackup:${backupImageSourceHash()}`,
      // Relative to the project directory, where Pulumi runs the program: the same on every machine.
      build: {
        context: ".",
        dockerfile: "scripts/container/basebackup.Dockerfile",
        args: { POSTGRES_IMAGE: args.postgresImage },
      },
      skipPush: true,
    },
    { parent },
  );
}

export interface BackupContainerArgs {
  readonly namePrefix: string;
  readonly image: pulumi.Input<string>;
  readonly networkName: pulumi.Input<string>;
  readonly postgresHost: string;
  readonly postgresPort: number;
  readonly dataVolume: pulumi.Input<string>;
  readonly walArchiveVolume: pulumi.Input<string>;
  readonly backupsVolume: pulumi.Input<string>;
  /** Secret. */
  readonly password: pulumi.Input<string>;
  /**
   * Create the backup login (after the platform's roles: role DDL runs one
   * statement at a time). Absent in a restored stack, whose restore step
   * creates or adopts the login with this password.
   * @default absent: the login is not created here
   */
  readonly createLogin?: { readonly provider: postgresql.Provider; readonly after: pulumi.Resource };
  /**
   * Record each completed backup in this database's monitoring.base_backups,
   * where the monitoring login exports its age; `after`: the migrations that
   * create the recording function. Absent: backups are not recorded.
   */
  readonly record?: { readonly database: string; readonly after: pulumi.Resource };
  readonly everyHours: number;
  readonly graceMinutes: number;
  readonly retentionDays: number;
}

/**
 * The backup login (only the backup functions granted) and a container that
 * takes a base backup every `everyHours`, prunes to the recovery window after
 * each, and turns unhealthy when the newest complete backup is older than the
 * schedule allows.
 */
export class BackupContainer extends pulumi.ComponentResource {
  readonly container: docker.Container;

  constructor(name: string, args: BackupContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:docker:Backups", name, {}, opts);
    const layout = postgresContainerLayout;
    const grants = args.createLogin ? this.backupLogin(name, args.password, args.createLogin, args.record) : [];
    const postgresAt = `${args.postgresHost}:${args.postgresPort}`;
    const maxAgeMinutes = args.everyHours * 60 + args.graceMinutes;
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: `${args.namePrefix}-backup`,
        image: args.image,
        user: `${imageServerUid}:${imageServerUid}`,
        command: [
          backupContainerLayout.command,
          "schedule",
          "--database-url",
          `postgresql://${backupLogin}@${args.postgresHost}:${args.postgresPort}/postgres`,
          "--pgdata",
          layout.dataDir,
          "--repo",
          layout.backupsDir,
          "--wal-archive",
          layout.archiveDir,
          "--every-hours",
          String(args.everyHours),
          "--retention-days",
          String(args.retentionDays),
          ...(args.record ? ["--record-url", `postgresql://${backupLogin}@${postgresAt}/${args.record.database}`] : []),
        ],
        // The password reaches the tool through a pgpass file, never the command line or the environment.
        envs: [`PGPASSFILE=${backupContainerLayout.passFile}`],
        uploads: [
          {
            file: backupContainerLayout.passFile,
            content: pulumi.secret(
              pulumi
                .output(args.password)
                .apply((password) =>
                  ["postgres", ...(args.record ? [args.record.database] : [])]
                    .map((database) => `${postgresAt}:${database}:${backupLogin}:${password}\n`)
                    .join(""),
                ),
            ),
            owner: imageServerUid,
            group: imageServerUid,
            permissions: "0600",
          },
        ],
        volumes: [
          { volumeName: args.dataVolume, containerPath: layout.dataDir, readOnly: true },
          { volumeName: args.walArchiveVolume, containerPath: layout.archiveDir },
          { volumeName: args.backupsVolume, containerPath: layout.backupsDir },
        ],
        networksAdvanced: [{ name: args.networkName }],
        healthcheck: {
          tests: [
            "CMD",
            backupContainerLayout.command,
            "check",
            "--repo",
            layout.backupsDir,
            "--max-age-minutes",
            String(maxAgeMinutes),
          ],
          interval: "60s",
          timeout: "30s",
          retries: 3,
          // The first backup starts at once; give it the grace period to finish.
          startPeriod: `${args.graceMinutes}m`,
        },
        // On SIGTERM a running backup may finish within this; if it is killed instead, it stays incomplete (never listed complete) and the server ends it with the session.
        stopTimeout: 30,
        restart: "unless-stopped",
      },
      { parent: this, dependsOn: grants, deleteBeforeReplace: true },
    );
    this.registerOutputs({});
  }

  private backupLogin(
    name: string,
    password: pulumi.Input<string>,
    { provider, after }: NonNullable<BackupContainerArgs["createLogin"]>,
    record: BackupContainerArgs["record"],
  ): postgresql.Grant[] {
    const role = new postgresql.Role(
      `${name}-login`,
      { name: backupLogin, login: true, password },
      { parent: this, provider, dependsOn: [after] },
    );
    const functions = new postgresql.Grant(
      `${name}-functions`,
      {
        role: backupLogin,
        database: "postgres",
        schema: "pg_catalog",
        objectType: "function",
        objects: [...backupFunctions],
        privileges: ["EXECUTE"],
      },
      { parent: this, provider, dependsOn: [role] },
    );
    if (!record) return [functions];
    // Exactly what recording needs in the application database: connect, reach the schema, run the one function.
    const recording = backupRecordGrants.map(
      (grant) =>
        new postgresql.Grant(
          `${name}-record-${grant.objectType}`,
          { role: backupLogin, database: record.database, ...grant },
          { parent: this, provider, dependsOn: [role, record.after] },
        ),
    );
    return [functions, ...recording];
  }
}

/** The backup login's privileges in the application database, to record backups (sql/repeatable/R__health_checks.sql). */
export const backupRecordGrants: readonly {
  readonly objectType: "database" | "schema" | "function";
  readonly schema?: string;
  readonly objects?: string[];
  readonly privileges: string[];
}[] = [
  { objectType: "database", privileges: ["CONNECT"] },
  { objectType: "schema", schema: "monitoring", privileges: ["USAGE"] },
  { objectType: "function", schema: "monitoring", objects: ["record_base_backup"], privileges: ["EXECUTE"] },
];

/** A digest of the backup image's sources: its tag. */
export function backupImageSourceHash(): string {
  const hash = createHash("sha256");
  const add = (relative: string) => {
    const absolute = path.join(projectRoot, relative);
    if (statSync(absolute).isDirectory())
      for (const entry of readdirSync(absolute).sort()) add(path.join(relative, entry));
    else hash.update(relative).update(readFileSync(absolute));
  };
  imageSources.forEach(add);
  return hash.digest("hex").slice(0, 12);
}
