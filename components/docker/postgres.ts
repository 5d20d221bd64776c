import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { PostgresLayout } from "../../render/platformFiles";
import { containerScript } from "./containerFiles";

/** Where things live inside the PostgreSQL container. */
export const postgresContainerLayout = Object.freeze({
  listenAddresses: "*",
  port: 5432,
  configFile: "/etc/pgplat/postgresql.conf",
  hbaFile: "/etc/pgplat/pg_hba.conf",
  unixSocketDirectories: "/var/run/postgresql",
  archiveScript: "/usr/local/bin/pgplat-archive-wal",
  entrypointScript: "/usr/local/bin/pgplat-entrypoint",
  passwordFile: "/run/pgplat/postgres-password",
  dataDir: "/var/lib/postgresql/data",
  archiveDir: "/var/lib/postgresql/wal-archive",
  backupsDir: "/var/lib/postgresql/backups",
  restoreScript: "/usr/local/bin/pgplat-restore-before-start",
  restoreCredentialsFile: "/run/pgplat/restore-credentials.sql",
  restoreSourceBackupsDir: "/var/lib/pgplat/restore/backups",
  restoreSourceArchiveDir: "/var/lib/pgplat/restore/wal-archive",
  // TLS is not configured on the loopback-only dev port.
  requireTls: false,
} satisfies PostgresLayout & Record<string, unknown>);

/** The postgres user of the official Debian-based image. */
const imageServerUid = "999";
export const postgresSuperuser = "postgres";

export interface PostgresContainerArgs {
  readonly namePrefix: string;
  readonly image: string;
  readonly networkName: pulumi.Input<string>;
  readonly dataVolume: pulumi.Input<string>;
  readonly walArchiveVolume: pulumi.Input<string>;
  readonly backupsVolume: pulumi.Input<string>;
  readonly postgresqlConf: string;
  readonly pgHbaConf: string;
  /** Secret. */
  readonly superuserPassword: pulumi.Input<string>;
  readonly memoryMb: number;
  readonly bindAddress: string;
  /** Host port (TCP). @default a free port Docker assigns */
  readonly hostPort?: number;
  /** Start from another stack's backups: restored into the fresh data volume before the first start. @default an empty, freshly initialised cluster */
  readonly restore?: PostgresRestoreArgs;
}

export interface PostgresRestoreArgs {
  /** The backup image: the same PostgreSQL image plus the backup tool the restore runs. */
  readonly image: pulumi.Input<string>;
  /** The source stack's volumes, mounted read-only. */
  readonly sourceBackupsVolume: string;
  readonly sourceWalArchiveVolume: string;
  /** `pgplat-basebackup restore` arguments naming the target (`--time …` or `--latest`, maybe `--backup …`). */
  readonly target: readonly string[];
  /** Secret: SQL giving the restored roles this stack's credentials. */
  readonly credentialsSql: pulumi.Input<string>;
}

/** PostgreSQL 16 in a container, with rendered configs, WAL archiving and a healthcheck. */
export class PostgresContainer extends pulumi.ComponentResource {
  readonly image: docker.RemoteImage;
  readonly container: docker.Container;
  /** The port on the bind address, as Docker assigned it. */
  readonly hostPort: pulumi.Output<number>;
  /** Name other containers on the stack network use. */
  readonly networkAlias = "postgres";

