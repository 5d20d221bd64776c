/** Subnets of the minimal VPC: two private /20s in two zones for the platform, one public /24 for the NAT gateway. */
export interface VpcLayout {
  readonly privateSubnets: readonly { readonly cidr: string; readonly zone: string }[];
  readonly publicSubnet: { readonly cidr: string; readonly zone: string };
}

export function minimalVpcLayout(vpcCidr: string, region: string): VpcLayout {
  const match = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.exec(vpcCidr);
  if (!match) throw new Error(`the minimal VPC needs a /16, got ${vpcCidr}`);
  const prefix = `${match[1]}.${match[2]}`;
  // Zone letters a and b exist in every commercial region.
  return {
    privateSubnets: ["a", "b"].map((letter, index) => ({ cidr: `${prefix}.${index * 16}.0/20`, zone: `${region}${letter}` })),
    publicSubnet: { cidr: `${prefix}.240.0/24`, zone: `${region}a` },
  };
}
