import * as pulumi from "@pulumi/pulumi";
import { backupFunctions, backupLogin, monitoringLogin, type StackConfig } from "../../config";
import { pgbouncerFiles, postgresFiles, redisAppUser, redisFiles, redisMonitorUser } from "../../render/platformFiles";
import { redisPasswordHash } from "../../render/redisConf";
import { renderRestoreCredentials } from "../../render/restoreCredentials";
import { generatedPassword } from "../database/credentials";
import { DatabaseSetup } from "../database/setup";
import { postgresUri, type PlatformEndpoints, type PoolerEndpoint } from "../endpoints";
import { connectionUris, pgbouncerUserlist, platformLogins, roleSetupInputs, type PlatformLogins } from "../spine";
import { PgbouncerContainer, pgbouncerContainerLayout } from "./pgbouncer";
import { PostgresContainer, postgresContainerLayout, postgresSuperuser } from "./postgres";
import { RedisContainer, redisContainerLayout } from "./redis";
import { DockerMonitoring } from "./monitoring";
import { BackupContainer, backupImage } from "./backups";
import { DockerStorage } from "./storage";

export interface DockerPlatformArgs {
  readonly config: StackConfig;
  /** Prefix of every Docker object name, e.g. `pgplat-dev`. */
  readonly namePrefix: string;
}

/** The generated secrets only the Docker target has; each is secret. */
interface DockerSecrets {
  readonly superuserPassword: pulumi.Output<string>;
  readonly redisPassword: pulumi.Output<string>;
  readonly redisMonitorPassword: pulumi.Output<string>;
  /** The backup login's password; absent when backups are off. */
  readonly backupPassword?: pulumi.Output<string>;
}

/** The dev/ephemeral target: PostgreSQL, PgBouncer and Redis containers on one private network. */
export class DockerPlatform extends pulumi.ComponentResource implements PlatformEndpoints {
  readonly storage: DockerStorage;
  readonly monitoring: DockerMonitoring;
  readonly postgres: PlatformEndpoints["postgres"];
  readonly pooler: PoolerEndpoint;
  readonly redis: PlatformEndpoints["redis"];
  readonly connectionUris: pulumi.Output<Record<string, string>>;
  readonly redisUri: pulumi.Output<string>;
  /** Secret: Redis as the statistics-only monitoring user (health report, exporter). */
  readonly redisMonitorUri: pulumi.Output<string>;

  constructor(name: string, args: DockerPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:docker:Platform", name, {}, opts);
    const { config, namePrefix } = args;
    const docker = config.docker;
    const storage = new DockerStorage(`${name}-storage`, { namePrefix }, { parent: this });
    const logins = platformLogins(name, config, this);
    const passwords = this.passwords(name);
    // The backup image also carries the restore step of a stack restored from another.
    const toolsImage =
      config.backups.enabled || config.restore
        ? backupImage(`${name}-backup-image`, { namePrefix, postgresImage: docker.postgresImage }, this).imageName
        : undefined;
    const secrets: DockerSecrets = {
      ...passwords,
      backupPassword: config.backups.enabled ? generatedPassword(`${name}-backup-password`, this) : undefined,
    };
    const postgres = this.postgresContainer(name, args, storage, logins, secrets, toolsImage);
    const database = new DatabaseSetup(
      `${name}-database`,
      {
        admin: {
          host: docker.bindAddress,
          port: postgres.hostPort,
          username: postgresSuperuser,
          password: secrets.superuserPassword,
          sslmode: "disable",
          superuser: true,
        },
        ...roleSetupInputs(config, logins),
        dependsOn: [postgres.container],
        adoptExisting: config.restore !== undefined,
      },
      { parent: this },
    );
    if (toolsImage && secrets.backupPassword)
      this.scheduledBackups(name, args, { storage, postgres, database }, toolsImage, secrets.backupPassword);
    const pgbouncer = this.pgbouncerContainer(name, args, storage, postgres, logins);
    const redis = this.redisContainer(name, args, storage, secrets);
    this.monitoring = this.monitors(
      name,
      args,
      { storage, postgres, database, pgbouncer, redis },
      logins,
      secrets.redisMonitorPassword,
    );

    const host = pulumi.output(docker.bindAddress);
    this.storage = storage;
    this.postgres = { host, port: postgres.hostPort };
    this.pooler = { kind: "pgbouncer", host, port: pgbouncer.hostPort };
    this.redis = { host, port: redis.hostPort };
    this.connectionUris = connectionUris(
      config,
      logins,
      { host, port: postgres.hostPort },
      { host, port: pgbouncer.hostPort },
    );
    this.redisUri = redisUri(redisAppUser, secrets.redisPassword, docker.bindAddress, redis.hostPort);
    this.redisMonitorUri = redisUri(redisMonitorUser, secrets.redisMonitorPassword, docker.bindAddress, redis.hostPort);
    this.registerOutputs({});
  }

