import * as pulumi from "@pulumi/pulumi";
import { backupFunctions, backupLogin, loginRoles, monitoringLogin, pgbouncerAdminUser, userlistUsers, type LoginRole, type StackConfig } from "../../config";
import { pgbouncerFiles, postgresFiles, redisAppUser, redisFiles, redisMonitorUser } from "../../render/platformFiles";
import { renderUserlist } from "../../render/pgbouncer";
import { redisPasswordHash } from "../../render/redisConf";
import { renderRestoreCredentials } from "../../render/restoreCredentials";
import { Credentials, generatedPassword } from "../database/credentials";
import { DatabaseSetup } from "../database/setup";
import { postgresUri, type PlatformEndpoints } from "../endpoints";
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

/** The dev/ephemeral target: PostgreSQL, PgBouncer and Redis containers on one private network. */
export class DockerPlatform extends pulumi.ComponentResource implements PlatformEndpoints {
  readonly storage: DockerStorage;
  readonly postgresContainer: PostgresContainer;
  readonly pgbouncerContainer: PgbouncerContainer;
  readonly redisContainer: RedisContainer;
  readonly monitoring: DockerMonitoring;
  readonly database: DatabaseSetup;
  /** Scheduled base backups; absent when backups are off. */
  readonly backups?: BackupContainer;
  readonly postgres: PlatformEndpoints["postgres"];
  readonly pgbouncer: PlatformEndpoints["pgbouncer"];
  readonly redis: PlatformEndpoints["redis"];
  readonly connectionUris: pulumi.Output<Record<string, string>>;
  readonly redisUri: pulumi.Output<string>;
  /** Secret: Redis as the statistics-only monitoring user (health report, exporter). */
  readonly redisMonitorUri: pulumi.Output<string>;

  constructor(name: string, args: DockerPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:docker:Platform", name, {}, opts);
    const { config, namePrefix } = args;
    const docker = config.docker;
    const logins = loginRoles(config.roles.extra);
    this.storage = new DockerStorage(`${name}-storage`, { namePrefix }, { parent: this });
    const credentials = new Credentials(`${name}-credentials`, { users: [...logins.map((login) => login.name), pgbouncerAdminUser] }, { parent: this });
    const superuserPassword = generatedPassword(`${name}-superuser-password`, this);
    const redisPassword = generatedPassword(`${name}-redis-password`, this);
    const redisMonitorPassword = generatedPassword(`${name}-redis-monitor-password`, this);

    // The backup image also carries the restore step of a stack restored from another.
    const toolsImage = config.backups.enabled || config.restore ? backupImage(`${name}-backup-image`, { namePrefix, postgresImage: docker.postgresImage }, this).imageName : undefined;
    const backupPassword = config.backups.enabled ? generatedPassword(`${name}-backup-password`, this) : undefined;
    const postgresConfig = postgresFiles(config, postgresContainerLayout);
    this.postgresContainer = new PostgresContainer(
      `${name}-postgres`,
      {
        namePrefix,
        image: docker.postgresImage,
        networkName: this.storage.network.name,
        dataVolume: this.storage.postgresData.name,
        walArchiveVolume: this.storage.walArchive.name,
        backupsVolume: this.storage.backups.name,
        postgresqlConf: postgresConfig.postgresqlConf,
        pgHbaConf: postgresConfig.pgHbaConf,
        superuserPassword,
        memoryMb: config.postgres.memoryMb,
        bindAddress: docker.bindAddress,
        hostPort: config.postgres.port,
        restore: config.restore && {
          image: toolsImage!,
          sourceBackupsVolume: `${pulumi.getProject()}-${config.restore.fromStack}-backups`,
          sourceWalArchiveVolume: `${pulumi.getProject()}-${config.restore.fromStack}-wal-archive`,
          target: restoreTarget(config.restore),
          credentialsSql: restoredRoleCredentials(logins, credentials, superuserPassword, backupPassword),
        },
      },
      { parent: this },
    );

    this.database = new DatabaseSetup(
      `${name}-database`,
      {
        admin: { host: docker.bindAddress, port: this.postgresContainer.hostPort, username: postgresSuperuser, password: superuserPassword, sslmode: "disable", superuser: true },
        database: config.postgres.database,
        logins,
        credentials: credentials.byUser,
        appSessionLimits: { statementTimeoutMs: config.roles.appStatementTimeoutMs, idleInTransactionTimeoutMs: config.roles.appIdleInTransactionTimeoutMs },
        migrations: config.migrations,
        dependsOn: [this.postgresContainer.container],
        adoptExisting: config.restore !== undefined,
      },
      { parent: this },
    );

    if (toolsImage && backupPassword) this.backups = this.scheduledBackups(name, args, toolsImage, backupPassword);

    const users = userlistUsers(config);
    const userlist = pulumi
      .all(users.map((user) => credentials.byUser[user].scramSecret))
      .apply((secrets) => renderUserlist(secrets.map((scramSecret, index) => ({ user: users[index], scramSecret }))));
    const pgbouncerLayout = { ...pgbouncerContainerLayout, postgresHost: this.postgresContainer.networkAlias, postgresPort: postgresContainerLayout.port };
    const pgbouncerConfig = pgbouncerFiles(config, pgbouncerLayout);
    this.pgbouncerContainer = new PgbouncerContainer(
      `${name}-pgbouncer`,
      {
        namePrefix,
        image: docker.pgbouncerImage,
        networkName: this.storage.network.name,
        pgbouncerIni: pgbouncerConfig.pgbouncerIni,
        userlist,
        fileDescriptorLimit: pgbouncerConfig.fileDescriptorLimit,
        bindAddress: docker.bindAddress,
        hostPort: config.pgbouncer.port,
        postgres: this.postgresContainer.container,
      },
      { parent: this },
    );

    this.redisContainer = new RedisContainer(
      `${name}-redis`,
      {
        namePrefix,
        image: docker.redisImage,
        networkName: this.storage.network.name,
        dataVolume: this.storage.redisData.name,
        redisConf: pulumi
          .all([redisPassword, redisMonitorPassword])
          .apply(([password, monitorPassword]) => redisFiles(config, redisContainerLayout, redisPasswordHash(password), redisPasswordHash(monitorPassword)).redisConf),
        maxmemoryMb: config.redis.maxmemoryMb,
        bindAddress: docker.bindAddress,
        hostPort: config.redis.port,
      },
      { parent: this },
    );

    const monitoringPassword = credentials.byUser[monitoringLogin].password;
    this.monitoring = new DockerMonitoring(
      `${name}-monitoring`,
      {
        namePrefix,
        networkName: this.storage.network.name,
        images: { postgresExporter: docker.postgresExporterImage, pgbouncerExporter: docker.pgbouncerExporterImage, redisExporter: docker.redisExporterImage, prometheus: docker.prometheusImage },
        thresholds: config.thresholds,
        postgresDsn: pulumi.secret(
          monitoringPassword.apply((password) => `${postgresUri(monitoringLogin, password, this.postgresContainer.networkAlias, postgresContainerLayout.port, config.postgres.database)}?sslmode=disable`),
        ),
        pgbouncerDsn: pulumi.secret(monitoringPassword.apply((password) => `${postgresUri(monitoringLogin, password, "pgbouncer", pgbouncerContainerLayout.listenPort, "pgbouncer")}?sslmode=disable`)),
        redisAddress: `redis://redis:${redisContainerLayout.port}`,
        redisUser: redisMonitorUser,
        redisPassword: redisMonitorPassword,
        bindAddress: docker.bindAddress,
        prometheusHostPort: docker.prometheusPort,
        dependsOn: [this.database, this.pgbouncerContainer.container, this.redisContainer.container],
      },
      { parent: this },
    );

    const host = pulumi.output(docker.bindAddress);
    this.postgres = { host, port: this.postgresContainer.hostPort };
    this.pgbouncer = { host, port: this.pgbouncerContainer.hostPort };
    this.redis = { host, port: this.redisContainer.hostPort };
    this.connectionUris = pulumi.secret(
      pulumi
        .all([this.postgres.port, this.pgbouncer.port, pulumi.all(Object.fromEntries(logins.map((login) => [login.name, credentials.byUser[login.name].password])))])
        .apply(([directPort, pooledPort, passwords]) =>
          Object.fromEntries(
            logins.map((login) => {
              const port = login.pooled ? pooledPort : directPort;
              return [login.name, postgresUri(login.name, passwords[login.name], docker.bindAddress, port, config.postgres.database)];
            }),
          ),
        ),
    );
    this.redisUri = pulumi.secret(
      pulumi.all([this.redis.port, redisPassword]).apply(([port, password]) => `redis://${redisAppUser}:${encodeURIComponent(password)}@${docker.bindAddress}:${port}/0`),
    );
    this.redisMonitorUri = pulumi.secret(
      pulumi.all([this.redis.port, redisMonitorPassword]).apply(([port, password]) => `redis://${redisMonitorUser}:${encodeURIComponent(password)}@${docker.bindAddress}:${port}/0`),
    );
    this.registerOutputs({});
  }

