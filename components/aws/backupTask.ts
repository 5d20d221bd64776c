import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicy, backupWriterPolicy, putMetricPolicy, schedulerRunTaskPolicy } from "./policies";
import { dumpMetric } from "./backupAlerts";
import { backupCommand } from "./backupImageFacts";
import { secretReadingExecutionRole } from "./executionRole";

export interface BackupTaskArgs {
  readonly namePrefix: string;
  readonly region: string;
  /** An image that installs `backupCommand` (see BackupImage). */
  readonly image: pulumi.Input<string>;
  readonly bucketName: pulumi.Input<string>;
  readonly bucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: readonly pulumi.Input<string>[];
  readonly postgresHost: pulumi.Input<string>;
  readonly database: string;
  /** Secrets Manager ARN of the credentials the task dumps with. */
  readonly credentialsSecretArn: pulumi.Input<string>;
  /** EventBridge Scheduler expression, e.g. cron(0 2 * * ? *). */
  readonly schedule: string;
  readonly logRetentionDays: number;
}

/** Objects the backup task writes go under this prefix; its role may write nowhere else. */
export const backupPrefix = "postgres";

/**
 * The scheduled backup: an ECS Fargate task definition whose role may only
 * write under its prefix, started by an EventBridge Scheduler schedule. It
 * runs pgplat-backup (scripts/container/pgplat-backup.sh): every database
 * dumped to the bucket under its prefix, SSE-KMS with the platform key.
 */
export class BackupTask extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  /** The task definition family (EventBridge sees it as group family:<it>). */
  readonly family: string;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly schedule: aws.scheduler.Schedule;

  constructor(name: string, args: BackupTaskArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:BackupTask", name, {}, opts);
    const child = { parent: this };
    const tags = { "pgplat:stack": args.namePrefix };
    this.family = `${args.namePrefix}-backup`;
    const cluster = (this.cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { name: `${args.namePrefix}-backups`, settings: [{ name: "containerInsights", value: "enabled" }], tags },
      child,
    ));
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/pgplat/${args.namePrefix}/backups`, retentionInDays: args.logRetentionDays, tags },
      child,
    );
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        namePrefix: `${args.namePrefix}-backup-task-`,
        description: `${args.namePrefix}: backup task (egress only)`,
        vpcId: args.vpcId,
        egress: [
          {
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            cidrBlocks: ["0.0.0.0/0"],
            description: "PostgreSQL, S3 and AWS APIs",
          },
        ],
        tags,
      },
      child,
    );
    const taskRole = this.role(`${name}-task-role`, `${args.namePrefix}-backup-task-`, "ecs-tasks.amazonaws.com");
    new aws.iam.RolePolicy(
      `${name}-task-policy`,
      {
        role: taskRole.name,
        policy: pulumi
          .all([args.bucketArn, args.kmsKeyArn])
          .apply(([bucketArn, keyArn]) => JSON.stringify(backupWriterPolicy(bucketArn, backupPrefix, keyArn))),
      },
      child,
    );
    // The missed-backup alarm watches the metric the task sends after each complete run.
    new aws.iam.RolePolicy(
      `${name}-metric-policy`,
      {
        role: taskRole.name,
        policy: JSON.stringify(putMetricPolicy(dumpMetric.namespace)),
      },
      child,
    );
    // The RDS master secret is encrypted with the platform key, so the role needs kms:Decrypt as well.
    const executionRole = secretReadingExecutionRole(`${name}-execution-role`, this, {
      namePrefix: `${args.namePrefix}-backup-exec-`,
      secretArns: [args.credentialsSecretArn],
      kmsKeyArn: args.kmsKeyArn,
    });
    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: this.family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "512",
        memory: "1024",
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" },
        taskRoleArn: taskRole.arn,
        executionRoleArn: executionRole.arn,
        containerDefinitions: pulumi
          .all([
            args.image,
            args.bucketName,
            args.postgresHost,
            args.credentialsSecretArn,
            args.kmsKeyArn,
            logGroup.name,
          ])
          .apply(([image, bucketName, host, secretArn, keyArn, logGroupName]) =>
            JSON.stringify([
              {
                name: "backup",
                image,
                essential: true,
                command: [backupCommand],
                environment: [
                  { name: "PGHOST", value: host },
                  { name: "PGDATABASE", value: args.database },
                  { name: "PGSSLMODE", value: "require" },
                  { name: "BACKUP_BUCKET", value: bucketName },
                  { name: "BACKUP_PREFIX", value: backupPrefix },
                  { name: "BACKUP_KMS_KEY_ID", value: keyArn },
                  { name: "BACKUP_METRIC_NAMESPACE", value: dumpMetric.namespace },
                  { name: "BACKUP_METRIC_STACK", value: args.namePrefix },
                ],
                // Credentials come from Secrets Manager at start; they never appear in the task definition.
                secrets: [
                  { name: "PGUSER", valueFrom: `${secretArn}:username::` },
                  { name: "PGPASSWORD", valueFrom: `${secretArn}:password::` },
                ],
                logConfiguration: {
                  logDriver: "awslogs",
                  options: {
                    "awslogs-group": logGroupName,
                    "awslogs-region": args.region,
                    "awslogs-stream-prefix": "backup",
                  },
                },
              },
            ]),
          ),
        tags,
      },
      child,
    );
    const schedulerRole = this.role(
      `${name}-scheduler-role`,
      `${args.namePrefix}-backup-sched-`,
      "scheduler.amazonaws.com",
    );
    new aws.iam.RolePolicy(
      `${name}-scheduler-policy`,
      {
        role: schedulerRole.name,
        policy: pulumi
          .all([this.taskDefinition.arn, cluster.arn, taskRole.arn, executionRole.arn])
          .apply(([taskArn, clusterArn, taskRoleArn, executionRoleArn]) =>
            JSON.stringify(schedulerRunTaskPolicy(taskArn, clusterArn, [taskRoleArn, executionRoleArn])),
          ),
      },
      child,
    );
    this.schedule = new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        namePrefix: `${args.namePrefix}-backup-`,
        description: `${args.namePrefix}: scheduled PostgreSQL backup`,
        scheduleExpression: args.schedule,
        scheduleExpressionTimezone: "UTC",
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: cluster.arn,
          roleArn: schedulerRole.arn,
          ecsParameters: {
            taskDefinitionArn: this.taskDefinition.arn,
            launchType: "FARGATE",
            networkConfiguration: {
              subnets: [...args.subnetIds],
              securityGroups: [this.securityGroup.id],
              assignPublicIp: false,
            },
          },
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        },
      },
      child,
    );
    this.registerOutputs({});
  }

  private role(name: string, namePrefix: string, service: string): aws.iam.Role {
    return new aws.iam.Role(
      name,
      { namePrefix, assumeRolePolicy: JSON.stringify(assumeRolePolicy(service)) },
      { parent: this },
    );
  }
}
