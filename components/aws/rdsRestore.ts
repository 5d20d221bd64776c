import type { RestoreFromConfig } from "../../config/awsBackup";

/** Where a restored instance starts from: another instance's point in time, or a snapshot. */
export type RdsRestoreSource =
  | {
      readonly kind: "point-in-time";
      readonly sourceInstanceIdentifier: string;
      /** ISO 8601 time to restore to. @default the latest restorable time */ readonly time?: string;
    }
  | { readonly kind: "snapshot"; readonly snapshotIdentifier: string };

/** The validated `aws.restoreFrom` section as a restore source. */
export function rdsRestoreSource(config: RestoreFromConfig | undefined): RdsRestoreSource | undefined {
  if (!config) return undefined;
  if (config.snapshotIdentifier !== undefined)
    return { kind: "snapshot", snapshotIdentifier: config.snapshotIdentifier };
  if (config.sourceInstanceIdentifier === undefined)
    throw new Error("aws.restoreFrom needs sourceInstanceIdentifier (config validation should have said so)");
  return { kind: "point-in-time", sourceInstanceIdentifier: config.sourceInstanceIdentifier, time: config.time };
}

/**
 * The instance inputs that make RDS start from the source instead of an empty
 * database. A restored instance keeps its source's master user and its
 * source's KMS key (RDS does not re-encrypt on restore), so neither is set.
 */
export function rdsRestoreInputs(source: RdsRestoreSource): Record<string, unknown> {
  if (source.kind === "snapshot") return { snapshotIdentifier: source.snapshotIdentifier };
  return {
    restoreToPointInTime: {
      sourceDbInstanceIdentifier: source.sourceInstanceIdentifier,
      ...(source.time === undefined
        ? { useLatestRestorableTime: true }
        : { restoreTime: new Date(source.time).toISOString().replace(/\.000Z$/, "Z") }),
    },
  };
}
