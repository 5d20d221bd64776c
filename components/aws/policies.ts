/**
 * IAM and bucket policy documents as pure functions: JSON in, JSON out, so
 * every statement is unit-tested and the components only wire ARNs in.
 */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: string | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

const document = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

/** Refuses plain HTTP and TLS older than 1.2, for everyone, on the bucket and its objects. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  const resources = [bucketArn, `${bucketArn}/*`];
  return document(
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyOldTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
    },
  );
}

/** The backup task may write and list under its prefix, and use the key to encrypt; nothing else (no read, no delete). */
export function backupWriterPolicy(bucketArn: string, prefix: string, keyArn: string): PolicyDocument {
  return document(
    {
      Sid: "WriteBackups",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: `${bucketArn}/${prefix}/*`,
    },
    {
      Sid: "ListBackups",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": [`${prefix}/*`] } },
    },
    // Multipart uploads under SSE-KMS (dumps over 8 MiB) also need kms:Decrypt.
    {
      Sid: "EncryptBackups",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
      Resource: keyArn,
    },
  );
}

/** Lets an AWS service assume a role. */
export function assumeRolePolicy(service: string): PolicyDocument {
  return document({ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" });
}

/** EventBridge Scheduler may start the backup task, and hand it its two roles. */
export function schedulerRunTaskPolicy(
  taskDefinitionArn: string,
  clusterArn: string,
  passRoleArns: readonly string[],
): PolicyDocument {
  return document(
    {
      Sid: "RunBackupTask",
      Effect: "Allow",
      Action: "ecs:RunTask",
      Resource: taskDefinitionArn.replace(/:\d+$/, ":*"),
      Condition: { ArnEquals: { "ecs:cluster": clusterArn } },
    },
    { Sid: "PassTaskRoles", Effect: "Allow", Action: "iam:PassRole", Resource: [...passRoleArns] },
  );
}

/** Read exactly these secrets and decrypt them with the key: an ECS execution role, or RDS Proxy reading its logins. */
export function secretsReadPolicy(secretArns: readonly string[], keyArn: string): PolicyDocument {
  return document(
    { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [...secretArns] },
    { Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn },
  );
}

/** Send metrics to one CloudWatch namespace only. */
export function putMetricPolicy(namespace: string): PolicyDocument {
  return document({
    Sid: "SendDumpMetric",
    Effect: "Allow",
    Action: "cloudwatch:PutMetricData",
    Resource: "*",
    Condition: { StringEquals: { "cloudwatch:namespace": namespace } },
  });
}

/** What the AWS Backup role may do with the keys that encrypt the snapshots and their copies. */
export function backupKeyPolicy(keyArns: readonly string[]): PolicyDocument {
  return document({
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
    Resource: [...keyArns],
  });
}

/**
 * The alarm topic's policy: the account keeps managing it, CloudWatch alarms
 * in the account and the backup event rules may publish. (It replaces SNS's
 * default policy, which would not let EventBridge publish.)
 */
export function alarmTopicPolicy(topicArn: string, ruleArns: readonly string[]): PolicyDocument {
  const [, partition, , , account] = topicArn.split(":");
  return document(
    {
      Sid: "AccountManagesTopic",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${account}:root` },
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
      Condition: { StringEquals: { "aws:SourceAccount": account } },
    },
    {
      Sid: "BackupRulesPublish",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { ArnEquals: { "aws:SourceArn": [...ruleArns] } },
    },
  );
}

/** An AWS managed policy's ARN in the partition the provider deploys to (`aws`, `aws-us-gov`, `aws-cn`). */
export function managedPolicyArn(partition: string, policyPath: string): string {
  return `arn:${partition}:iam::aws:policy/${policyPath}`;
}
