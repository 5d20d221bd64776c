/**
 * Guardrails that judge resources together: what several resources mean as a
 * whole, which no single one shows. Pure functions over the graph, shared by
 * the policy pack and `npm run plan` (through checkResources).
 */
import type { CheckedResource, PolicyContext, Violation } from "./rules";
import { ingressOf, openToTheInternet } from "./rules";

export interface StackPolicy {
  readonly name: string;
  readonly description: string;
  readonly check: (resources: readonly CheckedResource[], context: PolicyContext) => Violation[];
}

const standaloneRuleTypes = new Set(["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"]);
const alarmType = "aws:cloudwatch/metricAlarm:MetricAlarm";
const subscriptionType = "aws:sns/topicSubscription:TopicSubscription";

export const stackPolicies: readonly StackPolicy[] = [
  {
    name: "no-database-ports-open-to-the-internet",
    description: "The standalone ingress rules of one security group do not, together, open a database port to the whole internet.",
    check: (resources) => {
      const bySecurityGroup = new Map<string, CheckedResource[]>();
      for (const resource of resources.filter((candidate) => standaloneRuleTypes.has(candidate.type) && ingressOf(candidate).length > 0)) {
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
    description: "In production, every CloudWatch alarm notifies an SNS topic that has a subscription: an alarm that reaches no one is a defect.",
    check: (resources, context) => {
      if (!context.production) return [];
      const subscriptions = resources.filter((resource) => resource.type === subscriptionType);
      const subscribedTopics = new Set(subscriptions.map((subscription) => subscription.inputs.topic));
      const violations: Violation[] = [];
      const unreachedTopics = new Map<string, string[]>();
      for (const alarm of resources.filter((resource) => resource.type === alarmType)) {
        const actions = (alarm.inputs.alarmActions ?? []) as unknown[];
        if (actions.length === 0) violations.push({ policy: "production-alarms-reach-someone", resource: alarm.name, message: "the alarm has no alarmActions, so it notifies no one" });
        // A topic ARN not known yet (preview of a new stack) is matched by the stack having any subscription.
        else if (!actions.some((action) => (typeof action === "string" ? subscribedTopics.has(action) : subscriptions.length > 0))) {
          const topics = actions.map(String).join(", ");
          unreachedTopics.set(topics, [...(unreachedTopics.get(topics) ?? []), alarm.name]);
        }
      }
      for (const [topics, alarms] of unreachedTopics) {
        violations.push({ policy: "production-alarms-reach-someone", resource: topics, message: `${alarms.length} alarm(s) notify this topic, which has no subscription (${alarms.join(", ")}): set pgplat:aws.alarmEmail (or subscribe the topic) so they reach someone` });
      }
      return violations;
    },
  },
];
