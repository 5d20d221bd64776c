import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { pgbouncerLimits, pooledLoginNames, type StackConfig } from "../../config";
import { asConfigured } from "../../config/secrets";
import { pgbouncerFiles } from "../../render/platformFiles";
import { tuningInput } from "../../render/tuning";
import { rdsParameters } from "./rdsParameters";
import { DatabaseSetup } from "../database/setup";
import type { PlatformEndpoints, PoolerEndpoint } from "../endpoints";
import { connectionUris, pgbouncerUserlist, platformLogins, roleSetupInputs, type PlatformLogins } from "../spine";
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

type AwsConfig = NonNullable<StackConfig["aws"]>;

const postgresPort = 5432;

/** CloudWatch retention of the Fargate tasks' logs (pooler and backups). */
const taskLogRetentionDays = 30;

/** What every step after the database builds on. */
interface Foundation {
  readonly placement: ServicePlacement;
  readonly key: PlatformKey;
  readonly network: DatabaseNetwork;
  readonly rds: RdsPostgres;
}

/** The pooler the stack runs (PgBouncer on Fargate, or RDS Proxy) and how clients reach it. */
interface PoolerStep {
  readonly endpoint: PoolerEndpoint;
  /** What pooled connection URIs ask for. */
  readonly sslmode: "require" | "disable";
  /** Set for PgBouncer on Fargate, whose tasks get alarms. */
  readonly pgbouncer?: Pooler;
}

/**
 * The prod target on AWS: network access, KMS, RDS PostgreSQL 16 tuned by the
 * shared tuning code, roles and migrations over the admin endpoint, the
 * backup bucket and task, the pooler (PgBouncer on Fargate behind an internal
 * NLB, or RDS Proxy), ElastiCache and alarms.
 */
export class AwsPlatform extends pulumi.ComponentResource implements PlatformEndpoints {
  readonly postgres: PlatformEndpoints["postgres"];
  readonly pooler: PoolerEndpoint;
  readonly redis: PlatformEndpoints["redis"];
  readonly connectionUris: pulumi.Output<Record<string, string>>;
  readonly redisUri: pulumi.Output<string>;

  constructor(name: string, args: AwsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:Platform", name, {}, opts);
    const { config } = args;
    const awsConfig = config.aws;
    if (!awsConfig) throw new Error("the aws target needs pgplat:aws (config validation should have said so)");
    const foundation = this.foundation(name, args, awsConfig);
    const master = this.masterCredentials(foundation.rds.instance);
    const backupTask = config.backups.enabled
      ? this.dumps(name, args, awsConfig, foundation, master.secretArn)
      : undefined;
    const awsBackup = this.snapshotBackups(name, args, awsConfig, foundation);
    const cache = this.cache(name, config, awsConfig, foundation);
    const logins = platformLogins(name, config, this);
    this.database(name, config, awsConfig, foundation.rds.instance, master.password, logins);
    const pooler =
      awsConfig.pooler === "rds-proxy"
        ? this.proxy(name, config, foundation, logins)
        : this.pgbouncerTasks(name, config, awsConfig, foundation, logins);
    const alarms = this.alarms(name, args, awsConfig, foundation.rds, cache, pooler.pgbouncer);
    if (backupTask) this.backupAlerts(name, args, alarms, backupTask, awsBackup !== undefined);

    const instance = foundation.rds.instance;
    this.pooler = pooler.endpoint;
    this.postgres = { host: instance.address, port: instance.port };
    this.connectionUris = connectionUris(
      config,
      logins,
      { host: instance.address, port: instance.port, sslmode: "require" },
      { host: pooler.endpoint.host, port: pooler.endpoint.port, sslmode: pooler.sslmode },
    );
    this.redis = { host: cache.replicationGroup.primaryEndpointAddress, port: pulumi.output(cachePort) };
    this.redisUri = pulumi.secret(
      pulumi
        .all([cache.replicationGroup.primaryEndpointAddress, cache.authToken])
        .apply(([host, token]) => `rediss://:${token}@${host}:${cachePort}/0`),
    );
    this.registerOutputs({});
  }

