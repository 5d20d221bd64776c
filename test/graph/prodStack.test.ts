import { beforeAll, describe, expect, it } from "vitest";
import { builtInLogins, type StackConfig } from "../../config";
import { checkResources, plainSecretOutputs } from "../../policy/rules";
import { poolerLayout, poolerStartScript } from "../../components/aws/pooler";
import { pgbouncerFiles } from "../../render/platformFiles";
import { SecretValue, type RecordedGraph } from "../../recording/recorder";
import { recordStack, resource, secretText } from "../support/graph";

let graph: RecordedGraph;
let config: StackConfig;
const tags = { "pgplat:stack": "pgplat-prod" };

beforeAll(async () => {
  ({ graph, config } = recordStack("prod"));
});

const keyArn = () => expect.stringMatching(/^arn:aws:kms:/);

describe("prod stack graph: network and encryption", () => {
  it("creates a rotating KMS key, protected", () => {
    const key = resource(graph, "pgplat-aws-kms-key");
    expect(key.inputs).toEqual({
      description: "pgplat-prod: PostgreSQL platform data",
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags,
    });
    expect(key.protect).toBe(true);
    expect(resource(graph, "pgplat-aws-kms-alias").inputs).toEqual({
      name: "alias/pgplat-prod",
      targetKeyId: expect.any(String),
    });
  });

  it("admits PostgreSQL only from the configured CIDRs, the pooler and the backup task, one rule each, and opens nothing else", () => {
    expect(resource(graph, "pgplat-aws-network-postgres").inputs).toEqual({
      namePrefix: "pgplat-prod-postgres-",
      description: "pgplat-prod: PostgreSQL clients",
      vpcId: "vpc-0123456789abcdef0",
      tags,
    });
    const rules = graph.resources.filter(
      (entry) =>
        entry.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" &&
        entry.inputs.securityGroupId === "pgplat-aws-network-postgres-id",
    );
    expect(rules.map((rule) => rule.inputs)).toEqual([
      {
        securityGroupId: "pgplat-aws-network-postgres-id",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        description: "PostgreSQL from 10.0.0.0_16",
        cidrIpv4: "10.0.0.0/16",
        tags,
      },
      {
        securityGroupId: "pgplat-aws-network-postgres-id",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        description: "PostgreSQL from backup-task",
        referencedSecurityGroupId: "pgplat-aws-backup-task-sg-id",
        tags,
      },
      {
        securityGroupId: "pgplat-aws-network-postgres-id",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        description: "PostgreSQL from pooler",
        referencedSecurityGroupId: "pgplat-aws-pooler-tasks-sg-id",
        tags,
      },
    ]);
    expect(resource(graph, "pgplat-aws-network-subnets").inputs).toEqual({
      namePrefix: "pgplat-prod-",
      description: "pgplat-prod: private subnets for PostgreSQL",
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
      tags,
    });
  });
});

