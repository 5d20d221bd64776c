import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { AlarmSpec, AlarmSubject } from "./alarmSpecs";

export interface AlarmsArgs {
  readonly namePrefix: string;
  readonly specs: readonly AlarmSpec[];
  /** The CloudWatch identifier of every subject the specs name. */
  readonly subjects: Readonly<Partial<Record<AlarmSubject, pulumi.Input<string>>>>;
  /** An e-mail address subscribed to the topic. @default no subscription (the topic alone) */
  readonly email?: pulumi.Input<string>;
}

/** CloudWatch alarms to one SNS topic, alarm and recovery alike. */
export class Alarms extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:Alarms", name, {}, opts);
    const tags = { "pgplat:stack": args.namePrefix };
    // Alarm notifications carry no data; CloudWatch cannot publish to topics under AWS-managed keys.
    this.topic = new aws.sns.Topic(`${name}-topic`, { name: `${args.namePrefix}-alarms`, tags }, { parent: this });
    if (args.email)
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: this.topic.arn, protocol: "email", endpoint: args.email },
        { parent: this },
      );
    for (const spec of args.specs) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.name}`,
        {
          name: `${args.namePrefix}-${spec.name}`,
          alarmDescription: spec.description,
          namespace: spec.namespace,
          metricName: spec.metric,
          dimensions: Object.fromEntries(
            Object.entries(spec.dimensions).map(([dimension, subject]) => {
              const value = args.subjects[subject];
              if (value === undefined) throw new Error(`alarm ${spec.name}: no identifier for ${subject}`);
              return [dimension, value];
            }),
          ),
          statistic: spec.statistic,
          comparisonOperator: spec.comparison,
          threshold: spec.threshold,
          period: spec.periodSeconds,
          evaluationPeriods: spec.evaluationPeriods,
          treatMissingData: "breaching",
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
          tags,
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
