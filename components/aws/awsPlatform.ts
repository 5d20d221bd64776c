import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { loginRoles, pgbouncerAdminUser, pgbouncerLimits, pooledLoginNames, userlistUsers, type StackConfig } from "../../config";
import { asConfigured } from "../../config/secrets";
import { renderUserlist } from "../../render/pgbouncer";
import { pgbouncerFiles } from "../../render/platformFiles";
import { rdsParameters } from "./rdsParameters";
import { Credentials } from "../database/credentials";
import { DatabaseSetup } from "../database/setup";
import { postgresUri, type PlatformEndpoints } from "../endpoints";
import { BackupBucket } from "./backupBucket";
import { BackupReplication } from "./backupReplication";
import { AwsBackup } from "./awsBackup";
import { BackupAlerts } from "./backupAlerts";
import { BackupImage } from "./backupImage";
import { BackupTask } from "./backupTask";
import { alarmSpecs } from "./alarmSpecs";
import { Alarms } from "./alarms";
import { Cache, cachePort } from "./elasticache";
import { PlatformKey } from "./kms";
import { Pooler, poolerLayout, poolerPort } from "./pooler";
import { proxyPort, RdsProxy } from "./rdsProxy";
import type { ServicePlacement } from "./ingress";
import { MinimalVpc } from "./vpc";
import { DatabaseNetwork } from "./network";
import { RdsPostgres, rdsMasterUser } from "./rds";
import { rdsRestoreSource } from "./rdsRestore";
import { schedulePeriodHours } from "../../config/awsBackup";

export interface AwsPlatformArgs {
  readonly config: StackConfig;
  readonly namePrefix: string;
}

const postgresPort = 5432;

/** Where the platform lives: the stack's own VPC, or the minimal one pgplat created. */
interface Placement {
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: readonly pulumi.Input<string>[];
}

/** CloudWatch retention of the Fargate tasks' logs (pooler and backups). */
const taskLogRetentionDays = 30;

interface PooledEndpoint {
  readonly endpoint: NonNullable<PlatformEndpoints["pgbouncer"]>;
  /** What pooled connection URIs ask for. */
  readonly sslmode: "require" | "disable";
}

/**
 * The prod target on AWS: network access, KMS, RDS PostgreSQL 16 tuned by the
 * shared tuning code, roles and migrations over the admin endpoint, the
 * backup bucket and task, the pooler (PgBouncer on Fargate behind an internal
 * NLB, or RDS Proxy), ElastiCache and alarms.
 */
export class AwsPlatform extends pulumi.ComponentResource implements PlatformEndpoints {
  /** Where the client-facing services run and who may reach them. */
  readonly placement: ServicePlacement;
  readonly key: PlatformKey;
  readonly network: DatabaseNetwork;
  readonly rds: RdsPostgres;
  readonly database: DatabaseSetup;
  readonly postgres: PlatformEndpoints["postgres"];
  readonly connectionUris: pulumi.Output<Record<string, string>>;
  readonly cache: Cache;
  pooler?: Pooler;
  proxy?: RdsProxy;
  readonly pgbouncer: PlatformEndpoints["pgbouncer"];
  readonly redis: PlatformEndpoints["redis"];
  readonly redisUri: pulumi.Output<string>;
  backupBucket?: BackupBucket;
  awsBackup?: AwsBackup;
  backupTask?: BackupTask;