  private passwords(name: string): Omit<DockerSecrets, "backupPassword"> {
    return {
      superuserPassword: generatedPassword(`${name}-superuser-password`, this),
      redisPassword: generatedPassword(`${name}-redis-password`, this),
      redisMonitorPassword: generatedPassword(`${name}-redis-monitor-password`, this),
    };
  }

  /** PostgreSQL with the rendered config; a restored stack first restores the source's backup under this stack's credentials. */
  private postgresContainer(
    name: string,
    { config, namePrefix }: DockerPlatformArgs,
    storage: DockerStorage,
    logins: PlatformLogins,
    secrets: DockerSecrets,
    toolsImage: pulumi.Output<string> | undefined,
  ): PostgresContainer {
    const docker = config.docker;
    const postgresConfig = postgresFiles(config, postgresContainerLayout);
    return new PostgresContainer(
      `${name}-postgres`,
      {
        namePrefix,
        image: docker.postgresImage,
        networkName: storage.network.name,
        dataVolume: storage.postgresData.name,
        walArchiveVolume: storage.walArchive.name,
        backupsVolume: storage.backups.name,
        postgresqlConf: postgresConfig.postgresqlConf,
        pgHbaConf: postgresConfig.pgHbaConf,
        superuserPassword: secrets.superuserPassword,
        memoryMb: config.postgres.memoryMb,
        bindAddress: docker.bindAddress,
        hostPort: config.postgres.port,
        restore: config.restore && {
          image: toolsImage!,
          sourceBackupsVolume: `${pulumi.getProject()}-${config.restore.fromStack}-backups`,
          sourceWalArchiveVolume: `${pulumi.getProject()}-${config.restore.fromStack}-wal-archive`,
          target: restoreTarget(config.restore),
          credentialsSql: restoredRoleCredentials(logins, secrets.superuserPassword, secrets.backupPassword),
        },
      },
      { parent: this },
    );
  }

  private pgbouncerContainer(
    name: string,
    { config, namePrefix }: DockerPlatformArgs,
    storage: DockerStorage,
    postgres: PostgresContainer,
    { credentials }: PlatformLogins,
  ): PgbouncerContainer {
    const docker = config.docker;
    const pgbouncerLayout = {
      ...pgbouncerContainerLayout,
      postgresHost: postgres.networkAlias,
      postgresPort: postgresContainerLayout.port,
    };
    const pgbouncerConfig = pgbouncerFiles(config, pgbouncerLayout);
    return new PgbouncerContainer(
      `${name}-pgbouncer`,
      {
        namePrefix,
        image: docker.pgbouncerImage,
        networkName: storage.network.name,
        pgbouncerIni: pgbouncerConfig.pgbouncerIni,
        userlist: pgbouncerUserlist(config, credentials),
        fileDescriptorLimit: pgbouncerConfig.fileDescriptorLimit,
        bindAddress: docker.bindAddress,
        hostPort: config.pgbouncer.port,
        postgres: postgres.container,
      },
      { parent: this },
    );
  }

  private redisContainer(
    name: string,
    { config, namePrefix }: DockerPlatformArgs,
    storage: DockerStorage,
    { redisPassword, redisMonitorPassword }: DockerSecrets,
  ): RedisContainer {
    const docker = config.docker;
    return new RedisContainer(
      `${name}-redis`,
      {
        namePrefix,
        image: docker.redisImage,
        networkName: storage.network.name,
        dataVolume: storage.redisData.name,
        redisConf: pulumi
          .all([redisPassword, redisMonitorPassword])
          .apply(
            ([password, monitorPassword]) =>
              redisFiles(config, redisContainerLayout, redisPasswordHash(password), redisPasswordHash(monitorPassword))
                .redisConf,
          ),
        maxmemoryMb: config.redis.maxmemoryMb,
        bindAddress: docker.bindAddress,
        hostPort: config.redis.port,
      },
      { parent: this },
    );
  }

