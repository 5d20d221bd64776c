import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { assumeRolePolicy, managedPolicyArn } from "./policies";
import type { RdsParameter } from "./rdsParameters";
import { rdsRestoreInputs, type RdsRestoreSource } from "./rdsRestore";

export interface RdsPostgresArgs {
  readonly namePrefix: string;
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly storageGb: number;
  readonly maxStorageGb: number;
  readonly parameters: readonly RdsParameter[];
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly subnetGroupName: pulumi.Input<string>;
  readonly securityGroupIds: pulumi.Input<string>[];
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  readonly backupWindow: string;
  readonly maintenanceWindow: string;
  /** 0 disables enhanced monitoring. */
  readonly monitoringIntervalSeconds: number;
  readonly performanceInsightsRetentionDays: number;
  readonly iamDatabaseAuth: boolean;
  readonly protect: boolean;
  /** Read replicas of the primary, same region. */
  readonly readReplicas: number;
  /** Start from another instance's point in time or a snapshot. @default an empty new database */
  readonly restoreFrom?: RdsRestoreSource;
}

/** The master user of RDS; its password is managed by RDS in Secrets Manager. */
export const rdsMasterUser = "pgplat_admin";

/** RDS PostgreSQL 16: encrypted, private, Multi-AZ, with managed master secret, PITR and a final snapshot. */
export class RdsPostgres extends pulumi.ComponentResource {
  readonly parameterGroup: aws.rds.ParameterGroup;
  readonly instance: aws.rds.Instance;
  readonly replicas: readonly aws.rds.Instance[];

  constructor(name: string, args: RdsPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:RdsPostgres", name, {}, opts);
    const tags = { "pgplat:stack": args.namePrefix };
    // A name prefix lets a replacement group be created and attached before the
    // old one is deleted, so a family change never tries to delete a group in use.
    this.parameterGroup = new aws.rds.ParameterGroup(
      `${name}-parameters`,
      {
        namePrefix: `${args.namePrefix}-pg16-`,
        family: "postgres16",
        description: `${args.namePrefix}: tuned by pgplat`,
        parameters: args.parameters.map((parameter) => ({ ...parameter })),
        tags,
      },
      { parent: this },
    );
    const monitoringRole = args.monitoringIntervalSeconds > 0 ? this.monitoringRole(name, args.namePrefix) : undefined;
    const identifier = `${args.namePrefix}-postgres`;
    // A fresh suffix per instance, so re-creating the instance never collides with an earlier final snapshot.
    const snapshotSuffix = new random.RandomId(
      `${name}-final-snapshot-suffix`,
      { byteLength: 4, keepers: { identifier, engineVersion: args.engineVersion } },
      { parent: this },
    );
    this.instance = new aws.rds.Instance(
      `${name}-instance`,
      {
        ...sharedInstanceProps(args, this.parameterGroup, monitoringRole?.role),
        identifier,
        engine: "postgres",
        engineVersion: args.engineVersion,
        ...(args.restoreFrom ? rdsRestoreInputs(args.restoreFrom) : { username: rdsMasterUser }),
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: args.kmsKeyArn,
        allocatedStorage: args.storageGb,
        // A restored instance keeps the key of its source.
        ...(args.restoreFrom === undefined && { kmsKeyId: args.kmsKeyArn }),
        dbSubnetGroupName: args.subnetGroupName,
        multiAz: args.multiAz,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: pulumi.interpolate`${identifier}-final-${snapshotSuffix.hex}`,
        backupRetentionPeriod: args.backupRetentionDays,
        backupWindow: args.backupWindow,
        maintenanceWindow: args.maintenanceWindow,
        allowMajorVersionUpgrade: false,
        iamDatabaseAuthenticationEnabled: args.iamDatabaseAuth,
        tags,
      },
      // RDS checks the monitoring role's permissions when the instance is created.
      {
        parent: this,
        protect: args.protect,
        retainOnDelete: args.protect,
        dependsOn: monitoringRole ? [monitoringRole.attachment] : [],
      },
    );
    this.replicas = Array.from({ length: args.readReplicas }, (_, index) =>
      this.replica(name, args, index + 1, monitoringRole?.role),
    );
    this.registerOutputs({});
  }

  /** A replica holds no data of its own: no backups, no final snapshot, not protected. */
  private replica(
    name: string,
    args: RdsPostgresArgs,
    number: number,
    monitoringRole: aws.iam.Role | undefined,
  ): aws.rds.Instance {
    return new aws.rds.Instance(
      `${name}-replica-${number}`,
      {
        ...sharedInstanceProps(args, this.parameterGroup, monitoringRole),
        identifier: `${args.namePrefix}-postgres-replica-${number}`,
        replicateSourceDb: this.instance.identifier,
        kmsKeyId: args.kmsKeyArn,
        multiAz: false,
        skipFinalSnapshot: true,
        backupRetentionPeriod: 0,
        tags: { "pgplat:stack": args.namePrefix, "pgplat:role": "read-replica" },
      },
      { parent: this },
    );
  }

  private monitoringRole(
    name: string,
    namePrefix: string,
  ): { role: aws.iam.Role; attachment: aws.iam.RolePolicyAttachment } {
    const role = new aws.iam.Role(
      `${name}-monitoring-role`,
      {
        namePrefix: `${namePrefix}-rds-monitoring-`,
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("monitoring.rds.amazonaws.com")),
      },
      { parent: this },
    );
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-monitoring-policy`,
      {
        role: role.name,
        policyArn: aws
          .getPartitionOutput({}, { parent: this })
          .partition.apply((partition) => managedPolicyArn(partition, "service-role/AmazonRDSEnhancedMonitoringRole")),
      },
      { parent: this },
    );
    return { role, attachment };
  }
}

/**
 * What the primary and its replicas share, built once (as aws-cdk's
 * aws-rds instance.ts does for its instance and read replica): class,
 * encrypted private gp3 storage, the tuned parameter group, Performance
 * Insights, enhanced monitoring, logs and upgrade policy.
 */
function sharedInstanceProps(
  args: RdsPostgresArgs,
  parameterGroup: aws.rds.ParameterGroup,
  monitoringRole: aws.iam.Role | undefined,
) {
  return {
    instanceClass: args.instanceClass,
    storageType: "gp3",
    maxAllocatedStorage: args.maxStorageGb,
    storageEncrypted: true,
    parameterGroupName: parameterGroup.name,
    vpcSecurityGroupIds: args.securityGroupIds,
    publiclyAccessible: false,
    deletionProtection: args.deletionProtection,
    autoMinorVersionUpgrade: false,
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: args.kmsKeyArn,
    performanceInsightsRetentionPeriod: args.performanceInsightsRetentionDays,
    monitoringInterval: args.monitoringIntervalSeconds,
    monitoringRoleArn: monitoringRole?.arn,
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    copyTagsToSnapshot: true,
  } satisfies aws.rds.InstanceArgs;
}
