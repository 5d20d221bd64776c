import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { nameable } from "../../secrets/stackSecrets";

/** Where a client-facing service runs and who may reach it: the same for the database, the pooler and the cache. */
export interface ServicePlacement {
  readonly namePrefix: string;
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: readonly pulumi.Input<string>[];
  readonly allowedCidrs: readonly string[];
  readonly allowedSecurityGroupIds: readonly string[];
}

export interface IngressSource {
  /** Part of the rule's resource name and description. */
  readonly label: string;
  readonly source: Pick<aws.vpc.SecurityGroupIngressRuleArgs, "cidrIpv4" | "cidrIpv6" | "referencedSecurityGroupId">;
}

/**
 * The configured clients as rule sources: each CIDR (v4 or v6) and each security group, one rule each.
 * A source the stack encrypts is labelled by its position, since a resource name cannot be secret.
 */
export function clientSources(cidrs: readonly string[], securityGroupIds: readonly string[]): IngressSource[] {
  const label = (text: string, fallback: string) => (nameable(text) ? text.replace(/[/:]/g, "_") : fallback);
  return [
    ...cidrs.map((cidr, index) => ({
      label: label(cidr, `encrypted-cidr-${index}`),
      source: cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr },
    })),
    ...securityGroupIds.map((group, index) => ({
      label: label(group, `encrypted-group-${index}`),
      source: { referencedSecurityGroupId: group },
    })),
  ];
}

/** One TCP ingress rule on one port, named `<name>-from-<label>`. */
export function ingressRule(
  name: string,
  parent: pulumi.Resource,
  rule: {
    readonly securityGroupId: pulumi.Input<string>;
    readonly port: number;
    readonly service: string;
    readonly tags: Record<string, string>;
  } & IngressSource,
): aws.vpc.SecurityGroupIngressRule {
  return new aws.vpc.SecurityGroupIngressRule(
    `${name}-from-${rule.label}`,
    {
      securityGroupId: rule.securityGroupId,
      ipProtocol: "tcp",
      fromPort: rule.port,
      toPort: rule.port,
      description: `${rule.service} from ${rule.label}`,
      ...rule.source,
      tags: rule.tags,
    },
    { parent },
  );
}
