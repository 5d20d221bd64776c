import { readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { backupImageBuild, backupImageProblems, dockerfileFacts } from "../../components/aws/backupImageFacts";
import { SecretValue, type RecordedGraph } from "../../recording/recorder";
import { recordStack, resource } from "../support/graph";

/** The prod stack's backups: the dump task's image, AWS Backup, restore tests and backup alarms. */
let graph: RecordedGraph;
const tags = { "pgplat:stack": "pgplat-prod" };
const projectRoot = path.join(__dirname, "..", "..");
const keyArn = () => expect.stringMatching(/^arn:aws:kms:eu-west-1:/);

beforeAll(() => {
  ({ graph } = recordStack("prod"));
});

describe("prod stack graph: the backup task's image", () => {
  const repositoryUrl = "000000000000.dkr.ecr.eu-west-1.amazonaws.com/pgplat-prod/backup";

  it("pushes to a private ECR repository with immutable tags, scan on push and the platform key", () => {
    expect(resource(graph, "pgplat-aws-backup-image-repository").inputs).toEqual({
      name: "pgplat-prod/backup",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn() }],
      forceDelete: false,
      tags,
    });
    expect(resource(graph, "pgplat-aws-backup-image-lifecycle").inputs).toEqual({
      repository: "pgplat-prod/backup",
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "keep the last 10 images",
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
            action: { type: "expire" },
          },
        ],
      }),
    });
  });

  it("builds the repository's Dockerfile for ARM64 with the engine's version, tagged by content, with the registry password secret", () => {
    const image = resource(graph, "pgplat-aws-backup-image-image");
    expect(image.inputs).toEqual({
      imageName: `${repositoryUrl}:${backupImageBuild("16.10").tag}`,
      build: {
        context: "scripts/container",
        dockerfile: "scripts/container/backup.Dockerfile",
        platform: "linux/arm64",
        args: { POSTGRES_VERSION: "16.10" },
        builderVersion: "BuilderBuildKit",
      },
      registry: { server: repositoryUrl, username: "AWS", password: expect.any(SecretValue) },
      buildOnPreview: false,
      skipPush: false,
    });
  });

  it("runs a command the task's image installs, with a pg_dump of the engine's major version", () => {
    // Follow the graph: the task's image → the image resource that builds it → its Dockerfile.
    const [container] = JSON.parse(
      resource(graph, "pgplat-aws-backup-task-task").inputs.containerDefinitions as string,
    ) as { image: string; command: string[] }[];
    const built = graph.resources.filter(
      (entry) => entry.type === "docker:index/image:Image" && entry.inputs.imageName === container.image,
    );
    expect(built.map((entry) => entry.name)).toEqual(["pgplat-aws-backup-image-image"]);
    const build = built[0].inputs.build as { dockerfile: string; args: Record<string, string> };
    const facts = dockerfileFacts(readFileSync(path.join(projectRoot, build.dockerfile), "utf8"), build.args);
    expect(container.command).toEqual(["pgplat-backup"]);
    expect(facts.commands).toContain(container.command[0]);
    const engineVersion = resource(graph, "pgplat-aws-rds-instance").inputs.engineVersion as string;
    expect(facts.from).toBe(`postgres:${engineVersion}-bookworm`);
    expect(facts.from.split(":")[1].split(".")[0]).toBe(engineVersion.split(".")[0]);
    expect(backupImageProblems(facts, container.command[0], engineVersion)).toEqual([]);
  });
});

