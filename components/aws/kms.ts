import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface PlatformKeyArgs {
  readonly namePrefix: string;
  readonly protect: boolean;
}

/** One customer-managed key with yearly rotation for RDS storage, Performance Insights and the master secret. */
export class PlatformKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;

  constructor(name: string, args: PlatformKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:Key", name, {}, opts);
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `${args.namePrefix}: PostgreSQL platform data`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: { "pgplat:stack": args.namePrefix },
      },
      // Losing the key loses every snapshot encrypted with it.
      { parent: this, protect: args.protect, retainOnDelete: args.protect },
    );
    new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${args.namePrefix}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
