import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface BackupReplicationArgs {
  readonly namePrefix: string;
  readonly region: string;
  readonly sourceInstanceArn: pulumi.Input<string>;
  readonly retentionDays: number;
  readonly protect: boolean;
}

/** Copies the instance's automated backups to another region, so point-in-time recovery survives a regional outage. */
export class BackupReplication extends pulumi.ComponentResource {
  /** The key in the replica region (AWS Backup's copy vault uses it too). */
  readonly key: aws.kms.Key;

  constructor(name: string, args: BackupReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:BackupReplication", name, {}, opts);
    // KMS keys are regional: the copies need a key in their own region.
    const key = (this.key = new aws.kms.Key(
      `${name}-key`,
      {
        region: args.region,
        description: `${args.namePrefix}: replicated PostgreSQL backups`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: { "pgplat:stack": args.namePrefix },
      },
      { parent: this, protect: args.protect, retainOnDelete: args.protect },
    ));
    new aws.rds.InstanceAutomatedBackupsReplication(
      `${name}-replication`,
      {
        region: args.region,
        sourceDbInstanceArn: args.sourceInstanceArn,
        kmsKeyId: key.arn,
        retentionPeriod: args.retentionDays,
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