  /** The exporters and Prometheus with the alert rules, reading as the monitoring logins. */
  private monitors(
    name: string,
    { config, namePrefix }: DockerPlatformArgs,
    running: RunningServers,
    { credentials }: PlatformLogins,
    redisMonitorPassword: pulumi.Output<string>,
  ): DockerMonitoring {
    const docker = config.docker;
    const { storage, postgres, database, pgbouncer, redis } = running;
    const monitoringPassword = credentials.byUser[monitoringLogin].password;
    return new DockerMonitoring(
      `${name}-monitoring`,
      {
        namePrefix,
        networkName: storage.network.name,
        images: {
          postgresExporter: docker.postgresExporterImage,
          pgbouncerExporter: docker.pgbouncerExporterImage,
          redisExporter: docker.redisExporterImage,
          prometheus: docker.prometheusImage,
        },
        thresholds: config.thresholds,
        postgresDsn: pulumi.secret(
          monitoringPassword.apply(
            (password) =>
              `${postgresUri(monitoringLogin, password, postgres.networkAlias, postgresContainerLayout.port, config.postgres.database)}?sslmode=disable`,
          ),
        ),
        pgbouncerDsn: pulumi.secret(
          monitoringPassword.apply(
            (password) =>
              `${postgresUri(monitoringLogin, password, "pgbouncer", pgbouncerContainerLayout.listenPort, "pgbouncer")}?sslmode=disable`,
          ),
        ),
        redisAddress: `redis://redis:${redisContainerLayout.port}`,
        redisUser: redisMonitorUser,
        redisPassword: redisMonitorPassword,
        bindAddress: docker.bindAddress,
        prometheusHostPort: docker.prometheusPort,
        dependsOn: [database, pgbouncer.container, redis.container],
      },
      { parent: this },
    );
  }

  private scheduledBackups(
    name: string,
    { config, namePrefix }: DockerPlatformArgs,
    { storage, postgres, database }: Pick<RunningServers, "storage" | "postgres" | "database">,
    image: pulumi.Output<string>,
    password: pulumi.Output<string>,
  ): BackupContainer {
    return new BackupContainer(
      `${name}-backups`,
      {
        namePrefix,
        image,
        networkName: storage.network.name,
        postgresHost: postgres.networkAlias,
        postgresPort: postgresContainerLayout.port,
        dataVolume: storage.postgresData.name,
        walArchiveVolume: storage.walArchive.name,
        backupsVolume: storage.backups.name,
        password,
        createLogin: database.roles && { provider: database.provider, after: database.roles.ready },
        record: database.migrations && { database: config.postgres.database, after: database.migrations },
        everyHours: config.backups.baseBackupEveryHours,
        graceMinutes: config.backups.baseBackupGraceMinutes,
        retentionDays: config.backups.retentionDays,
      },
      { parent: this },
    );
  }
}

/** What the monitoring and backup steps attach to. */
interface RunningServers {
  readonly storage: DockerStorage;
  readonly postgres: PostgresContainer;
  readonly database: DatabaseSetup;
  readonly pgbouncer: PgbouncerContainer;
  readonly redis: RedisContainer;
}

/** Secret: a Redis URI on the host's published port. */
function redisUri(
  user: string,
  password: pulumi.Output<string>,
  host: string,
  port: pulumi.Output<number>,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .all([port, password])
      .apply(([hostPort, secret]) => `redis://${user}:${encodeURIComponent(secret)}@${host}:${hostPort}/0`),
  );
}

/** `pgplat-basebackup restore` arguments for the configured target. */
function restoreTarget(restore: NonNullable<StackConfig["restore"]>): string[] {
  return [
    ...(restore.time !== undefined ? ["--time", restore.time] : ["--latest"]),
    ...(restore.backup !== undefined ? ["--backup", restore.backup] : []),
  ];
}

/** The restored roles get this stack's credentials: the superuser, every login's SCRAM verifier, and the backup login (created if the source had none). */
function restoredRoleCredentials(
  { logins, credentials }: PlatformLogins,
  superuserPassword: pulumi.Output<string>,
  backupPassword: pulumi.Output<string> | undefined,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .all([
        superuserPassword,
        pulumi.all(logins.map((login) => credentials.byUser[login.name].scramSecret)),
        backupPassword,
      ])
      .apply(([superuser, verifiers, backup]) =>
        renderRestoreCredentials({
          existing: [
            { role: postgresSuperuser, password: superuser },
            ...logins.map((login, index) => ({ role: login.name, password: verifiers[index] })),
          ],
          ensured:
            backup === undefined
              ? undefined
              : { login: { role: backupLogin, password: backup }, functions: backupFunctions },
        }),
      ),
  );
}
