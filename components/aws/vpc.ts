import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { minimalVpcLayout, minimalVpcZoneCount } from "./vpcLayout";

export interface MinimalVpcArgs {
  readonly namePrefix: string;
  /** The VPC's address range; must be a /16. */
  readonly cidr: string;
}

/**
 * A small VPC for throwaway stacks: private subnets in two zones, and one NAT
 * gateway so Fargate tasks can pull images and reach AWS APIs. Production
 * stacks bring their own VPC.
 */
export class MinimalVpc extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string>[];

  constructor(name: string, args: MinimalVpcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:MinimalVpc", name, {}, opts);
    const child = { parent: this };
    const tags = (role: string) => ({ "pgplat:stack": args.namePrefix, Name: `${args.namePrefix}-${role}` });
    // The provider's region lists its zones (opt-in Local and Wavelength Zones left out), as awsx's VPC does.
    const zones = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      { parent: this },
    );
    const layout = zones.names.apply((names) => minimalVpcLayout(args.cidr, names));
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") },
      child,
    );
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, child);
    const publicSubnet = new aws.ec2.Subnet(
      `${name}-public`,
      {
        vpcId: vpc.id,
        cidrBlock: layout.publicSubnet.cidr,
        availabilityZone: layout.publicSubnet.zone,
        mapPublicIpOnLaunch: false,
        tags: tags("public"),
      },
      child,
    );
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public-routes`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }], tags: tags("public") },
      child,
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-public-routes`,
      { subnetId: publicSubnet.id, routeTableId: publicRoutes.id },
      child,
    );
    const address = new aws.ec2.Eip(`${name}-nat-ip`, { domain: "vpc", tags: tags("nat") }, child);
    const nat = new aws.ec2.NatGateway(
      `${name}-nat`,
      { allocationId: address.id, subnetId: publicSubnet.id, tags: tags("nat") },
      { ...child, dependsOn: [gateway] },
    );
    const privateRoutes = new aws.ec2.RouteTable(
      `${name}-private-routes`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: tags("private") },
      child,
    );
    this.privateSubnetIds = Array.from({ length: minimalVpcZoneCount }, (_, index) => {
      const subnet = layout.privateSubnets[index];
      const created = new aws.ec2.Subnet(
        `${name}-private-${index + 1}`,
        { vpcId: vpc.id, cidrBlock: subnet.cidr, availabilityZone: subnet.zone, tags: tags(`private-${index + 1}`) },
        child,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${index + 1}-routes`,
        { subnetId: created.id, routeTableId: privateRoutes.id },
        child,
      );
      return created.id;
    });
    this.vpcId = vpc.id;
    this.registerOutputs({});
  }
}
