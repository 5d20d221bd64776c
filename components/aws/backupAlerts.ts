import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { alarmTopicPolicy } from "./policies";

/** Namespace and metric pgplat-backup sends after each complete run. */
export const dumpMetric = { namespace: "pgplat", name: "DumpSucceeded" } as const;

export interface BackupAlertsArgs {
  readonly namePrefix: string;
  /** The alarm topic. */
  readonly topicArn: pulumi.Input<string>;
  /** The backup task's cluster and task definition family. */
  readonly clusterArn: pulumi.Input<string>;
  readonly taskFamily: string;
  /** Hours between two scheduled dumps, and the grace on top before a missing one alarms. */
  readonly schedulePeriodHours: number;
  readonly marginHours: number;
  /** Also notify failed, expired and aborted AWS Backup jobs. */
  readonly awsBackupJobs: boolean;
}

/** The backup task stopped without exit code 0, or never started. */
export function taskFailedPattern(clusterArn: string, taskFamily: string): object {
  return {
    source: ["aws.ecs"],
    "detail-type": ["ECS Task State Change"],
    detail: {
      clusterArn: [clusterArn],
      group: [`family:${taskFamily}`],
      lastStatus: ["STOPPED"],
      $or: [{ containers: { exitCode: [{ "anything-but": 0 }] } }, { stopCode: ["TaskFailedToStart"] }],
    },
  };
}

/** AWS Backup jobs (backups, copies, restores including restore tests) that did not succeed. */
export const backupJobsFailedPattern = {
  source: ["aws.backup"],
  "detail-type": ["Backup Job State Change", "Copy Job State Change", "Restore Job State Change"],
  detail: { state: ["FAILED", "EXPIRED", "ABORTED"] },
} as const;

/**
 * A failed or missing backup reaches the alarm topic: the backup task
 * stopping with a non-zero exit (or failing to start), AWS Backup jobs that
 * fail or expire, and no DumpSucceeded metric for a schedule period plus a
 * margin (which also catches a schedule that never started the task).
 */
export class BackupAlerts extends pulumi.ComponentResource {
  constructor(name: string, args: BackupAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:BackupAlerts", name, {}, opts);
    const child = { parent: this };
    const tags = { "pgplat:stack": args.namePrefix };
    const taskFailed = new aws.cloudwatch.EventRule(
      `${name}-task-failed`,
      {
        name: `${args.namePrefix}-backup-task-failed`,
        description: `${args.namePrefix}: the backup task stopped without a complete backup`,
        eventPattern: pulumi
          .output(args.clusterArn)
          .apply((clusterArn) => JSON.stringify(taskFailedPattern(clusterArn, args.taskFamily))),
        tags,
      },
      child,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-task-failed-target`,
      {
        rule: taskFailed.name,
        arn: args.topicArn,
        inputTransformer: {
          inputPaths: { task: "$.detail.taskArn", reason: "$.detail.stoppedReason" },
          inputTemplate: `"${args.namePrefix}: backup task <task> stopped without a complete backup (<reason>). Its log: CloudWatch group /pgplat/${args.namePrefix}/backups."`,
        },
      },
      child,
    );
    const rules = [taskFailed];
    if (args.awsBackupJobs) {
      const jobsFailed = new aws.cloudwatch.EventRule(
        `${name}-jobs-failed`,
        {
          name: `${args.namePrefix}-backup-jobs-failed`,
          description: `${args.namePrefix}: AWS Backup jobs that failed, expired or were aborted`,
          eventPattern: JSON.stringify(backupJobsFailedPattern),
          tags,
        },
        child,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-jobs-failed-target`,
        { rule: jobsFailed.name, arn: args.topicArn },
        child,
      );
      rules.push(jobsFailed);
    }
    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: args.topicArn,
        policy: pulumi
          .all([args.topicArn, ...rules.map((rule) => rule.arn)])
          .apply(([topicArn, ...ruleArns]) => JSON.stringify(alarmTopicPolicy(topicArn, ruleArns))),
      },
      child,
    );
    const windowHours = args.schedulePeriodHours + args.marginHours;
    new aws.cloudwatch.MetricAlarm(
      `${name}-missed`,
      {
        name: `${args.namePrefix}-backup-missed`,
        alarmDescription: `${args.namePrefix}: no successful dump for ${windowHours} hours (schedule every ${args.schedulePeriodHours} h + ${args.marginHours} h)`,
        namespace: dumpMetric.namespace,
        metricName: dumpMetric.name,
        dimensions: { Stack: args.namePrefix },
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: windowHours,
        datapointsToAlarm: windowHours,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        // No metric at all is exactly what this alarm is for.
        treatMissingData: "breaching",
        alarmActions: [args.topicArn],
        okActions: [args.topicArn],
        tags,
      },
      child,
    );
    this.registerOutputs({});
  }
}