describe("prod stack graph: AWS Backup", () => {
  const vaultArn = "arn:aws:backup::000000000000:pgplat-aws-aws-backup-vault";
  const copyVaultArn = "arn:aws:backup::000000000000:pgplat-aws-aws-backup-copy-vault";
  const instanceArn = "arn:aws:rds::000000000000:pgplat-aws-rds-instance";
  const roleArn = "arn:aws:iam::000000000000:pgplat-aws-aws-backup-role";

  it("keeps recovery points in a vault under the platform key, copies in the replica region under the key there, both protected", () => {
    const vault = resource(graph, "pgplat-aws-aws-backup-vault");
    expect(vault.inputs).toEqual({
      name: "pgplat-prod-vault",
      kmsKeyArn: resource(graph, "pgplat-aws-rds-instance").inputs.kmsKeyId,
      forceDestroy: false,
      tags,
    });
    expect([vault.protect, vault.retainOnDelete]).toEqual([true, true]);
    const copy = resource(graph, "pgplat-aws-aws-backup-copy-vault");
    expect(copy.inputs).toEqual({
      region: "eu-central-1",
      name: "pgplat-prod-vault-copy",
      kmsKeyArn: keyArn(),
      forceDestroy: false,
      tags,
    });
    expect(copy.inputs.kmsKeyArn).not.toBe(vault.inputs.kmsKeyArn);
    expect(resource(graph, "pgplat-aws-backup-replication-key").inputs.region).toBe("eu-central-1");
    expect([copy.protect, copy.retainOnDelete]).toEqual([true, true]);
    expect(
      graph.resources.filter((entry) => entry.type === "aws:backup/vaultLockConfiguration:VaultLockConfiguration"),
    ).toEqual([]);
  });

  it("plans daily, weekly and monthly backups from config (a year of monthlies by default), each copied off-region with the same retention", () => {
    const rule = (ruleName: string, schedule: string, days: number) => ({
      ruleName,
      targetVaultName: "pgplat-prod-vault",
      schedule,
      scheduleExpressionTimezone: "Etc/UTC",
      startWindow: 60,
      completionWindow: 1440,
      lifecycle: { deleteAfter: days },
      recoveryPointTags: { ...tags, "pgplat:rule": ruleName },
      copyActions: [{ destinationVaultArn: copyVaultArn, lifecycle: { deleteAfter: days } }],
    });
    expect(resource(graph, "pgplat-aws-aws-backup-plan").inputs).toEqual({
      name: "pgplat-prod-plan",
      rules: [
        rule("daily", "cron(0 5 * * ? *)", 35),
        rule("weekly", "cron(0 5 ? * SUN *)", 90),
        rule("monthly", "cron(0 5 1 * ? *)", 365),
      ],
      tags,
    });
    expect(resource(graph, "pgplat-aws-aws-backup-selection").inputs).toEqual({
      name: "pgplat-prod-primary",
      planId: "pgplat-aws-aws-backup-plan-id",
      iamRoleArn: roleArn,
      resources: [instanceArn],
    });
  });

  it("gives AWS Backup a role with the managed backup and restore policies and the two keys", () => {
    expect(resource(graph, "pgplat-aws-aws-backup-role").inputs).toEqual({
      namePrefix: "pgplat-prod-awsbackup-",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags,
    });
    expect(
      ["backup", "restores"].map((suffix) => resource(graph, `pgplat-aws-aws-backup-role-${suffix}`).inputs.policyArn),
    ).toEqual([
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]);
    const keys = JSON.parse(resource(graph, "pgplat-aws-aws-backup-role-keys").inputs.policy as string);
    expect(keys.Statement).toEqual([
      {
        Sid: "UseBackupKeys",
        Effect: "Allow",
        Action: [
          "kms:CreateGrant",
          "kms:Decrypt",
          "kms:DescribeKey",
          "kms:Encrypt",
          "kms:GenerateDataKey*",
          "kms:ReEncrypt*",
        ],
        Resource: [
          resource(graph, "pgplat-aws-aws-backup-vault").inputs.kmsKeyArn,
          resource(graph, "pgplat-aws-aws-backup-copy-vault").inputs.kmsKeyArn,
        ],
      },
    ]);
  });

  it("restore-tests the newest weekly-window recovery point of the primary into the platform's subnets and security group", () => {
    expect(resource(graph, "pgplat-aws-aws-backup-restore-testing").inputs).toEqual({
      name: "pgplat_prod_restore_test",
      scheduleExpression: "cron(0 8 ? * MON *)",
      scheduleExpressionTimezone: "Etc/UTC",
      startWindowHours: 8,
      recoveryPointSelection: {
        algorithm: "LATEST_WITHIN_WINDOW",
        includeVaults: [vaultArn],
        recoveryPointTypes: ["SNAPSHOT"],
        selectionWindowDays: 7,
      },
      tags,
    });
    expect(resource(graph, "pgplat-aws-aws-backup-restore-testing-selection").inputs).toEqual({
      name: "pgplat_prod_primary",
      restoreTestingPlanName: "pgplat_prod_restore_test",
      protectedResourceType: "RDS",
      protectedResourceArns: [instanceArn],
      iamRoleArn: roleArn,
      validationWindowHours: 4,
      restoreMetadataOverrides: {
        dbSubnetGroupName: resource(graph, "pgplat-aws-rds-instance").inputs.dbSubnetGroupName,
        vpcSecurityGroupIds: '["pgplat-aws-network-postgres-id"]',
      },
    });
  });
});

