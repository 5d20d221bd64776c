import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { clientSources, ingressRule, type IngressSource, type ServicePlacement } from "./ingress";

export interface DatabaseNetworkArgs extends ServicePlacement {
  readonly port: number;
}

/**
 * The database's place in a bring-your-own VPC: a subnet group over private
 * subnets and a security group that admits PostgreSQL only from the allowed
 * clients, one rule each, and nothing else.
 */
export class DatabaseNetwork extends pulumi.ComponentResource {
  readonly subnetGroup: aws.rds.SubnetGroup;
  readonly securityGroup: aws.ec2.SecurityGroup;
  private readonly port: number;
  private readonly tags: Record<string, string>;

  constructor(name: string, args: DatabaseNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:DatabaseNetwork", name, {}, opts);
    const tags = { "pgplat:stack": args.namePrefix };
    this.port = args.port;
    this.tags = tags;
    this.subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      {
        namePrefix: `${args.namePrefix}-`,
        description: `${args.namePrefix}: private subnets for PostgreSQL`,
        subnetIds: [...args.subnetIds],
        tags,
      },
      { parent: this },
    );
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-postgres`,
      {
        namePrefix: `${args.namePrefix}-postgres-`,
        description: `${args.namePrefix}: PostgreSQL clients`,
        vpcId: args.vpcId,
        tags,
      },
      { parent: this },
    );
    for (const client of clientSources(args.allowedCidrs, args.allowedSecurityGroupIds)) this.rule(name, client);
    this.registerOutputs({});
  }

  /** Admits PostgreSQL clients from a security group (the platform's own pooler and tasks). */
  admit(name: string, label: string, securityGroupId: pulumi.Input<string>): aws.vpc.SecurityGroupIngressRule {
    return this.rule(name, { label, source: { referencedSecurityGroupId: securityGroupId } });
  }

  private rule(name: string, client: IngressSource): aws.vpc.SecurityGroupIngressRule {
    return ingressRule(`${name}-postgres`, this, {
      securityGroupId: this.securityGroup.id,
      port: this.port,
      service: "PostgreSQL",
      tags: this.tags,
      ...client,
    });
  }
}
