import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { tlsOnlyBucketPolicy } from "./policies";

export interface BackupBucketArgs {
  readonly namePrefix: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly transitionDays: number;
  readonly expireDays: number;
  readonly noncurrentExpireDays: number;
  /** Object Lock retention in days (governance mode). @default no Object Lock */
  readonly objectLockDays?: number;
  readonly protect: boolean;
}

/**
 * The backup bucket: versioned, SSE-KMS with a bucket key, no public access,
 * owner-enforced objects, TLS ≥ 1.2 only, lifecycle from config, optional
 * Object Lock.
 */
export class BackupBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:BackupBucket", name, {}, opts);
    const child = { parent: this };
    this.bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      {
        bucketPrefix: `${args.namePrefix}-backups-`,
        objectLockEnabled: args.objectLockDays !== undefined,
        forceDestroy: false,
        tags: { "pgplat:stack": args.namePrefix },
      },
      { ...child, protect: args.protect, retainOnDelete: args.protect },
    );
    const bucket = this.bucket.id;
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
            bucketKeyEnabled: true,
          },
        ],
      },
      child,
    );
    // The policy is attached after the public access block, which would otherwise race it.
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      { bucket, policy: this.bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
      { ...child, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket,
        rules: [
          {
            id: "backups",
            status: "Enabled",
            filter: { prefix: "" },
            transitions: [{ days: args.transitionDays, storageClass: "GLACIER_IR" }],
            expiration: { days: args.expireDays },
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentExpireDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      // Lifecycle rules on versions need versioning in place first.
      { ...child, dependsOn: [versioning] },
    );
    if (args.objectLockDays !== undefined) {
      new aws.s3.BucketObjectLockConfiguration(
        `${name}-object-lock`,
        {
          bucket,
          objectLockEnabled: "Enabled",
          rule: { defaultRetention: { mode: "GOVERNANCE", days: args.objectLockDays } },
        },
        { ...child, dependsOn: [versioning] },
      );
    }
    this.registerOutputs({});
  }
}