describe("prod stack graph: RDS PostgreSQL 16", () => {
  it("builds the parameter group from the shared tuning, under a name prefix so replacements never delete a group in use", () => {
    // The medium profile (4 vCPUs, max_connections 400) with the oltp workload; memory-derived values are RDS formulas.
    // work_mem: (memory − memory/4) / (3 × 400 connections) / 2 workers per gather, in kB → DBInstanceClassMemory/3276800.
    const expected = [
      { name: "checkpoint_completion_target", value: "0.9", applyMethod: "immediate" },
      { name: "default_statistics_target", value: "100", applyMethod: "immediate" },
      { name: "effective_cache_size", value: "{DBInstanceClassMemory*3/32768}", applyMethod: "immediate" },
      { name: "effective_io_concurrency", value: "200", applyMethod: "immediate" },
      { name: "log_autovacuum_min_duration", value: "10000", applyMethod: "immediate" },
      { name: "log_lock_waits", value: "1", applyMethod: "immediate" },
      { name: "log_min_duration_statement", value: "250", applyMethod: "immediate" },
      { name: "log_statement", value: "ddl", applyMethod: "immediate" },
      { name: "log_temp_files", value: "0", applyMethod: "immediate" },
      { name: "maintenance_work_mem", value: "{LEAST(DBInstanceClassMemory/16384,2097152)}", applyMethod: "immediate" },
      { name: "max_connections", value: "400", applyMethod: "pending-reboot" },
      { name: "max_parallel_maintenance_workers", value: "2", applyMethod: "immediate" },
      { name: "max_parallel_workers", value: "4", applyMethod: "immediate" },
      { name: "max_parallel_workers_per_gather", value: "2", applyMethod: "immediate" },
      { name: "max_worker_processes", value: "8", applyMethod: "pending-reboot" },
      { name: "password_encryption", value: "scram-sha-256", applyMethod: "immediate" },
      { name: "pg_stat_statements.track", value: "top", applyMethod: "immediate" },
      { name: "random_page_cost", value: "1.1", applyMethod: "immediate" },
      { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
      { name: "shared_buffers", value: "{DBInstanceClassMemory/32768}", applyMethod: "pending-reboot" },
      { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
      { name: "track_io_timing", value: "1", applyMethod: "immediate" },
      { name: "wal_buffers", value: "16MB", applyMethod: "pending-reboot" },
      { name: "work_mem", value: "{GREATEST(DBInstanceClassMemory/3276800,64)}", applyMethod: "immediate" },
    ];
    expect(resource(graph, "pgplat-aws-rds-parameters").inputs).toEqual({
      namePrefix: "pgplat-prod-pg16-",
      family: "postgres16",
      description: "pgplat-prod: tuned by pgplat",
      parameters: expected,
      tags,
    });
  });

  it("has exactly the expected secure inputs", () => {
    const instance = resource(graph, "pgplat-aws-rds-instance");
    expect(instance.inputs).toEqual({
      identifier: "pgplat-prod-postgres",
      engine: "postgres",
      engineVersion: "16.10",
      instanceClass: "db.m7g.xlarge",
      username: "pgplat_admin",
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: keyArn(),
      storageType: "gp3",
      allocatedStorage: 200,
      maxAllocatedStorage: 800,
      storageEncrypted: true,
      kmsKeyId: keyArn(),
      parameterGroupName: expect.stringMatching(/^pgplat-prod-pg16-[0-9a-f]{8}$/),
      dbSubnetGroupName: expect.stringMatching(/^pgplat-prod-[0-9a-f]{8}$/),
      vpcSecurityGroupIds: ["pgplat-aws-network-postgres-id"],
      publiclyAccessible: false,
      multiAz: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: expect.stringMatching(/^pgplat-prod-postgres-final-[0-9a-f]{8}$/),
      copyTagsToSnapshot: true,
      backupRetentionPeriod: 14,
      backupWindow: "03:00-04:00",
      maintenanceWindow: "sun:04:30-sun:05:30",
      autoMinorVersionUpgrade: false,
      allowMajorVersionUpgrade: false,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: keyArn(),
      performanceInsightsRetentionPeriod: 7,
      monitoringInterval: 60,
      monitoringRoleArn: "arn:aws:iam::000000000000:pgplat-aws-rds-monitoring-role",
      enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      iamDatabaseAuthenticationEnabled: false,
      tags,
    });
    expect(instance.protect).toBe(true);
    expect(instance.dependsOn).toContain("pgplat-aws-rds-monitoring-policy");
  });

  it("adds an encrypted, private read replica of the primary with the same parameter group", () => {
    expect(resource(graph, "pgplat-aws-rds-replica-1").inputs).toMatchObject({
      identifier: "pgplat-prod-postgres-replica-1",
      replicateSourceDb: "pgplat-prod-postgres",
      instanceClass: "db.m7g.xlarge",
      storageEncrypted: true,
      kmsKeyId: keyArn(),
      parameterGroupName: expect.stringMatching(/^pgplat-prod-pg16-/),
      publiclyAccessible: false,
      skipFinalSnapshot: true,
      backupRetentionPeriod: 0,
    });
  });

  it("replicates automated backups to the second region, under a key of that region", () => {
    expect(resource(graph, "pgplat-aws-backup-replication-key").inputs).toMatchObject({
      region: "eu-central-1",
      enableKeyRotation: true,
    });
    expect(resource(graph, "pgplat-aws-backup-replication-replication").inputs).toEqual({
      region: "eu-central-1",
      sourceDbInstanceArn: "arn:aws:rds::000000000000:pgplat-aws-rds-instance",
      kmsKeyId: expect.stringMatching(/^arn:aws:kms:/),
      retentionPeriod: 14,
    });
  });

  it("gives enhanced monitoring its own role with the AWS managed policy", () => {
    expect(JSON.parse(resource(graph, "pgplat-aws-rds-monitoring-role").inputs.assumeRolePolicy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
    expect(resource(graph, "pgplat-aws-rds-monitoring-policy").inputs).toEqual({
      role: expect.stringMatching(/^pgplat-prod-rds-monitoring-[0-9a-f]{8}$/),
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    });
  });
});

describe("prod stack graph: backups", () => {
  const bucketArn = "arn:aws:s3::000000000000:pgplat-aws-backup-bucket-bucket";
  const bucketId = "pgplat-aws-backup-bucket-bucket-id";

  it("creates a protected, versioned, KMS-encrypted bucket with no public access and owner-enforced objects", () => {
    const bucket = resource(graph, "pgplat-aws-backup-bucket-bucket");
    expect(bucket.inputs).toEqual({
      bucketPrefix: "pgplat-prod-backups-",
      objectLockEnabled: false,
      forceDestroy: false,
      tags,
    });
    expect(bucket.protect).toBe(true);
    expect(resource(graph, "pgplat-aws-backup-bucket-public-access").inputs).toEqual({
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(resource(graph, "pgplat-aws-backup-bucket-ownership").inputs).toEqual({
      bucket: bucketId,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    expect(resource(graph, "pgplat-aws-backup-bucket-versioning").inputs).toEqual({
      bucket: bucketId,
      versioningConfiguration: { status: "Enabled" },
    });
    expect(resource(graph, "pgplat-aws-backup-bucket-encryption").inputs).toEqual({
      bucket: bucketId,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn() },
          bucketKeyEnabled: true,
        },
      ],
    });
  });

  it("denies non-TLS access, and expires old backups and old versions by config", () => {
    const policy = resource(graph, "pgplat-aws-backup-bucket-tls-only");
    expect(
      JSON.parse(policy.inputs.policy as string).Statement.map((statement: { Sid: string; Resource: string[] }) => [
        statement.Sid,
        statement.Resource,
      ]),
    ).toEqual([
      ["DenyInsecureTransport", [bucketArn, `${bucketArn}/*`]],
      ["DenyOldTls", [bucketArn, `${bucketArn}/*`]],
    ]);
    expect(policy.dependsOn).toContain("pgplat-aws-backup-bucket-public-access");
    expect(resource(graph, "pgplat-aws-backup-bucket-lifecycle").inputs).toEqual({
      bucket: bucketId,
      rules: [
        {
          id: "backups",
          status: "Enabled",
          filter: { prefix: "" },
          transitions: [{ days: 30, storageClass: "GLACIER_IR" }],
          expiration: { days: 365 },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    });
  });

  it("gives the backup task a role that may only write under its prefix", () => {
    const policy = JSON.parse(resource(graph, "pgplat-aws-backup-task-task-policy").inputs.policy as string);
    expect(policy.Statement[0]).toEqual({
      Sid: "WriteBackups",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: `${bucketArn}/postgres/*`,
    });
  });

  it("schedules the Fargate task privately, with credentials from Secrets Manager, and admits it to PostgreSQL", () => {
    const schedule = resource(graph, "pgplat-aws-backup-task-schedule");
    expect(schedule.inputs).toMatchObject({
      scheduleExpression: "cron(0 2 * * ? *)",
      scheduleExpressionTimezone: "UTC",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        ecsParameters: {
          launchType: "FARGATE",
          networkConfiguration: {
            subnets: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
            securityGroups: ["pgplat-aws-backup-task-sg-id"],
            assignPublicIp: false,
          },
        },
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      },
    });
    const [container] = JSON.parse(
      resource(graph, "pgplat-aws-backup-task-task").inputs.containerDefinitions as string,
    );
    expect(container.secrets.map((secret: { name: string }) => secret.name)).toEqual(["PGUSER", "PGPASSWORD"]);
    // The bucket's provider-completed name (stand-in suffix) reaches the task, next to its prefix.
    expect(container.environment).toEqual([
      { name: "PGHOST", value: "pgplat-prod-postgres.fake.eu-west-1.rds.amazonaws.com" },
      { name: "PGDATABASE", value: "app" },
      { name: "PGSSLMODE", value: "require" },
      { name: "BACKUP_BUCKET", value: expect.stringMatching(/^pgplat-prod-backups-[0-9a-f]{8}$/) },
      { name: "BACKUP_PREFIX", value: "postgres" },
      { name: "BACKUP_KMS_KEY_ID", value: keyArn() },
      { name: "BACKUP_METRIC_NAMESPACE", value: "pgplat" },
      { name: "BACKUP_METRIC_STACK", value: "pgplat-prod" },
    ]);
    expect(JSON.stringify(container.environment)).not.toMatch(/password/i);
    expect(resource(graph, "pgplat-aws-network-postgres-from-backup-task").inputs).toMatchObject({
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: "pgplat-aws-backup-task-sg-id",
    });
  });

  it("lets each Fargate task's execution role read exactly its secrets and decrypt them with the platform key", () => {
    const statements = (role: string) =>
      JSON.parse(resource(graph, `${role}-secrets`).inputs.policy as string).Statement;
    expect(statements("pgplat-aws-backup-task-execution-role")).toEqual([
      {
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: ["arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!pgplat-prod-postgres"],
      },
      { Effect: "Allow", Action: "kms:Decrypt", Resource: expect.stringMatching(/^arn:aws:kms:/) },
    ]);
    expect(statements("pgplat-aws-pooler-execution-role")).toEqual([
      {
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: ["arn:aws:secretsmanager::000000000000:pgplat-aws-pooler-userlist"],
      },
      { Effect: "Allow", Action: "kms:Decrypt", Resource: expect.stringMatching(/^arn:aws:kms:/) },
    ]);
  });
});

describe("prod stack graph: roles on RDS", () => {
  it("connects as the RDS master user with its managed secret, over TLS, without superuser", () => {
    const provider = resource(graph, "pgplat-aws-database-provider");
    expect(provider.inputs).toEqual({
      host: "pgplat-prod-postgres.fake.eu-west-1.rds.amazonaws.com",
      port: "5432",
      username: "pgplat_admin",
      password: expect.any(SecretValue),
      database: "postgres",
      sslmode: "require",
      superuser: "false",
      expectedVersion: "16",
      connectTimeout: "30",
    });
    expect(secretText(provider.inputs.password)).toMatch(/^Fake[0-9a-f]{24}$/);
    expect(provider.dependsOn).toContain("pgplat-aws-rds-instance");
  });

  it("creates the same logins as dev, with SCRAM verifiers as secret passwords", () => {
    for (const login of builtInLogins) {
      const role = resource(graph, `pgplat-aws-database-roles-${login.name}`);
      const limits =
        login.name === "app_user" ? { statementTimeout: 30000, idleInTransactionSessionTimeout: 60000 } : {};
      expect(role.inputs).toEqual({
        name: login.name,
        login: true,
        inherit: true,
        roles: [...login.memberOf],
        password: expect.any(SecretValue),
        ...limits,
      });
      expect(role.provider).toBe("pgplat-aws-database-provider");
    }
  });

  it("applies the same sql/ as dev over TLS through the admin endpoint", () => {
    const connection = (resource(graph, "pgplat-aws-database-migrations").inputs.connection as SecretValue).value;
    expect(connection).toMatchObject({
      host: "pgplat-prod-postgres.fake.eu-west-1.rds.amazonaws.com",
      port: 5432,
      user: "app_migrator",
      database: "app",
      sslmode: "require",
    });
  });

  it("exports the endpoint in plain text and TLS connection URIs as a secret", () => {
    expect(graph.outputs.postgres).toEqual({
      host: "pgplat-prod-postgres.fake.eu-west-1.rds.amazonaws.com",
      port: 5432,
    });
    const uris = (graph.outputs.connectionUris as SecretValue).value as Record<string, string>;
    expect(Object.keys(uris).sort()).toEqual(builtInLogins.map((login) => login.name).sort());
    expect(uris.app_migrator).toMatch(
      /^postgresql:\/\/app_migrator:[A-Za-z0-9]+@pgplat-prod-postgres\.fake\.eu-west-1\.rds\.amazonaws\.com:5432\/app\?sslmode=require$/,
    );
  });
});

describe("prod stack graph: PgBouncer on Fargate", () => {
  it("runs the Docker stack's pgbouncer.ini against RDS over TLS, with the SCRAM userlist from Secrets Manager", () => {
    const [container] = JSON.parse(resource(graph, "pgplat-aws-pooler-task").inputs.containerDefinitions as string);
    const expectedIni = pgbouncerFiles(config, {
      ...poolerLayout,
      postgresHost: "pgplat-prod-postgres.fake.eu-west-1.rds.amazonaws.com",
      postgresPort: 5432,
      serverTlsSslmode: "require",
    }).pgbouncerIni;
    expect(container).toEqual({
      name: "pgbouncer",
      image: "edoburu/pgbouncer:v1.25.2-p0",
      essential: true,
      entryPoint: ["/bin/sh", "-c"],
      command: [poolerStartScript],
      portMappings: [{ containerPort: 6432, protocol: "tcp" }],
      environment: [{ name: "PGBOUNCER_INI", value: expectedIni }],
      secrets: [
        { name: "PGBOUNCER_USERLIST", valueFrom: "arn:aws:secretsmanager::000000000000:pgplat-aws-pooler-userlist" },
      ],
      // max_client_conn 1000 + max_db_connections 150 (3 pooled logins × (40 + 10)) + 64 of headroom.
      ulimits: [{ name: "nofile", softLimit: 1214, hardLimit: 1214 }],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": "/pgplat/pgplat-prod/pgbouncer",
          "awslogs-region": "eu-west-1",
          "awslogs-stream-prefix": "pgbouncer",
        },
      },
    });
    expect(expectedIni).toContain("server_tls_sslmode = require");
    expect(expectedIni).toContain(
      "app = host=pgplat-prod-postgres.fake.eu-west-1.rds.amazonaws.com port=5432 dbname=app",
    );
    expect(expectedIni).toContain("max_db_connections = 150");
    const userlist = secretText(resource(graph, "pgplat-aws-pooler-userlist-version").inputs.secretString);
    expect(
      userlist
        .trimEnd()
        .split("\n")
        .map((line) => line.split(" ")[0]),
    ).toEqual(['"app_user"', '"app_reporting"', '"app_monitoring"', '"pgbouncer_admin"']);
    expect(resource(graph, "pgplat-aws-pooler-userlist").inputs).toEqual({
      namePrefix: "pgplat-prod-pgbouncer-userlist-",
      kmsKeyId: keyArn(),
      recoveryWindowInDays: 7,
      tags,
    });
  });

  it("serves through an internal NLB to tasks in private subnets, rolling back failed deployments", () => {
    expect(resource(graph, "pgplat-aws-pooler-nlb").inputs).toMatchObject({
      internal: true,
      loadBalancerType: "network",
      subnets: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
    });
    expect(resource(graph, "pgplat-aws-pooler-targets").inputs).toMatchObject({
      port: 6432,
      protocol: "TCP",
      targetType: "ip",
      healthCheck: { protocol: "TCP", port: "6432", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
    });
    expect(resource(graph, "pgplat-aws-pooler-listener").inputs).toMatchObject({ port: 6432, protocol: "TCP" });
    expect(resource(graph, "pgplat-aws-pooler-service").inputs).toMatchObject({
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: {
        subnets: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        securityGroups: ["pgplat-aws-pooler-tasks-sg-id"],
        assignPublicIp: false,
      },
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    expect(resource(graph, "pgplat-aws-pooler-from-10.0.0.0_16").inputs).toMatchObject({
      securityGroupId: "pgplat-aws-pooler-nlb-sg-id",
      fromPort: 6432,
      cidrIpv4: "10.0.0.0/16",
    });
    expect(resource(graph, "pgplat-aws-pooler-from-nlb").inputs).toMatchObject({
      securityGroupId: "pgplat-aws-pooler-tasks-sg-id",
      referencedSecurityGroupId: "pgplat-aws-pooler-nlb-sg-id",
    });
    expect(resource(graph, "pgplat-aws-network-postgres-from-pooler").inputs).toMatchObject({
      referencedSecurityGroupId: "pgplat-aws-pooler-tasks-sg-id",
    });
  });

  it("exports the pooler endpoint, and pooled logins' URIs go through it", () => {
    expect(graph.outputs.pooler).toEqual({
      kind: "pgbouncer",
      host: "pgplat-prod-pooler-0123456789.elb.eu-west-1.amazonaws.com",
      port: 6432,
    });
    expect(graph.outputs.pgbouncer).toEqual({
      host: "pgplat-prod-pooler-0123456789.elb.eu-west-1.amazonaws.com",
      port: 6432,
    });
    const uris = (graph.outputs.connectionUris as SecretValue).value as Record<string, string>;
    expect(new URL(uris.app_user).host).toBe("pgplat-prod-pooler-0123456789.elb.eu-west-1.amazonaws.com:6432");
    expect(new URL(uris.app_migrator).host).toBe("pgplat-prod-postgres.fake.eu-west-1.rds.amazonaws.com:5432");
  });
});

describe("prod stack graph: ElastiCache and alarms", () => {
  it("creates a replication group with TLS required, KMS at rest, a secret auth token that rotates, and failover across AZs", () => {
    const group = resource(graph, "pgplat-aws-cache-group");
    expect(group.inputs).toEqual({
      replicationGroupId: "pgplat-prod-redis",
      description: "pgplat-prod: Redis",
      engine: "redis",
      engineVersion: "7.1",
      nodeType: "cache.r7g.large",
      numCacheClusters: 2,
      port: 6379,
      parameterGroupName: "pgplat-prod-redis7",
      subnetGroupName: "pgplat-prod-redis",
      securityGroupIds: ["pgplat-aws-cache-sg-id"],
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      kmsKeyId: keyArn(),
      authToken: expect.any(SecretValue),
      authTokenUpdateStrategy: "ROTATE",
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      snapshotRetentionLimit: 7,
      snapshotWindow: "02:00-03:00",
      maintenanceWindow: "sun:04:30-sun:05:30",
      autoMinorVersionUpgrade: false,
      tags,
    });
    expect(group.protect).toBe(true);
    expect(resource(graph, "pgplat-aws-cache-parameters").inputs).toMatchObject({
      family: "redis7",
      parameters: [{ name: "maxmemory-policy", value: "allkeys-lru" }],
    });
    expect(resource(graph, "pgplat-aws-cache-from-10.0.0.0_16").inputs).toMatchObject({
      fromPort: 6379,
      toPort: 6379,
      cidrIpv4: "10.0.0.0/16",
    });
    expect(graph.outputs.redis).toEqual({ host: "master.pgplat-prod-redis.fake.euw1.cache.amazonaws.com", port: 6379 });
    expect((graph.outputs.redisUri as SecretValue).value).toMatch(
      /^rediss:\/\/:[A-Za-z0-9]{20,}@master\.pgplat-prod-redis\.fake\.euw1\.cache\.amazonaws\.com:6379\/0$/,
    );
  });

  it("sends every alarm and recovery to one SNS topic", () => {
    const alarms = graph.resources.filter((entry) => entry.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    // 13 from the alarm specs, plus the missed-backup alarm (prodBackups.test.ts).
    expect(alarms).toHaveLength(14);
    expect(resource(graph, "pgplat-aws-alarms-rds-replica-1-lag").inputs.dimensions).toEqual({
      DBInstanceIdentifier: "pgplat-prod-postgres-replica-1",
    });
    expect(resource(graph, "pgplat-aws-alarms-pooler-running-tasks").inputs).toMatchObject({
      dimensions: { ClusterName: "pgplat-prod-pooler", ServiceName: "pgbouncer" },
      threshold: 2,
      comparisonOperator: "LessThanThreshold",
    });
    expect(resource(graph, "pgplat-aws-alarms-pooler-unhealthy-targets").inputs.dimensions).toEqual({
      LoadBalancer: "net/pgplat-prod-pooler/0123456789",
      TargetGroup: "targetgroup/pgb-fake/0123456789",
    });
    expect(resource(graph, "pgplat-aws-alarms-rds-connections").inputs).toEqual({
      name: "pgplat-prod-rds-connections",
      alarmDescription: "RDS connections above 80% of max_connections (400)",
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: { DBInstanceIdentifier: "pgplat-prod-postgres" },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 320,
      period: 300,
      evaluationPeriods: 3,
      treatMissingData: "breaching",
      alarmActions: ["arn:aws:sns::000000000000:pgplat-aws-alarms-topic"],
      okActions: ["arn:aws:sns::000000000000:pgplat-aws-alarms-topic"],
      tags,
    });
    expect(resource(graph, "pgplat-aws-alarms-cache-memory").inputs.dimensions).toEqual({
      ReplicationGroupId: "pgplat-prod-redis",
    });
    // The wraparound level shared with the health report and Prometheus: 150 % of autovacuum_freeze_max_age.
    expect(resource(graph, "pgplat-aws-alarms-rds-transaction-id-age").inputs).toEqual({
      name: "pgplat-prod-rds-transaction-id-age",
      alarmDescription: "RDS oldest unfrozen transaction ID above 150% of autovacuum_freeze_max_age (200000000)",
      namespace: "AWS/RDS",
      metricName: "MaximumUsedTransactionIDs",
      dimensions: { DBInstanceIdentifier: "pgplat-prod-postgres" },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 300000000,
      period: 300,
      evaluationPeriods: 3,
      treatMissingData: "breaching",
      alarmActions: ["arn:aws:sns::000000000000:pgplat-aws-alarms-topic"],
      okActions: ["arn:aws:sns::000000000000:pgplat-aws-alarms-topic"],
      tags,
    });
  });
});

describe("prod stack graph: guardrails", () => {
  it("protects and retains every resource that holds data", () => {
    for (const name of [
      "pgplat-aws-kms-key",
      "pgplat-aws-rds-instance",
      "pgplat-aws-backup-bucket-bucket",
      "pgplat-aws-cache-group",
      "pgplat-aws-backup-replication-key",
    ]) {
      expect([name, resource(graph, name).protect, resource(graph, name).retainOnDelete]).toEqual([name, true, true]);
    }
  });

  it("passes every policy, production rules included, and keeps every credential output secret", () => {
    expect(checkResources(graph.resources, { production: true })).toEqual([]);
    expect(plainSecretOutputs(graph.outputs, (value) => value instanceof SecretValue)).toEqual([]);
  });
});