  constructor(name: string, args: AwsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:Platform", name, {}, opts);
    const { config, namePrefix } = args;
    const awsConfig = config.aws;
    if (!awsConfig) throw new Error("the aws target needs pgplat:aws (config validation should have said so)");
    const postgres = config.postgres;
    const network = awsConfig.vpcId && awsConfig.subnetIds ? { vpcId: awsConfig.vpcId, subnetIds: awsConfig.subnetIds } : this.createVpc(name, args);
    this.placement = { namePrefix, ...network, allowedCidrs: awsConfig.allowedCidrs, allowedSecurityGroupIds: awsConfig.allowedSecurityGroupIds };
    this.key = new PlatformKey(`${name}-kms`, { namePrefix, protect: awsConfig.protect }, { parent: this });
    this.network = new DatabaseNetwork(
      `${name}-network`,
      { ...this.placement, port: postgresPort },
      { parent: this },
    );
    this.rds = new RdsPostgres(
      `${name}-rds`,
      {
        namePrefix,
        engineVersion: awsConfig.engineVersion,
        instanceClass: config.profile.rdsInstanceClass,
        storageGb: postgres.storageGb,
        maxStorageGb: awsConfig.maxStorageGb,
        parameters: rdsParameters({
          tuning: { memoryMb: postgres.memoryMb, vcpus: postgres.vcpus, storageGb: postgres.storageGb, storageKind: postgres.storageKind, maxConnections: postgres.maxConnections, workload: postgres.workload },
          slowStatementMs: postgres.slowStatementMs,
        }),
        kmsKeyArn: this.key.key.arn,
        subnetGroupName: this.network.subnetGroup.name,
        securityGroupIds: [this.network.securityGroup.id],
        multiAz: awsConfig.multiAz,
        deletionProtection: awsConfig.deletionProtection,
        backupRetentionDays: config.backups.retentionDays,
        backupWindow: awsConfig.backupWindow,
        maintenanceWindow: awsConfig.maintenanceWindow,
        monitoringIntervalSeconds: awsConfig.monitoringIntervalSeconds,
        performanceInsightsRetentionDays: awsConfig.performanceInsightsRetentionDays,
        iamDatabaseAuth: awsConfig.iamDatabaseAuth,
        protect: awsConfig.protect,
        readReplicas: awsConfig.readReplicas,
        restoreFrom: rdsRestoreSource(awsConfig.restoreFrom),
      },
      { parent: this },
    );

    const instance = this.rds.instance;
    const masterSecretArn = instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets?.[0]?.secretArn;
      if (!arn) throw new Error("RDS did not report its managed master secret");
      return arn;
    });
    const masterPassword = pulumi.secret(
      masterSecretArn.apply((arn) => aws.secretsmanager.getSecretVersionOutput({ secretId: arn }, { parent: this }).secretString.apply((text) => (JSON.parse(text) as { password: string }).password)),
    );
    if (config.backups.enabled) this.backups(name, args, masterSecretArn);
    const replication =
      awsConfig.backupReplicaRegion === undefined
        ? undefined
        : new BackupReplication(
            `${name}-backup-replication`,
            { namePrefix, region: awsConfig.backupReplicaRegion, sourceInstanceArn: instance.arn, retentionDays: config.backups.retentionDays, protect: awsConfig.protect },
            { parent: this },
          );
    if (awsConfig.backupPlan.enabled) {
      this.awsBackup = new AwsBackup(
        `${name}-aws-backup`,
        {
          namePrefix,
          plan: awsConfig.backupPlan,
          instanceArn: instance.arn,
          kmsKeyArn: this.key.key.arn,
          subnetGroupName: this.network.subnetGroup.name,
          securityGroupId: this.network.securityGroup.id,
          replica: replication && awsConfig.backupReplicaRegion ? { region: awsConfig.backupReplicaRegion, kmsKeyArn: replication.key.arn } : undefined,
          protect: awsConfig.protect,
        },
        { parent: this },
      );
    }
    this.cache = new Cache(
      `${name}-cache`,
      {
        ...this.placement,
        engine: awsConfig.cacheEngine,
        engineVersion: awsConfig.cacheEngineVersion,
        nodeType: config.profile.cacheNodeType,
        nodes: awsConfig.cacheNodes,
        maxmemoryPolicy: config.redis.maxmemoryPolicy,
        kmsKeyArn: this.key.key.arn,
        snapshotRetentionDays: awsConfig.cacheSnapshotRetentionDays,
        maintenanceWindow: awsConfig.maintenanceWindow,
        protect: awsConfig.protect,
      },
      { parent: this },
    );
    const group = this.cache.replicationGroup;
    this.redis = { host: group.primaryEndpointAddress, port: pulumi.output(cachePort) };
    this.redisUri = pulumi.secret(pulumi.all([group.primaryEndpointAddress, this.cache.authToken]).apply(([host, token]) => `rediss://:${token}@${host}:${cachePort}/0`));
    const logins = loginRoles(config.roles.extra);
    const credentials = new Credentials(`${name}-credentials`, { users: [...logins.map((login) => login.name), pgbouncerAdminUser] }, { parent: this });
    this.database = new DatabaseSetup(
      `${name}-database`,
      {
        admin: {
          // An encrypted adminHost (an SSM forward, a bastion) stays secret in the provider's inputs.
          host: awsConfig.adminHost === undefined ? instance.address : asConfigured("aws.adminHost", awsConfig.adminHost),
          port: awsConfig.adminPort === undefined ? instance.port : asConfigured("aws.adminPort", awsConfig.adminPort),
          username: rdsMasterUser,
          password: masterPassword,
          sslmode: awsConfig.sslmode,
          sslRootCert: awsConfig.sslRootCert,
          superuser: false,
        },
        database: postgres.database,
        logins,
        credentials: credentials.byUser,
        appSessionLimits: { statementTimeoutMs: config.roles.appStatementTimeoutMs, idleInTransactionTimeoutMs: config.roles.appIdleInTransactionTimeoutMs },
        migrations: config.migrations,
        dependsOn: [instance],
      },
      { parent: this },
    );

    const pooled = awsConfig.pooler === "rds-proxy" ? this.createProxy(name, args, credentials) : this.createPgbouncer(name, args, credentials);
    this.pgbouncer = pooled.endpoint;
    this.postgres = { host: instance.address, port: instance.port };
    const pooledSslmode = pooled.sslmode;
    this.connectionUris = pulumi.secret(
      pulumi
        .all([instance.address, instance.port, pooled.endpoint.host, pooled.endpoint.port, pulumi.all(Object.fromEntries(logins.map((login) => [login.name, credentials.byUser[login.name].password])))])
        .apply(([host, port, pooledHost, pooledPort, passwords]) =>
          Object.fromEntries(
            logins.map((login) => [
              login.name,
              login.pooled ? postgresUri(login.name, passwords[login.name], pooledHost, pooledPort, postgres.database, pooledSslmode) : postgresUri(login.name, passwords[login.name], host, port, postgres.database, "require"),
            ]),
          ),
        ),
    );
    const alarms = new Alarms(
      `${name}-alarms`,
      {
        namePrefix,
        specs: alarmSpecs(config, { pgbouncerTasks: this.pooler ? awsConfig.poolerTasks : undefined, readReplicas: awsConfig.readReplicas }),
        subjects: {
          rdsInstance: instance.identifier,
          replicationGroup: group.replicationGroupId,
          ...(this.pooler && {
            poolerCluster: this.pooler.cluster.name,
            poolerService: this.pooler.service.name,
            poolerLoadBalancer: this.pooler.loadBalancer.arnSuffix,
            poolerTargetGroup: this.pooler.targetGroup.arnSuffix,
          }),
          ...Object.fromEntries(this.rds.replicas.map((replica, index) => [`replica${index + 1}`, replica.identifier])),
        },
        email: awsConfig.alarmEmail === undefined ? undefined : asConfigured("aws.alarmEmail", awsConfig.alarmEmail),
      },
      { parent: this },
    );
    if (this.backupTask) {
      const period = schedulePeriodHours(config.backups.schedule);
      if (period === undefined) throw new Error("backups.schedule has no period the missed-backup alarm understands (config validation should have said so)");
      new BackupAlerts(
        `${name}-backup-alerts`,
        {
          namePrefix,
          topicArn: alarms.topic.arn,
          clusterArn: this.backupTask.cluster.arn,
          taskFamily: this.backupTask.family,
          schedulePeriodHours: period,
          marginHours: config.backups.missedDumpMarginHours,
          awsBackupJobs: this.awsBackup !== undefined,
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }

  /** A minimal VPC when the stack brings none (throwaway stacks). */
  private createVpc(name: string, args: AwsPlatformArgs): Placement {
    const awsConfig = args.config.aws!;
    const vpc = new MinimalVpc(`${name}-vpc`, { namePrefix: args.namePrefix, cidr: awsConfig.vpcCidr, region: awsConfig.region }, { parent: this });
    return { vpcId: vpc.vpcId, subnetIds: vpc.privateSubnetIds };
  }

  /** RDS Proxy with the PgBouncer pool budget as its share of max_connections; TLS is always on. */
  private createProxy(name: string, args: AwsPlatformArgs, credentials: Credentials): PooledEndpoint {
    const { config } = args;
    const budget = pgbouncerLimits(config).maxDbConnections;
    this.proxy = new RdsProxy(
      `${name}-proxy`,
      {
        ...this.placement,
        instanceIdentifier: this.rds.instance.identifier,
        kmsKeyArn: this.key.key.arn,
        logins: pooledLoginNames(config).map((login) => ({ name: login, password: credentials.byUser[login].password })),
        maxConnectionsPercent: Math.min(100, Math.ceil((budget * 100) / config.postgres.maxConnections)),
      },
      { parent: this },
    );
    this.network.admit(`${name}-network`, "proxy", this.proxy.securityGroup.id);
    return { endpoint: { host: this.proxy.proxy.endpoint, port: pulumi.output(proxyPort) }, sslmode: "require" };
  }

  /** PgBouncer on Fargate, with the same ini and SCRAM userlist as Docker; it reaches RDS over TLS. */
  private createPgbouncer(name: string, args: AwsPlatformArgs, credentials: Credentials): PooledEndpoint {
    const { config } = args;
    const awsConfig = config.aws!;
    const users = userlistUsers(config);
    const userlist = pulumi.all(users.map((user) => credentials.byUser[user].scramSecret)).apply((secrets) => renderUserlist(secrets.map((scramSecret, index) => ({ user: users[index], scramSecret }))));
    const pgbouncerIni = this.rds.instance.address.apply(
      (host) => pgbouncerFiles(config, { ...poolerLayout, postgresHost: host, postgresPort: 5432, serverTlsSslmode: "require" }).pgbouncerIni,
    );
    const pooler = new Pooler(
      `${name}-pooler`,
      {
        ...this.placement,
        region: awsConfig.region,
        image: config.docker.pgbouncerImage,
        logRetentionDays: taskLogRetentionDays,
        pgbouncerIni,
        userlist,
        fileDescriptorLimit: pgbouncerLimits(config).fileDescriptorLimit,
        kmsKeyArn: this.key.key.arn,
        tasks: awsConfig.poolerTasks,
        certificateArn: awsConfig.poolerCertificateArn,
      },
      { parent: this },
    );
    this.network.admit(`${name}-network`, "pooler", pooler.securityGroup.id);
    this.pooler = pooler;
    // PgBouncer itself speaks plain TCP: TLS to clients needs the NLB's TLS listener (aws.poolerCertificateArn).
    return { endpoint: { host: pooler.loadBalancer.dnsName, port: pulumi.output(poolerPort) }, sslmode: awsConfig.poolerCertificateArn ? "require" : "disable" };
  }

  /** The backup bucket and the scheduled task that fills it. */
  private backups(name: string, args: AwsPlatformArgs, credentialsSecretArn: pulumi.Output<string>): void {
    const { config, namePrefix } = args;
    const awsConfig = config.aws!;
    const backups = config.backups;
    this.backupBucket = new BackupBucket(
      `${name}-backup-bucket`,
      {
        namePrefix,
        kmsKeyArn: this.key.key.arn,
        transitionDays: backups.bucketTransitionDays,
        expireDays: backups.bucketExpireDays,
        noncurrentExpireDays: backups.noncurrentExpireDays,
        objectLockDays: backups.objectLockDays,
        protect: awsConfig.protect,
      },
      { parent: this },
    );
    const image = new BackupImage(`${name}-backup-image`, { namePrefix, engineVersion: awsConfig.engineVersion, kmsKeyArn: this.key.key.arn, protect: awsConfig.protect }, { parent: this });
    const task = (this.backupTask = new BackupTask(
      `${name}-backup-task`,
      {
        namePrefix,
        region: awsConfig.region,
        image: image.imageName,
        bucketName: this.backupBucket.bucket.bucket,
        bucketArn: this.backupBucket.bucket.arn,
        kmsKeyArn: this.key.key.arn,
        vpcId: this.placement.vpcId,
        subnetIds: this.placement.subnetIds,
        postgresHost: this.rds.instance.address,
        database: config.postgres.database,
        credentialsSecretArn,
        schedule: backups.schedule,
        logRetentionDays: taskLogRetentionDays,
      },
      { parent: this },
    ));
    this.network.admit(`${name}-network`, "backup-task", task.securityGroup.id);
  }
}