describe("prod-restore stack graph: point-in-time restore and a locked vault", () => {
  let restored: RecordedGraph;
  beforeAll(() => {
    ({ graph: restored } = recordStack(
      path.join(__dirname, "..", "fixtures", "Pulumi.prod-restore.yaml"),
      "prod-restore",
    ));
  });

  it("starts the new stack's instance from prod at 14:05 UTC, keeping the source's master user and key, with everything else as usual", () => {
    const instance = resource(restored, "pgplat-aws-rds-instance").inputs;
    expect(instance.restoreToPointInTime).toEqual({
      sourceDbInstanceIdentifier: "pgplat-prod-postgres",
      restoreTime: "2026-11-30T14:05:00Z",
    });
    expect(instance).not.toHaveProperty("username");
    expect(instance).not.toHaveProperty("kmsKeyId");
    expect(instance).not.toHaveProperty("snapshotIdentifier");
    const usual = resource(graph, "pgplat-aws-rds-instance").inputs;
    const { restoreToPointInTime: _restore, ...rest } = instance;
    const { username: _username, kmsKeyId: _key, ...usualRest } = usual;
    // Identical but for names derived from the stack, which must differ so both stacks coexist.
    const renamed = JSON.parse(JSON.stringify(rest).replace(/pgplat-prod-restore/g, "pgplat-prod"));
    expect({
      ...renamed,
      parameterGroupName: undefined,
      dbSubnetGroupName: undefined,
      finalSnapshotIdentifier: undefined,
    }).toEqual({
      ...usualRest,
      parameterGroupName: undefined,
      dbSubnetGroupName: undefined,
      finalSnapshotIdentifier: undefined,
    });
    expect(instance.identifier).toBe("pgplat-prod-restore-postgres");
    expect(resource(restored, "pgplat-aws-database-provider").dependsOn).toContain("pgplat-aws-rds-instance");
  });

  it("locks both vaults in compliance mode with the configured bounds, and takes the configured monthly retention", () => {
    const locks = restored.resources
      .filter((entry) => entry.type === "aws:backup/vaultLockConfiguration:VaultLockConfiguration")
      .map((entry) => ({ name: entry.name, inputs: entry.inputs }));
    expect(locks).toEqual([
      {
        name: "pgplat-aws-aws-backup-vault-lock",
        inputs: {
          backupVaultName: "pgplat-prod-restore-vault",
          minRetentionDays: 7,
          maxRetentionDays: 1000,
          changeableForDays: 3,
        },
      },
      {
        name: "pgplat-aws-aws-backup-copy-vault-lock",
        inputs: {
          region: "eu-central-1",
          backupVaultName: "pgplat-prod-restore-vault-copy",
          minRetentionDays: 7,
          maxRetentionDays: 1000,
          changeableForDays: 3,
        },
      },
    ]);
    const rules = resource(restored, "pgplat-aws-aws-backup-plan").inputs.rules as {
      ruleName: string;
      lifecycle: { deleteAfter: number };
    }[];
    expect(rules.map((rule) => [rule.ruleName, rule.lifecycle.deleteAfter])).toEqual([
      ["daily", 35],
      ["weekly", 90],
      ["monthly", 730],
    ]);
  });
});

