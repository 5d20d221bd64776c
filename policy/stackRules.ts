/**
 * Guardrails that judge resources together: what several resources mean as a
 * whole, which no single one shows (ingress rules that add up to the whole
 * internet, backups that exist and survive, a backup task that can run,
 * alarms that reach someone). Pure functions over the graph (the backup
 * Dockerfile is read from the project), shared by the policy pack and
 * `npm run plan` (through checkResources). Values still unknown at preview
 * (ARNs, JSON built from outputs) make a rule pass rather than guess.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { backupImageProblems, dockerfileFacts } from "../components/aws/backupImageFacts";
import type { CheckedResource, PolicyContext, Violation } from "./rules";
import { ingressOf, openToTheInternet } from "./rules";

export interface StackPolicy {
  readonly name: string;
  readonly description: string;
  readonly check: (resources: readonly CheckedResource[], context: PolicyContext) => Violation[];
}

const standaloneRuleTypes = new Set([
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:ec2/securityGroupRule:SecurityGroupRule",
]);
const alarmType = "aws:cloudwatch/metricAlarm:MetricAlarm";
const subscriptionType = "aws:sns/topicSubscription:TopicSubscription";

const ofType = (resources: readonly CheckedResource[], type: string) =>
  resources.filter((resource) => resource.type === type);
const rdsPrimaries = (resources: readonly CheckedResource[]) =>
  ofType(resources, "aws:rds/instance:Instance").filter((instance) => instance.inputs.replicateSourceDb === undefined);
/** A finding about the stack as a whole rather than one resource. */
const stackViolation = (policy: string, message: string): Violation => ({ policy, resource: "stack", message });