  constructor(name: string, args: PostgresContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:docker:Postgres", name, {}, opts);
    const layout = postgresContainerLayout;
    this.image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
    const restore = args.restore && restoreInputs(args.restore);
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: `${args.namePrefix}-postgres`,
        image: args.restore?.image ?? this.image.imageId,
        entrypoints: [layout.entrypointScript, "docker-entrypoint.sh"],
        command: ["postgres", "-c", `config_file=${layout.configFile}`],
        envs: [
          `POSTGRES_USER=${postgresSuperuser}`,
          `POSTGRES_PASSWORD_FILE=${layout.passwordFile}`,
          "POSTGRES_INITDB_ARGS=--auth-local=scram-sha-256 --auth-host=scram-sha-256 --data-checksums",
          `PGPLAT_SERVER_DIRS=${layout.archiveDir} ${layout.backupsDir}`,
          ...(restore?.envs ?? []),
        ],
        uploads: [
          { file: layout.configFile, content: args.postgresqlConf },
          { file: layout.hbaFile, content: args.pgHbaConf },
          { file: layout.archiveScript, content: containerScript("archive-wal.sh"), executable: true },
          { file: layout.entrypointScript, content: containerScript("postgres-entrypoint.sh"), executable: true },
          {
            file: layout.passwordFile,
            content: pulumi.secret(args.superuserPassword),
            owner: imageServerUid,
            group: imageServerUid,
            permissions: "0400",
          },
          ...(restore?.uploads ?? []),
        ],
        volumes: [
          { volumeName: args.dataVolume, containerPath: layout.dataDir },
          { volumeName: args.walArchiveVolume, containerPath: layout.archiveDir },
          { volumeName: args.backupsVolume, containerPath: layout.backupsDir },
          ...(restore?.volumes ?? []),
        ],
        networksAdvanced: [{ name: args.networkName, aliases: [this.networkAlias] }],
        ports: [{ internal: layout.port, external: args.hostPort, ip: args.bindAddress }],
        healthcheck: {
          tests: [
            "CMD",
            "pg_isready",
            "--host=127.0.0.1",
            `--port=${layout.port}`,
            "--dbname=postgres",
            `--username=${postgresSuperuser}`,
          ],
          interval: "5s",
          timeout: "3s",
          retries: 12,
          startPeriod: "30s",
        },
        memory: args.memoryMb,
        // Parallel query uses POSIX shared memory; Docker's 64 MB default is too small.
        shmSize: Math.max(128, Math.floor(args.memoryMb / 4)),
        // SIGINT is PostgreSQL's fast shutdown: no wait for clients, no crash recovery on start.
        stopSignal: "SIGINT",
        stopTimeout: 60,
        restart: "unless-stopped",
        // Roles and migrations connect as soon as this resource is done.
        wait: true,
        // A restore replays the source's WAL before the server first accepts connections.
        waitTimeout: args.restore ? 3600 : 180,
      },
      // The container name and host port are fixed, so the old one must go first.
      { parent: this, deleteBeforeReplace: true },
    );
    this.hostPort = publishedPort(this.container, layout.port);
    this.registerOutputs({ hostPort: this.hostPort });
  }
}

/** What a restored stack's PostgreSQL container gets on top of the usual: the restore step, its inputs and the source's volumes. */
function restoreInputs(restore: PostgresRestoreArgs) {
  const layout = postgresContainerLayout;
  return {
    envs: [
      `PGPLAT_RESTORE=${["--repo", layout.restoreSourceBackupsDir, "--wal-archive", layout.restoreSourceArchiveDir, ...restore.target].join(" ")}`,
      `PGPLAT_RESTORE_CREDENTIALS=${layout.restoreCredentialsFile}`,
    ],
    uploads: [
      { file: layout.restoreScript, content: containerScript("restore-before-start.sh"), executable: true },
      {
        file: layout.restoreCredentialsFile,
        content: pulumi.secret(restore.credentialsSql),
        owner: imageServerUid,
        group: imageServerUid,
        permissions: "0400",
      },
    ],
    volumes: [
      { volumeName: restore.sourceBackupsVolume, containerPath: layout.restoreSourceBackupsDir, readOnly: true },
      { volumeName: restore.sourceWalArchiveVolume, containerPath: layout.restoreSourceArchiveDir, readOnly: true },
    ],
  };
}

/** The host port Docker published for an internal port. */
export function publishedPort(container: docker.Container, internal: number): pulumi.Output<number> {
  return container.ports.apply((ports) => {
    const published = (ports ?? []).find((port) => port.internal === internal)?.external;
    if (published === undefined) throw new Error(`port ${internal} of the container is not published`);
    return published;
  });
}
