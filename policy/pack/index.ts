/**
 * The policy pack: `pulumi preview --policy-pack policy/pack`. It only wraps
 * the pure rules in policy/rules.ts (per resource) and policy/stackRules.ts
 * (whole stack); `npm run plan` runs the same rules.
 * Policy config: `production` (default true) turns on the production rules.
 */
import { PolicyPack, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { resourcePolicies } from "../rules";
import { stackPolicies } from "../stackRules";

const policies: ResourceValidationPolicy[] = resourcePolicies.map((policy) => ({
  name: policy.name,
  description: policy.description,
  enforcementLevel: "mandatory",
  configSchema: { properties: { production: { type: "boolean", default: true } } },
  validateResource: (args, reportViolation) => {
    const { production } = args.getConfig<{ production: boolean }>();
    for (const message of policy.check({ type: args.type, name: args.name, inputs: args.props }, { production })) reportViolation(message);
  },
}));

const stackWide: StackValidationPolicy[] = stackPolicies.map((policy) => ({
  name: policy.name,
  description: policy.description,
  enforcementLevel: "mandatory",
  configSchema: { properties: { production: { type: "boolean", default: true } } },
  validateStack: (args, reportViolation) => {
    const { production } = args.getConfig<{ production: boolean }>();
    for (const message of policy.check(args.resources.map((resource) => ({ type: resource.type, name: resource.name, inputs: resource.props })), { production })) reportViolation(message);
  },
}));

new PolicyPack("pgplat-guardrails", { policies: [...policies, ...stackWide] });