export const stackPolicies: readonly StackPolicy[] = [
  {
    name: "no-database-ports-open-to-the-internet",
    description:
      "The standalone ingress rules of one security group do not, together, open a database port to the whole internet.",
    check: (resources) => {
      const bySecurityGroup = new Map<string, CheckedResource[]>();
      for (const resource of resources.filter(
        (candidate) => standaloneRuleTypes.has(candidate.type) && ingressOf(candidate).length > 0,
      )) {
        const group = resource.inputs.securityGroupId;
        // A rule whose group is not known yet (preview) cannot be combined with others.
        if (typeof group !== "string") continue;
        bySecurityGroup.set(group, [...(bySecurityGroup.get(group) ?? []), resource]);
      }
      return [...bySecurityGroup.entries()].flatMap(([group, rules]) => {
        // A rule that is open on its own is already reported by the per-resource policy.
        if (rules.length < 2 || rules.some((rule) => openToTheInternet(ingressOf(rule)).length > 0)) return [];
        return openToTheInternet(rules.flatMap(ingressOf)).map((message) => ({
          policy: "no-database-ports-open-to-the-internet",
          resource: rules.map((rule) => rule.name).join(", "),
          message: `together, the ingress rules of ${group}: ${message}`,
        }));
      });
    },
  },
  {
    name: "production-alarms-reach-someone",
    description:
      "In production, every CloudWatch alarm notifies an SNS topic that has a subscription: an alarm that reaches no one is a defect.",
    check: (resources, context) => {
      if (!context.production) return [];
      const subscriptions = resources.filter((resource) => resource.type === subscriptionType);
      const subscribedTopics = new Set(subscriptions.map((subscription) => subscription.inputs.topic));
      const violations: Violation[] = [];
      const unreachedTopics = new Map<string, string[]>();
      for (const alarm of resources.filter((resource) => resource.type === alarmType)) {
        const actions = (alarm.inputs.alarmActions ?? []) as unknown[];
        if (actions.length === 0)
          violations.push({
            policy: "production-alarms-reach-someone",
            resource: alarm.name,
            message: "the alarm has no alarmActions, so it notifies no one",
          });
        // A topic ARN not known yet (preview of a new stack) is matched by the stack having any subscription.
        else if (
          !actions.some((action) =>
            typeof action === "string" ? subscribedTopics.has(action) : subscriptions.length > 0,
          )
        ) {
          const topics = actions.map(String).join(", ");
          unreachedTopics.set(topics, [...(unreachedTopics.get(topics) ?? []), alarm.name]);
        }
      }
      for (const [topics, alarms] of unreachedTopics) {
        violations.push({
          policy: "production-alarms-reach-someone",
          resource: topics,
          message: `${alarms.length} alarm(s) notify this topic, which has no subscription (${alarms.join(", ")}): set pgplat:aws.alarmEmail (or subscribe the topic) so they reach someone`,
        });
      }
      return violations;
    },
  },
  {
    name: "prod-aws-backup",
    description: "In production, AWS Backup protects every RDS primary with a plan and a selection.",
    check: (resources, context) => {
      if (!context.production || rdsPrimaries(resources).length === 0) return [];
      const selected = ofType(resources, "aws:backup/selection:Selection").some(
        (selection) => Array.isArray(selection.inputs.resources) && selection.inputs.resources.length > 0,
      );
      return selected && ofType(resources, "aws:backup/plan:Plan").length > 0
        ? []
        : [
            stackViolation(
              "prod-aws-backup",
              "the RDS primary has no AWS Backup plan and selection; set pgplat:aws.backupPlan.enabled to true",
            ),
          ];
    },
  },
  {
    name: "prod-backup-survives",
    description:
      "In production, AWS Backup copies every rule's recovery points to a vault in another region, or the vault is locked.",
    check: (resources, context) => {
      const plans = ofType(resources, "aws:backup/plan:Plan");
      if (!context.production || plans.length === 0) return [];
      const rules = plans.flatMap((plan) =>
        Array.isArray(plan.inputs.rules) ? (plan.inputs.rules as { copyActions?: unknown[] }[]) : [],
      );
      const copied =
        rules.length > 0 &&
        rules.every((rule) => (rule.copyActions ?? []).length > 0) &&
        ofType(resources, "aws:backup/vault:Vault").some((vault) => typeof vault.inputs.region === "string");
      const locked = ofType(resources, "aws:backup/vaultLockConfiguration:VaultLockConfiguration").length > 0;
      return copied || locked
        ? []
        : [
            stackViolation(
              "prod-backup-survives",
              "recovery points stay in one region and can be deleted; set pgplat:aws.backupReplicaRegion (copies to another region) or pgplat:aws.backupPlan.vaultLock",
            ),
          ];
    },
  },
  {
    name: "backup-command-in-image",
    description:
      "The backup task's command is installed by the image it runs, whose pg_dump has the engine's major version.",
    check: (resources) => {
      const engineVersion = rdsPrimaries(resources)
        .map((instance) => instance.inputs.engineVersion)
        .find((version): version is string => typeof version === "string");
      return ofType(resources, "aws:ecs/taskDefinition:TaskDefinition").flatMap((task) =>
        backupContainerProblems(task, resources, engineVersion).map((message) => ({
          policy: "backup-command-in-image",
          resource: task.name,
          message,
        })),
      );
    },
  },
];

function backupContainerProblems(
  task: CheckedResource,
  resources: readonly CheckedResource[],
  engineVersion: string | undefined,
): string[] {
  if (typeof task.inputs.containerDefinitions !== "string") return [];
  const containers = JSON.parse(task.inputs.containerDefinitions) as {
    name: string;
    image?: string;
    command?: string[];
  }[];
  return containers.flatMap((container) => {
    const command = container.command?.[0];
    if (command !== "pgplat-backup") return [];
    const built = ofType(resources, "docker:index/image:Image").find(
      (image) => image.inputs.imageName === container.image,
    );
    const build = built?.inputs.build as { dockerfile?: string; args?: Record<string, string> } | undefined;
    if (!build?.dockerfile)
      return [
        `container ${container.name} runs ${command} from ${container.image}, which no image build in the stack defines; only an image built from scripts/container/backup.Dockerfile installs it`,
      ];
    // Build paths are relative to the project, where Pulumi runs the program.
    const file = path.join(__dirname, "..", build.dockerfile);
    if (!existsSync(file))
      return [`container ${container.name}: its image's Dockerfile ${build.dockerfile} does not exist`];
    const facts = dockerfileFacts(readFileSync(file, "utf8"), build.args ?? {});
    return backupImageProblems(facts, command, engineVersion).map(
      (problem) => `container ${container.name}: ${problem}`,
    );
  });
}

/** Runs every stack policy over a graph. */
export function checkStack(resources: readonly CheckedResource[], context: PolicyContext): Violation[] {
  return stackPolicies.flatMap((policy) => policy.check(resources, context));
}
