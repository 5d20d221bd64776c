import { describe, expect, it } from "vitest";
import { backupImageBuild } from "../../components/aws/backupImageFacts";
import type { CheckedResource } from "../../policy/rules";
import { checkStack } from "../../policy/stackRules";

const production = { production: true };
const image = "000000000000.dkr.ecr.eu-west-1.amazonaws.com/pgplat-prod/backup:tag";
const rds = (engineVersion = "16.10"): CheckedResource => ({
  type: "aws:rds/instance:Instance",
  name: "rds",
  inputs: { engineVersion },
});
const backupImage = (version = "16.10"): CheckedResource => ({
  type: "docker:index/image:Image",
  name: "image",
  inputs: {
    imageName: image,
    build: { dockerfile: "scripts/container/backup.Dockerfile", args: backupImageBuild(version).args },
  },
});
const task = (command: string, taskImage = image): CheckedResource => ({
  type: "aws:ecs/taskDefinition:TaskDefinition",
  name: "task",
  inputs: { containerDefinitions: JSON.stringify([{ name: "backup", image: taskImage, command: [command] }]) },
});
const plan = (copies: boolean): CheckedResource => ({
  type: "aws:backup/plan:Plan",
  name: "plan",
  inputs: {
    rules: ["daily", "monthly"].map((ruleName) => ({
      ruleName,
      ...(copies && { copyActions: [{ destinationVaultArn: "arn:copy" }] }),
    })),
  },
});
const selection: CheckedResource = {
  type: "aws:backup/selection:Selection",
  name: "selection",
  inputs: { resources: ["arn:aws:rds:eu-west-1:1:db:x"] },
};
const copyVault: CheckedResource = { type: "aws:backup/vault:Vault", name: "copy", inputs: { region: "eu-central-1" } };
const lock: CheckedResource = {
  type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
  name: "lock",
  inputs: {},
};
const topic: CheckedResource = { type: "aws:sns/topic:Topic", name: "topic", inputs: {} };
const subscription: CheckedResource = {
  type: "aws:sns/topicSubscription:TopicSubscription",
  name: "email",
  inputs: {},
};

const complete = [rds(), backupImage(), task("pgplat-backup"), plan(true), selection, copyVault, topic, subscription];

describe("stack guardrails", () => {
  it("pass a production stack with AWS Backup, off-region copies, a runnable backup task and a subscribed topic", () => {
    expect(checkStack(complete, production)).toEqual([]);
  });

  it("accept a vault lock instead of off-region copies", () => {
    expect(checkStack([rds(), plan(false), selection, lock, topic, subscription], production)).toEqual([]);
  });

  it("name the key to set for each production gap", () => {
    expect(checkStack([rds(), plan(false), topic], production)).toEqual([
      {
        policy: "prod-aws-backup",
        resource: "stack",
        message: "the RDS primary has no AWS Backup plan and selection; set pgplat:aws.backupPlan.enabled to true",
      },
      {
        policy: "prod-backup-survives",
        resource: "stack",
        message:
          "recovery points stay in one region and can be deleted; set pgplat:aws.backupReplicaRegion (copies to another region) or pgplat:aws.backupPlan.vaultLock",
      },
    ]);
    expect(checkStack([rds(), topic], { production: false })).toEqual([]);
  });

  it("refuse a backup task whose command its image does not install, whose image is not built here, or whose pg_dump is another major", () => {
    expect(
      checkStack(
        [
          rds(),
          backupImage(),
          {
            ...task("pgplat-backup"),
            inputs: {
              containerDefinitions: JSON.stringify([
                { name: "backup", image: "postgres:16", command: ["pgplat-backup"] },
              ]),
            },
          },
        ],
        { production: false },
      ),
    ).toEqual([
      {
        policy: "backup-command-in-image",
        resource: "task",
        message:
          "container backup runs pgplat-backup from postgres:16, which no image build in the stack defines; only an image built from scripts/container/backup.Dockerfile installs it",
      },
    ]);
    expect(checkStack([rds("17.2"), backupImage("16.10"), task("pgplat-backup")], { production: false })).toEqual([
      {
        policy: "backup-command-in-image",
        resource: "task",
        message:
          "container backup: the image's pg_dump is PostgreSQL 16 but the engine is 17.2: pg_dump needs the engine's major version",
      },
    ]);
    // A task running something else is not the backup task.
    expect(checkStack([rds(), task("pgbouncer", "edoburu/pgbouncer")], { production: false })).toEqual([]);
  });
});