  /** The VPC (the stack's own, or a minimal one), the key, the database's network and RDS itself. */
  private foundation(name: string, { config, namePrefix }: AwsPlatformArgs, awsConfig: AwsConfig): Foundation {
    const postgres = config.postgres;
    const vpc =
      awsConfig.vpcId && awsConfig.subnetIds
        ? { vpcId: awsConfig.vpcId, subnetIds: awsConfig.subnetIds }
        : this.minimalVpc(name, namePrefix, awsConfig);
    const placement: ServicePlacement = {
      namePrefix,
      ...vpc,
      allowedCidrs: awsConfig.allowedCidrs,
      allowedSecurityGroupIds: awsConfig.allowedSecurityGroupIds,
    };
    const key = new PlatformKey(`${name}-kms`, { namePrefix, protect: awsConfig.protect }, { parent: this });
    const network = new DatabaseNetwork(`${name}-network`, { ...placement, port: postgresPort }, { parent: this });
    const rds = new RdsPostgres(
      `${name}-rds`,
      {
        namePrefix,
        engineVersion: awsConfig.engineVersion,
        instanceClass: config.profile.rdsInstanceClass,
        storageGb: postgres.storageGb,
        maxStorageGb: awsConfig.maxStorageGb,
        parameters: rdsParameters({
          tuning: tuningInput(postgres),
          slowStatementMs: postgres.slowStatementMs,
        }),
        kmsKeyArn: key.key.arn,
        subnetGroupName: network.subnetGroup.name,
        securityGroupIds: [network.securityGroup.id],
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
    return { placement, key, network, rds };
  }

  /** A minimal VPC when the stack brings none (throwaway stacks). */
  private minimalVpc(
    name: string,
    namePrefix: string,
    awsConfig: AwsConfig,
  ): Pick<ServicePlacement, "vpcId" | "subnetIds"> {
    const vpc = new MinimalVpc(`${name}-vpc`, { namePrefix, cidr: awsConfig.vpcCidr }, { parent: this });
    return { vpcId: vpc.vpcId, subnetIds: vpc.privateSubnetIds };
  }

  /** The master user's secret (RDS manages it in Secrets Manager) and the password read from it. */
  private masterCredentials(instance: aws.rds.Instance): {
    readonly secretArn: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
  } {
    const secretArn = instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets?.[0]?.secretArn;
      if (!arn) throw new Error("RDS did not report its managed master secret");
      return arn;
    });
    const password = pulumi.secret(
      secretArn.apply((arn) =>
        aws.secretsmanager
          .getSecretVersionOutput({ secretId: arn }, { parent: this })
          .secretString.apply((text) => (JSON.parse(text) as { password: string }).password),
      ),
    );
    return { secretArn, password };
  }

  /** The backup bucket and the scheduled task that fills it with dumps. */
  private dumps(
    name: string,
    { config, namePrefix }: AwsPlatformArgs,
    awsConfig: AwsConfig,
    { placement, key, network, rds }: Foundation,
    credentialsSecretArn: pulumi.Output<string>,
  ): BackupTask {
    const backups = config.backups;
    const bucket = new BackupBucket(
      `${name}-backup-bucket`,
      {
        namePrefix,
        kmsKeyArn: key.key.arn,
        transitionDays: backups.bucketTransitionDays,
        expireDays: backups.bucketExpireDays,
        noncurrentExpireDays: backups.noncurrentExpireDays,
        objectLockDays: backups.objectLockDays,
        protect: awsConfig.protect,
      },
      { parent: this },
    );
    const image = new BackupImage(
      `${name}-backup-image`,
      { namePrefix, engineVersion: awsConfig.engineVersion, kmsKeyArn: key.key.arn, protect: awsConfig.protect },
      { parent: this },
    );
    const task = new BackupTask(
      `${name}-backup-task`,
      {
        namePrefix,
        region: awsConfig.region,
        image: image.imageName,
        bucketName: bucket.bucket.bucket,
        bucketArn: bucket.bucket.arn,
        kmsKeyArn: key.key.arn,
        vpcId: placement.vpcId,
        subnetIds: placement.subnetIds,
        postgresHost: rds.instance.address,
        database: config.postgres.database,
        credentialsSecretArn,
        schedule: backups.schedule,
        logRetentionDays: taskLogRetentionDays,
      },
      { parent: this },
    );
    network.admit(`${name}-network`, "backup-task", task.securityGroup.id);
    return task;
  }

