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
    for (const message of policy.check({ type: args.type, name: args.name, inputs: args.props }, { production }))
      reportViolation(message);
  },
}));

// Stack policies judge resources together; a name shared with a resource policy gets a suffix, as pack names must be unique.
const resourcePolicyNames = new Set(resourcePolicies.map((policy) => policy.name));
const stackValidation: StackValidationPolicy[] = stackPolicies.map((policy) => ({
  name: resourcePolicyNames.has(policy.name) ? `${policy.name}-together` : policy.name,
  description: policy.description,
  enforcementLevel: "mandatory",
  configSchema: { properties: { production: { type: "boolean", default: true } } },
  validateStack: (args, reportViolation) => {
    const { production } = args.getConfig<{ production: boolean }>();
    const resources = args.resources.map((resource) => ({
      type: resource.type,
      name: resource.name,
      inputs: resource.props,
    }));
    for (const violation of policy.check(resources, { production }))
      reportViolation(`${violation.resource}: ${violation.message}`);
  },
}));

new PolicyPack("pgplat-guardrails", { policies: [...policies, ...stackValidation] });
