import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { BackupPlanConfig } from "../../config/awsBackup";
import { assumeRolePolicy, backupKeyPolicy, managedPolicyArn } from "./policies";

export interface AwsBackupArgs {
  readonly namePrefix: string;
  readonly plan: BackupPlanConfig;
  /** The RDS primary AWS Backup protects and restore-tests. */
  readonly instanceArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Where restore tests put the restored instance: the platform's DB subnet group and security group. */
  readonly subnetGroupName: pulumi.Input<string>;
  readonly securityGroupId: pulumi.Input<string>;
  /** Copies go to a vault in this region, under `replicaKeyArn`. @default no copies */
  readonly replica?: { readonly region: string; readonly kmsKeyArn: pulumi.Input<string> };
  readonly protect: boolean;
}

const ruleNames = ["daily", "weekly", "monthly"] as const;
/** Minutes AWS Backup may wait to start a job, and to finish it. */
const startWindowMinutes = 60;
const completionWindowMinutes = 24 * 60;

/** Restore-testing names allow only letters, digits and underscores. */
export function restoreTestingName(namePrefix: string, suffix: string): string {
  return `${namePrefix}_${suffix}`.replace(/[^A-Za-z0-9_]/g, "_");
}

/**
 * AWS Backup for the RDS primary: a vault under the platform key, a plan with
 * daily, weekly and monthly rules (each copied to a vault in the replica
 * region when one is set), an optional Vault Lock on both vaults, the
 * selection of the instance, and a restore-testing plan that restores a
 * recent recovery point on a schedule into the platform's subnets, validates
 * it and deletes it.
 */
export class AwsBackup extends pulumi.ComponentResource {
  readonly vault: aws.backup.Vault;
  readonly copyVault?: aws.backup.Vault;
  readonly plan: aws.backup.Plan;

  constructor(name: string, args: AwsBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:AwsBackup", name, {}, opts);
    const child = { parent: this };
    const tags = { "pgplat:stack": args.namePrefix };
    const keep = { ...child, protect: args.protect, retainOnDelete: args.protect };
    // Only an unprotected (throwaway) stack may delete recovery points with its vault.
    const forceDestroy = !args.protect;
    this.vault = new aws.backup.Vault(
      `${name}-vault`,
      { name: `${args.namePrefix}-vault`, kmsKeyArn: args.kmsKeyArn, forceDestroy, tags },
      keep,
    );
    if (args.replica) {
      this.copyVault = new aws.backup.Vault(
        `${name}-copy-vault`,
        {
          region: args.replica.region,
          name: `${args.namePrefix}-vault-copy`,
          kmsKeyArn: args.replica.kmsKeyArn,
          forceDestroy,
          tags,
        },
        keep,
      );
    }
    this.lock(name, args);

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        namePrefix: `${args.namePrefix}-awsbackup-`,
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("backup.amazonaws.com")),
        tags,
      },
      child,
    );
    const partition = aws.getPartitionOutput({}, child).partition;
    for (const [suffix, policy] of [
      ["backup", "AWSBackupServiceRolePolicyForBackup"],
      ["restores", "AWSBackupServiceRolePolicyForRestores"],
    ]) {
      new aws.iam.RolePolicyAttachment(
        `${name}-role-${suffix}`,
        { role: role.name, policyArn: partition.apply((value) => managedPolicyArn(value, `service-role/${policy}`)) },
        child,
      );
    }
    const keyArns = [args.kmsKeyArn, ...(args.replica ? [args.replica.kmsKeyArn] : [])];
    new aws.iam.RolePolicy(
      `${name}-role-keys`,
      { role: role.name, policy: pulumi.all(keyArns).apply((arns) => JSON.stringify(backupKeyPolicy(arns))) },
      child,
    );

    this.plan = new aws.backup.Plan(
      `${name}-plan`,
      {
        name: `${args.namePrefix}-plan`,
        rules: ruleNames.map((ruleName) => ({
          ruleName,
          targetVaultName: this.vault.name,
          schedule: args.plan[ruleName].schedule,
          scheduleExpressionTimezone: "Etc/UTC",
          startWindow: startWindowMinutes,
          completionWindow: completionWindowMinutes,
          lifecycle: { deleteAfter: args.plan[ruleName].retentionDays },
          recoveryPointTags: { ...tags, "pgplat:rule": ruleName },
          ...(this.copyVault && {
            copyActions: [
              {
                destinationVaultArn: this.copyVault.arn,
                lifecycle: { deleteAfter: args.plan[ruleName].retentionDays },
              },
            ],
          }),
        })),
        tags,
      },
      child,
    );
    new aws.backup.Selection(
      `${name}-selection`,
      { name: `${args.namePrefix}-primary`, planId: this.plan.id, iamRoleArn: role.arn, resources: [args.instanceArn] },
      child,
    );
    if (args.plan.restoreTesting.enabled) this.restoreTesting(name, args, role);
    this.registerOutputs({});
  }

  /** The same lock on the vault and its copy: a copy must be as hard to delete as the original. */
  private lock(name: string, args: AwsBackupArgs): void {
    const lock = args.plan.vaultLock;
    if (!lock) return;
    const settings = {
      minRetentionDays: lock.minRetentionDays,
      maxRetentionDays: lock.maxRetentionDays,
      // Without changeableForDays the lock is in governance mode; with it, compliance mode once they pass.
      ...(lock.mode === "compliance" && { changeableForDays: lock.changeableForDays }),
    };
    new aws.backup.VaultLockConfiguration(
      `${name}-vault-lock`,
      { backupVaultName: this.vault.name, ...settings },
      { parent: this },
    );
    if (this.copyVault)
      new aws.backup.VaultLockConfiguration(
        `${name}-copy-vault-lock`,
        { region: args.replica!.region, backupVaultName: this.copyVault.name, ...settings },
        { parent: this },
      );
  }

  private restoreTesting(name: string, args: AwsBackupArgs, role: aws.iam.Role): void {
    const testing = args.plan.restoreTesting;
    const plan = new aws.backup.RestoreTestingPlan(
      `${name}-restore-testing`,
      {
        name: restoreTestingName(args.namePrefix, "restore_test"),
        scheduleExpression: testing.schedule,
        scheduleExpressionTimezone: "Etc/UTC",
        startWindowHours: testing.startWindowHours,
        recoveryPointSelection: {
          algorithm: "LATEST_WITHIN_WINDOW",
          includeVaults: [this.vault.arn],
          recoveryPointTypes: ["SNAPSHOT"],
          selectionWindowDays: testing.selectionWindowDays,
        },
        tags: { "pgplat:stack": args.namePrefix },
      },
      { parent: this },
    );
    new aws.backup.RestoreTestingSelection(
      `${name}-restore-testing-selection`,
      {
        name: restoreTestingName(args.namePrefix, "primary"),
        restoreTestingPlanName: plan.name,
        protectedResourceType: "RDS",
        protectedResourceArns: [args.instanceArn],
        iamRoleArn: role.arn,
        validationWindowHours: testing.validationWindowHours,
        // The restored instance lands in the platform's private subnets, behind its security group, never the default VPC.
        restoreMetadataOverrides: {
          dbSubnetGroupName: args.subnetGroupName,
          vpcSecurityGroupIds: pulumi.output(args.securityGroupId).apply((id) => JSON.stringify([id])),
        },
      },
      { parent: this },
    );
  }
}
