/** Subnets of the minimal VPC: two private /20s in two zones for the platform, one public /24 for the NAT gateway. */
export interface VpcLayout {
  readonly privateSubnets: readonly { readonly cidr: string; readonly zone: string }[];
  readonly publicSubnet: { readonly cidr: string; readonly zone: string };
}

/** How many availability zones (and private subnets) the minimal VPC spans. */
export const minimalVpcZoneCount = 2;

/** `zones`: the region's availability zones as the provider lists them; the first ones are used. */
export function minimalVpcLayout(vpcCidr: string, zones: readonly string[]): VpcLayout {
  const match = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.exec(vpcCidr);
  if (!match) throw new Error(`the minimal VPC needs a /16, got ${vpcCidr}`);
  if (zones.length < minimalVpcZoneCount)
    throw new Error(
      `the minimal VPC needs ${minimalVpcZoneCount} availability zones, the region offers ${zones.length} (${zones.join(", ") || "none"})`,
    );
  const prefix = `${match[1]}.${match[2]}`;
  return {
    privateSubnets: zones
      .slice(0, minimalVpcZoneCount)
      .map((zone, index) => ({ cidr: `${prefix}.${index * 16}.0/20`, zone })),
    publicSubnet: { cidr: `${prefix}.240.0/24`, zone: zones[0] },
  };
}