describe("prod stack graph: backup alarms", () => {
  const topicArn = "arn:aws:sns::000000000000:pgplat-aws-alarms-topic";
  const taskFailedRule = "arn:aws:cloudwatch::000000000000:pgplat-aws-backup-alerts-task-failed";
  const jobsFailedRule = "arn:aws:cloudwatch::000000000000:pgplat-aws-backup-alerts-jobs-failed";

  it("sends the backup task stopping with a non-zero exit, or failing to start, to the alarm topic", () => {
    expect(resource(graph, "pgplat-aws-backup-alerts-task-failed").inputs).toEqual({
      name: "pgplat-prod-backup-task-failed",
      description: "pgplat-prod: the backup task stopped without a complete backup",
      eventPattern: JSON.stringify({
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: {
          clusterArn: ["arn:aws:ecs::000000000000:pgplat-aws-backup-task-cluster"],
          group: ["family:pgplat-prod-backup"],
          lastStatus: ["STOPPED"],
          $or: [{ containers: { exitCode: [{ "anything-but": 0 }] } }, { stopCode: ["TaskFailedToStart"] }],
        },
      }),
      tags,
    });
    // The rule watches the family the task definition really has.
    expect(resource(graph, "pgplat-aws-backup-task-task").inputs.family).toBe("pgplat-prod-backup");
    expect(resource(graph, "pgplat-aws-backup-alerts-task-failed-target").inputs).toEqual({
      rule: "pgplat-prod-backup-task-failed",
      arn: topicArn,
      inputTransformer: {
        inputPaths: { task: "$.detail.taskArn", reason: "$.detail.stoppedReason" },
        inputTemplate:
          '"pgplat-prod: backup task <task> stopped without a complete backup (<reason>). Its log: CloudWatch group /pgplat/pgplat-prod/backups."',
      },
    });
  });

  it("sends failed, expired and aborted AWS Backup jobs (restore tests included) to the alarm topic", () => {
    expect(resource(graph, "pgplat-aws-backup-alerts-jobs-failed").inputs).toEqual({
      name: "pgplat-prod-backup-jobs-failed",
      description: "pgplat-prod: AWS Backup jobs that failed, expired or were aborted",
      eventPattern: JSON.stringify({
        source: ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change", "Restore Job State Change"],
        detail: { state: ["FAILED", "EXPIRED", "ABORTED"] },
      }),
      tags,
    });
    expect(resource(graph, "pgplat-aws-backup-alerts-jobs-failed-target").inputs).toEqual({
      rule: "pgplat-prod-backup-jobs-failed",
      arn: topicArn,
    });
  });

  it("lets exactly those rules, CloudWatch alarms of the account and the account itself use the topic", () => {
    expect(resource(graph, "pgplat-aws-backup-alerts-topic-policy").inputs.arn).toBe(topicArn);
    expect(
      JSON.parse(resource(graph, "pgplat-aws-backup-alerts-topic-policy").inputs.policy as string).Statement,
    ).toEqual([
      {
        Sid: "AccountManagesTopic",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::000000000000:root" },
        Action: [
          "sns:GetTopicAttributes",
          "sns:SetTopicAttributes",
          "sns:Subscribe",
          "sns:ListSubscriptionsByTopic",
          "sns:Publish",
        ],
        Resource: topicArn,
      },
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": "000000000000" } },
      },
      {
        Sid: "BackupRulesPublish",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { ArnEquals: { "aws:SourceArn": [taskFailedRule, jobsFailedRule] } },
      },
    ]);
  });

  it("alarms when no dump succeeded for the daily schedule plus the 2-hour margin, and lets the task send exactly that metric", () => {
    expect(resource(graph, "pgplat-aws-backup-alerts-missed").inputs).toEqual({
      name: "pgplat-prod-backup-missed",
      alarmDescription: "pgplat-prod: no successful dump for 26 hours (schedule every 24 h + 2 h)",
      namespace: "pgplat",
      metricName: "DumpSucceeded",
      dimensions: { Stack: "pgplat-prod" },
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: 26,
      datapointsToAlarm: 26,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
      alarmActions: [topicArn],
      okActions: [topicArn],
      tags,
    });
    expect(
      JSON.parse(resource(graph, "pgplat-aws-backup-task-metric-policy").inputs.policy as string).Statement,
    ).toEqual([
      {
        Sid: "SendDumpMetric",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "pgplat" } },
      },
    ]);
    const [container] = JSON.parse(
      resource(graph, "pgplat-aws-backup-task-task").inputs.containerDefinitions as string,
    ) as { environment: { name: string; value: string }[] }[];
    expect(container.environment.filter((variable) => variable.name.startsWith("BACKUP_METRIC_"))).toEqual([
      { name: "BACKUP_METRIC_NAMESPACE", value: "pgplat" },
      { name: "BACKUP_METRIC_STACK", value: "pgplat-prod" },
    ]);
  });
});

describe("prod stack graph: stack guardrails", () => {
  it("passes every stack guardrail in production", async () => {
    const { checkStack } = await import("../../policy/stackRules");
    expect(checkStack(graph.resources, { production: true })).toEqual([]);
  });
});

describe("throwaway stack graph: backups can be torn down", () => {
  it("deletes the vault with its recovery points and the repository with its images, and protects neither", () => {
    const { graph: throwaway } = recordStack(
      path.join(__dirname, "..", "fixtures", "Pulumi.throwaway.yaml"),
      "throwaway",
    );
    const vault = resource(throwaway, "pgplat-aws-aws-backup-vault");
    expect([vault.inputs.forceDestroy, vault.protect, vault.retainOnDelete]).toEqual([true, false, false]);
    expect(resource(throwaway, "pgplat-aws-backup-image-repository").inputs.forceDelete).toBe(true);
  });
});
