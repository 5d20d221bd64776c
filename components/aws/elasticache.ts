import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { clientSources, ingressRule, type ServicePlacement } from "./ingress";

export interface CacheArgs extends ServicePlacement {
  readonly engine: "redis" | "valkey";
  readonly engineVersion: string;
  readonly nodeType: string;
  readonly nodes: number;
  readonly maxmemoryPolicy: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly snapshotRetentionDays: number;
  readonly maintenanceWindow: string;
  readonly protect: boolean;
}

export const cachePort = 6379;

/** ElastiCache for Redis/Valkey: TLS required, encrypted at rest, an auth token, failover across AZs when there is a replica. */
export class Cache extends pulumi.ComponentResource {
  readonly replicationGroup: aws.elasticache.ReplicationGroup;
  /** Secret. */
  readonly authToken: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:Cache", name, {}, opts);
    const child = { parent: this };
    const tags = { "pgplat:stack": args.namePrefix };
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        namePrefix: `${args.namePrefix}-redis-`,
        description: `${args.namePrefix}: Redis clients`,
        vpcId: args.vpcId,
        tags,
      },
      child,
    );
    for (const client of clientSources(args.allowedCidrs, args.allowedSecurityGroupIds)) {
      ingressRule(name, this, {
        securityGroupId: securityGroup.id,
        port: cachePort,
        service: "Redis",
        tags,
        ...client,
      });
    }
    const subnetGroup = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      {
        name: `${args.namePrefix}-redis`,
        description: `${args.namePrefix}: private subnets for Redis`,
        subnetIds: [...args.subnetIds],
        tags,
      },
      child,
    );
    const family = `${args.engine}${args.engineVersion.split(".")[0]}`;
    const parameterGroup = new aws.elasticache.ParameterGroup(
      `${name}-parameters`,
      {
        name: `${args.namePrefix}-${family}`,
        family,
        description: `${args.namePrefix}: tuned by pgplat`,
        parameters: [{ name: "maxmemory-policy", value: args.maxmemoryPolicy }],
        tags,
      },
      child,
    );
    // ElastiCache accepts printable ASCII except / " @ in tokens; letters and digits only keeps it simple.
    const token = new random.RandomPassword(`${name}-auth-token`, { length: 64, special: false }, child);
    this.authToken = pulumi.secret(token.result);
    const replicated = args.nodes > 1;
    this.replicationGroup = new aws.elasticache.ReplicationGroup(
      `${name}-group`,
      {
        replicationGroupId: `${args.namePrefix}-redis`,
        description: `${args.namePrefix}: Redis`,
        engine: args.engine,
        engineVersion: args.engineVersion,
        nodeType: args.nodeType,
        numCacheClusters: args.nodes,
        port: cachePort,
        parameterGroupName: parameterGroup.name,
        subnetGroupName: subnetGroup.name,
        securityGroupIds: [securityGroup.id],
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        atRestEncryptionEnabled: true,
        kmsKeyId: args.kmsKeyArn,
        authToken: this.authToken,
        // ROTATE keeps the old token valid while clients move to the new one.
        authTokenUpdateStrategy: "ROTATE",
        automaticFailoverEnabled: replicated,
        multiAzEnabled: replicated,
        snapshotRetentionLimit: args.snapshotRetentionDays,
        snapshotWindow: "02:00-03:00",
        maintenanceWindow: args.maintenanceWindow,
        autoMinorVersionUpgrade: false,
        tags,
      },
      { ...child, protect: args.protect, retainOnDelete: args.protect },
    );
    this.registerOutputs({});
  }
}