  /** Automated backups replicated to another region, and the AWS Backup plan; returns the plan when there is one. */
  private snapshotBackups(
    name: string,
    { config, namePrefix }: AwsPlatformArgs,
    awsConfig: AwsConfig,
    { key, network, rds }: Foundation,
  ): AwsBackup | undefined {
    const replicaRegion = awsConfig.backupReplicaRegion;
    const instanceArn = rds.instance.arn;
    const replication =
      replicaRegion === undefined
        ? undefined
        : new BackupReplication(
            `${name}-backup-replication`,
            {
              namePrefix,
              region: replicaRegion,
              sourceInstanceArn: instanceArn,
              retentionDays: config.backups.retentionDays,
              protect: awsConfig.protect,
            },
            { parent: this },
          );
    if (!awsConfig.backupPlan.enabled) return undefined;
    return new AwsBackup(
      `${name}-aws-backup`,
      {
        namePrefix,
        plan: awsConfig.backupPlan,
        instanceArn,
        kmsKeyArn: key.key.arn,
        subnetGroupName: network.subnetGroup.name,
        securityGroupId: network.securityGroup.id,
        replica: replication && replicaRegion ? { region: replicaRegion, kmsKeyArn: replication.key.arn } : undefined,
        protect: awsConfig.protect,
      },
      { parent: this },
    );
  }

  private cache(name: string, config: StackConfig, awsConfig: AwsConfig, { placement, key }: Foundation): Cache {
    return new Cache(
      `${name}-cache`,
      {
        ...placement,
        engine: awsConfig.cacheEngine,
        engineVersion: awsConfig.cacheEngineVersion,
        nodeType: config.profile.cacheNodeType,
        nodes: awsConfig.cacheNodes,
        maxmemoryPolicy: config.redis.maxmemoryPolicy,
        kmsKeyArn: key.key.arn,
        snapshotRetentionDays: awsConfig.cacheSnapshotRetentionDays,
        maintenanceWindow: awsConfig.maintenanceWindow,
        protect: awsConfig.protect,
      },
      { parent: this },
    );
  }

  /** Roles, the application database and migrations, over the admin endpoint as the RDS master user. */
  private database(
    name: string,
    config: StackConfig,
    awsConfig: AwsConfig,
    instance: aws.rds.Instance,
    masterPassword: pulumi.Output<string>,
    logins: PlatformLogins,
  ): DatabaseSetup {
    return new DatabaseSetup(
      `${name}-database`,
      {
        admin: {
          // An encrypted adminHost (an SSM forward, a bastion) stays secret in the provider's inputs.
          host:
            awsConfig.adminHost === undefined ? instance.address : asConfigured("aws.adminHost", awsConfig.adminHost),
          port: awsConfig.adminPort === undefined ? instance.port : asConfigured("aws.adminPort", awsConfig.adminPort),
          username: rdsMasterUser,
          password: masterPassword,
          sslmode: awsConfig.sslmode,
          sslRootCert: awsConfig.sslRootCert,
          superuser: false,
        },
        ...roleSetupInputs(config, logins),
        dependsOn: [instance],
      },
      { parent: this },
    );
  }

  /** RDS Proxy with the PgBouncer pool budget as its share of max_connections; TLS is always on. */
  private proxy(
    name: string,
    config: StackConfig,
    { placement, key, network, rds }: Foundation,
    { credentials }: PlatformLogins,
  ): PoolerStep {
    const budget = pgbouncerLimits(config).maxDbConnections;
    const proxy = new RdsProxy(
      `${name}-proxy`,
      {
        ...placement,
        instanceIdentifier: rds.instance.identifier,
        kmsKeyArn: key.key.arn,
        logins: pooledLoginNames(config).map((login) => ({
          name: login,
          password: credentials.byUser[login].password,
        })),
        maxConnectionsPercent: Math.min(100, Math.ceil((budget * 100) / config.postgres.maxConnections)),
      },
      { parent: this },
    );
    network.admit(`${name}-network`, "proxy", proxy.securityGroup.id);
    return {
      endpoint: { kind: "rds-proxy", host: proxy.proxy.endpoint, port: pulumi.output(proxyPort) },
      sslmode: "require",
    };
  }

