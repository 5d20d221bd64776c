import { describe, expect, it } from "vitest";
import {
  alarmTopicPolicy,
  assumeRolePolicy,
  backupWriterPolicy,
  managedPolicyArn,
  putMetricPolicy,
  schedulerRunTaskPolicy,
  secretsReadPolicy,
  tlsOnlyBucketPolicy,
} from "../../components/aws/policies";

const bucket = "arn:aws:s3:::pgplat-prod-backups-x";

describe("AWS policy documents", () => {
  it("denies non-TLS and TLS < 1.2 on the bucket and every object", () => {
    expect(tlsOnlyBucketPolicy(bucket)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucket, `${bucket}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyOldTls",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucket, `${bucket}/*`],
          Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        },
      ],
    });
  });

  it("lets the backup task write and list under its prefix only: no read, no delete", () => {
    const policy = backupWriterPolicy(bucket, "postgres", "arn:aws:kms:eu-west-1:1:key/k");
    expect(policy.Statement).toEqual([
      {
        Sid: "WriteBackups",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: `${bucket}/postgres/*`,
      },
      {
        Sid: "ListBackups",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucket,
        Condition: { StringLike: { "s3:prefix": ["postgres/*"] } },
      },
      {
        Sid: "EncryptBackups",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
        Resource: "arn:aws:kms:eu-west-1:1:key/k",
      },
    ]);
    const actions = policy.Statement.flatMap((statement) => statement.Action);
    expect(actions.some((action) => /Delete|GetObject|\*/.test(action))).toBe(false);
  });

  it("lets the scheduler run any revision of the task, on its cluster only, and pass exactly the task's roles", () => {
    expect(
      schedulerRunTaskPolicy("arn:aws:ecs:r:1:task-definition/pgplat-prod-backup:7", "arn:aws:ecs:r:1:cluster/c", [
        "arn:role/a",
        "arn:role/b",
      ]).Statement,
    ).toEqual([
      {
        Sid: "RunBackupTask",
        Effect: "Allow",
        Action: "ecs:RunTask",
        Resource: "arn:aws:ecs:r:1:task-definition/pgplat-prod-backup:*",
        Condition: { ArnEquals: { "ecs:cluster": "arn:aws:ecs:r:1:cluster/c" } },
      },
      { Sid: "PassTaskRoles", Effect: "Allow", Action: "iam:PassRole", Resource: ["arn:role/a", "arn:role/b"] },
    ]);
  });

  it("builds trust policies for a service", () => {
    expect(assumeRolePolicy("ecs-tasks.amazonaws.com")).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });

  it("reads exactly the given secrets and decrypts with the given key", () => {
    expect(secretsReadPolicy(["arn:aws:secretsmanager:eu-west-1:1:secret:a"], "arn:aws:kms:eu-west-1:1:key/k")).toEqual(
      {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: ["arn:aws:secretsmanager:eu-west-1:1:secret:a"],
          },
          { Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:1:key/k" },
        ],
      },
    );
  });

  it("puts metrics into one namespace only", () => {
    expect(putMetricPolicy("pgplat/backups").Statement).toEqual([
      {
        Sid: "SendDumpMetric",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "pgplat/backups" } },
      },
    ]);
  });

  it("names managed policies and the account root in the deployment's partition", () => {
    expect(managedPolicyArn("aws", "service-role/AmazonRDSEnhancedMonitoringRole")).toBe(
      "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    );
    expect(managedPolicyArn("aws-us-gov", "service-role/AmazonECSTaskExecutionRolePolicy")).toBe(
      "arn:aws-us-gov:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    );
    const topic = "arn:aws-us-gov:sns:us-gov-west-1:123456789012:pgplat-prod-alarms";
    expect(alarmTopicPolicy(topic, []).Statement[0].Principal).toEqual({
      AWS: "arn:aws-us-gov:iam::123456789012:root",
    });
  });
});