  private scheduledBackups(name: string, { config, namePrefix }: DockerPlatformArgs, image: pulumi.Output<string>, password: pulumi.Output<string>): BackupContainer {
    return new BackupContainer(
      `${name}-backups`,
      {
        namePrefix,
        image,
        networkName: this.storage.network.name,
        postgresHost: this.postgresContainer.networkAlias,
        postgresPort: postgresContainerLayout.port,
        dataVolume: this.storage.postgresData.name,
        walArchiveVolume: this.storage.walArchive.name,
        backupsVolume: this.storage.backups.name,
        password,
        createLogin: this.database.roles && { provider: this.database.provider, after: this.database.roles.ready },
        everyHours: config.backups.baseBackupEveryHours,
        graceMinutes: config.backups.baseBackupGraceMinutes,
        retentionDays: config.backups.retentionDays,
      },
      { parent: this },
    );
  }
}

/** `pgplat-basebackup restore` arguments for the configured target. */
function restoreTarget(restore: NonNullable<StackConfig["restore"]>): string[] {
  return [...(restore.time !== undefined ? ["--time", restore.time] : ["--latest"]), ...(restore.backup !== undefined ? ["--backup", restore.backup] : [])];
}

/** The restored roles get this stack's credentials: the superuser, every login's SCRAM verifier, and the backup login (created if the source had none). */
function restoredRoleCredentials(logins: readonly LoginRole[], credentials: Credentials, superuserPassword: pulumi.Output<string>, backupPassword: pulumi.Output<string> | undefined): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .all([superuserPassword, pulumi.all(logins.map((login) => credentials.byUser[login.name].scramSecret)), backupPassword])
      .apply(([superuser, verifiers, backup]) =>
        renderRestoreCredentials({
          existing: [{ role: postgresSuperuser, password: superuser }, ...logins.map((login, index) => ({ role: login.name, password: verifiers[index] }))],
          ensured: backup === undefined ? undefined : { login: { role: backupLogin, password: backup }, functions: backupFunctions },
        }),
      ),
  );
}
