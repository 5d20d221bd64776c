import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { backupImageProblems, dockerfileFacts } from "../components/aws/backupImageFacts";
import type { CheckedResource, PolicyContext, Violation } from "./rules";

/**
 * Guardrails that need the whole stack, not one resource: backups that exist
 * and survive, a backup task that can run, alarms that reach someone. Pure
 * over the resource list (the Dockerfile is read from the project), shared by
 * the policy pack and `npm run plan`. Values still unknown at preview (ARNs,
 * JSON built from outputs) make a rule pass rather than guess.
 */
export interface StackPolicy {
  readonly name: string;
  readonly description: string;
  readonly check: (resources: readonly CheckedResource[], context: PolicyContext) => string[];
}

const ofType = (resources: readonly CheckedResource[], type: string) => resources.filter((resource) => resource.type === type);
const rdsPrimaries = (resources: readonly CheckedResource[]) => ofType(resources, "aws:rds/instance:Instance").filter((instance) => instance.inputs.replicateSourceDb === undefined);

export const stackPolicies: readonly StackPolicy[] = [
  {
    name: "prod-aws-backup",
    description: "In production, AWS Backup protects every RDS primary with a plan and a selection.",
    check: (resources, context) => {
      if (!context.production || rdsPrimaries(resources).length === 0) return [];
      const selected = ofType(resources, "aws:backup/selection:Selection").some((selection) => Array.isArray(selection.inputs.resources) && selection.inputs.resources.length > 0);
      return selected && ofType(resources, "aws:backup/plan:Plan").length > 0 ? [] : ["the RDS primary has no AWS Backup plan and selection; set pgplat:aws.backupPlan.enabled to true"];
    },
  },
  {
    name: "prod-backup-survives",
    description: "In production, AWS Backup copies every rule's recovery points to a vault in another region, or the vault is locked.",
    check: (resources, context) => {
      const plans = ofType(resources, "aws:backup/plan:Plan");
      if (!context.production || plans.length === 0) return [];
      const rules = plans.flatMap((plan) => (Array.isArray(plan.inputs.rules) ? (plan.inputs.rules as { copyActions?: unknown[] }[]) : []));
      const copied = rules.length > 0 && rules.every((rule) => (rule.copyActions ?? []).length > 0) && ofType(resources, "aws:backup/vault:Vault").some((vault) => typeof vault.inputs.region === "string");
      const locked = ofType(resources, "aws:backup/vaultLockConfiguration:VaultLockConfiguration").length > 0;
      return copied || locked ? [] : ["recovery points stay in one region and can be deleted; set pgplat:aws.backupReplicaRegion (copies to another region) or pgplat:aws.backupPlan.vaultLock"];
    },
  },
  {
    name: "backup-command-in-image",
    description: "The backup task's command is installed by the image it runs, whose pg_dump has the engine's major version.",
    check: (resources) => {
      const engineVersion = rdsPrimaries(resources).map((instance) => instance.inputs.engineVersion).find((version): version is string => typeof version === "string");
      return ofType(resources, "aws:ecs/taskDefinition:TaskDefinition").flatMap((task) => backupContainerProblems(task, resources, engineVersion));
    },
  },
  {
    name: "prod-alarms-reach-someone",
    description: "In production, the alarm topic has at least one subscription.",
    check: (resources, context) => {
      if (!context.production || ofType(resources, "aws:sns/topic:Topic").length === 0) return [];
      return ofType(resources, "aws:sns/topicSubscription:TopicSubscription").length > 0 ? [] : ["the alarm topic has no subscription, so alarms reach no one; set pgplat:aws.alarmEmail (and confirm the subscription mail)"];
    },
  },
];

function backupContainerProblems(task: CheckedResource, resources: readonly CheckedResource[], engineVersion: string | undefined): string[] {
  if (typeof task.inputs.containerDefinitions !== "string") return [];
  const containers = JSON.parse(task.inputs.containerDefinitions) as { name: string; image?: string; command?: string[] }[];
  return containers.flatMap((container) => {
    const command = container.command?.[0];
    if (command !== "pgplat-backup") return [];
    const built = ofType(resources, "docker:index/image:Image").find((image) => image.inputs.imageName === container.image);
    const build = built?.inputs.build as { dockerfile?: string; args?: Record<string, string> } | undefined;
    if (!build?.dockerfile) return [`container ${container.name} runs ${command} from ${container.image}, which no image build in the stack defines; only an image built from scripts/container/backup.Dockerfile installs it`];
    // Build paths are relative to the project, where Pulumi runs the program.
    const file = path.join(__dirname, "..", build.dockerfile);
    if (!existsSync(file)) return [`container ${container.name}: its image's Dockerfile ${build.dockerfile} does not exist`];
    const facts = dockerfileFacts(readFileSync(file, "utf8"), build.args ?? {});
    return backupImageProblems(facts, command, engineVersion).map((problem) => `container ${container.name}: ${problem}`);
  });
}

/** Runs every stack policy over a graph. */
export function checkStack(resources: readonly CheckedResource[], context: PolicyContext): Violation[] {
  return stackPolicies.flatMap((policy) => policy.check(resources, context).map((message) => ({ policy: policy.name, resource: "stack", message })));
}