  /** PgBouncer on Fargate, with the same ini and SCRAM userlist as Docker; it reaches RDS over TLS. */
  private pgbouncerTasks(
    name: string,
    config: StackConfig,
    awsConfig: AwsConfig,
    { placement, key, network, rds }: Foundation,
    { credentials }: PlatformLogins,
  ): PoolerStep {
    const pgbouncerIni = rds.instance.address.apply(
      (host) =>
        pgbouncerFiles(config, { ...poolerLayout, postgresHost: host, postgresPort, serverTlsSslmode: "require" })
          .pgbouncerIni,
    );
    const pooler = new Pooler(
      `${name}-pooler`,
      {
        ...placement,
        region: awsConfig.region,
        image: awsConfig.pgbouncerImage,
        logRetentionDays: taskLogRetentionDays,
        pgbouncerIni,
        userlist: pgbouncerUserlist(config, credentials),
        fileDescriptorLimit: pgbouncerLimits(config).fileDescriptorLimit,
        kmsKeyArn: key.key.arn,
        tasks: awsConfig.poolerTasks,
        certificateArn: awsConfig.poolerCertificateArn,
      },
      { parent: this },
    );
    network.admit(`${name}-network`, "pooler", pooler.securityGroup.id);
    // PgBouncer itself speaks plain TCP: TLS to clients needs the NLB's TLS listener (aws.poolerCertificateArn).
    return {
      endpoint: { kind: "pgbouncer", host: pooler.loadBalancer.dnsName, port: pulumi.output(poolerPort) },
      sslmode: awsConfig.poolerCertificateArn ? "require" : "disable",
      pgbouncer: pooler,
    };
  }

  private alarms(
    name: string,
    { config, namePrefix }: AwsPlatformArgs,
    awsConfig: AwsConfig,
    rds: RdsPostgres,
    cache: Cache,
    pooler: Pooler | undefined,
  ): Alarms {
    return new Alarms(
      `${name}-alarms`,
      {
        namePrefix,
        specs: alarmSpecs(config, {
          pgbouncerTasks: pooler ? awsConfig.poolerTasks : undefined,
          readReplicas: awsConfig.readReplicas,
        }),
        subjects: {
          rdsInstance: rds.instance.identifier,
          replicationGroup: cache.replicationGroup.replicationGroupId,
          ...(pooler && {
            poolerCluster: pooler.cluster.name,
            poolerService: pooler.service.name,
            poolerLoadBalancer: pooler.loadBalancer.arnSuffix,
            poolerTargetGroup: pooler.targetGroup.arnSuffix,
          }),
          ...Object.fromEntries(rds.replicas.map((replica, index) => [`replica${index + 1}`, replica.identifier])),
        },
        email: awsConfig.alarmEmail === undefined ? undefined : asConfigured("aws.alarmEmail", awsConfig.alarmEmail),
      },
      { parent: this },
    );
  }

  /** Missed or failed backups raise an alarm on the same topic. */
  private backupAlerts(
    name: string,
    { config, namePrefix }: AwsPlatformArgs,
    alarms: Alarms,
    task: BackupTask,
    awsBackupJobs: boolean,
  ): BackupAlerts {
    const period = schedulePeriodHours(config.backups.schedule);
    if (period === undefined)
      throw new Error(
        "backups.schedule has no period the missed-backup alarm understands (config validation should have said so)",
      );
    return new BackupAlerts(
      `${name}-backup-alerts`,
      {
        namePrefix,
        topicArn: alarms.topic.arn,
        clusterArn: task.cluster.arn,
        taskFamily: task.family,
        schedulePeriodHours: period,
        marginHours: config.backups.missedDumpMarginHours,
        awsBackupJobs,
      },
      { parent: this },
    );
  }
}
