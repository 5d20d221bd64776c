import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { secretReadingExecutionRole } from "./executionRole";
import { clientSources, ingressRule, type ServicePlacement } from "./ingress";

export interface PoolerArgs extends ServicePlacement {
  readonly region: string;
  readonly image: string;
  readonly logRetentionDays: number;
  /** pgbouncer.ini rendered by render/platformFiles.ts for this target. */
  readonly pgbouncerIni: pulumi.Input<string>;
  /** Secret: SCRAM verifiers. */
  readonly userlist: pulumi.Input<string>;
  readonly fileDescriptorLimit: number;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly tasks: number;
  /** ACM certificate of a TLS listener on the NLB (port 6432). @default a plain TCP listener */
  readonly certificateArn?: string;
}

export const poolerPort = 6432;
/** Where the container writes the files it receives through its environment. */
export const poolerLayout = Object.freeze({
  listenAddr: "0.0.0.0",
  listenPort: poolerPort,
  authFile: "/tmp/userlist.txt",
});

/**
 * Writes the ini and the userlist (which arrives from Secrets Manager) from
 * the environment into PGBOUNCER_DIR (default /tmp, matching authFile) and runs PgBouncer.
 */
export const poolerStartScript = [
  "set -eu",
  "umask 077",
  'dir="${PGBOUNCER_DIR:-/tmp}"',
  'printf \'%s\' "$PGBOUNCER_INI" > "$dir/pgbouncer.ini"',
  'printf \'%s\' "$PGBOUNCER_USERLIST" > "$dir/userlist.txt"',
  'exec pgbouncer "$dir/pgbouncer.ini"',
].join("\n");

/** PgBouncer on ECS Fargate behind an internal NLB, configured by the same render code as Docker. */
export class Pooler extends pulumi.ComponentResource {
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly cluster: aws.ecs.Cluster;
  readonly service: aws.ecs.Service;

  constructor(name: string, args: PoolerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:Pooler", name, {}, opts);
    const child = { parent: this };
    const tags = { "pgplat:stack": args.namePrefix };
    const lbSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-nlb-sg`,
      {
        namePrefix: `${args.namePrefix}-pooler-nlb-`,
        description: `${args.namePrefix}: pooler clients`,
        vpcId: args.vpcId,
        tags,
      },
      child,
    );
    for (const client of clientSources(args.allowedCidrs, args.allowedSecurityGroupIds)) {
      ingressRule(name, this, {
        securityGroupId: lbSecurityGroup.id,
        port: poolerPort,
        service: "PgBouncer",
        tags,
        ...client,
      });
    }
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-nlb-to-tasks`,
      {
        securityGroupId: lbSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: poolerPort,
        toPort: poolerPort,
        cidrIpv4: "0.0.0.0/0",
        description: "to PgBouncer tasks",
        tags,
      },
      child,
    );
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-tasks-sg`,
      {
        namePrefix: `${args.namePrefix}-pooler-`,
        description: `${args.namePrefix}: PgBouncer tasks`,
        vpcId: args.vpcId,
        egress: [
          { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "PostgreSQL and AWS APIs" },
        ],
        tags,
      },
      child,
    );
    ingressRule(name, this, {
      securityGroupId: this.securityGroup.id,
      port: poolerPort,
      service: "PgBouncer",
      tags,
      label: "nlb",
      source: { referencedSecurityGroupId: lbSecurityGroup.id },
    });

    const userlistSecret = new aws.secretsmanager.Secret(
      `${name}-userlist`,
      { namePrefix: `${args.namePrefix}-pgbouncer-userlist-`, kmsKeyId: args.kmsKeyArn, recoveryWindowInDays: 7, tags },
      child,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-userlist-version`,
      { secretId: userlistSecret.id, secretString: pulumi.secret(args.userlist) },
      child,
    );
    const executionRole = secretReadingExecutionRole(`${name}-execution-role`, this, {
      namePrefix: `${args.namePrefix}-pooler-exec-`,
      secretArns: [userlistSecret.arn],
      kmsKeyArn: args.kmsKeyArn,
    });
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/pgplat/${args.namePrefix}/pgbouncer`, retentionInDays: args.logRetentionDays, tags },
      child,
    );
    const cluster = (this.cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { name: `${args.namePrefix}-pooler`, settings: [{ name: "containerInsights", value: "enabled" }], tags },
      child,
    ));
    const taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: `${args.namePrefix}-pgbouncer`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "512",
        memory: "1024",
        executionRoleArn: executionRole.arn,
        containerDefinitions: pulumi
          .all([userlistSecret.arn, logGroup.name, args.pgbouncerIni])
          .apply(([secretArn, logGroupName, pgbouncerIni]) =>
            JSON.stringify([
              {
                name: "pgbouncer",
                image: args.image,
                essential: true,
                entryPoint: ["/bin/sh", "-c"],
                command: [poolerStartScript],
                portMappings: [{ containerPort: poolerPort, protocol: "tcp" }],
                environment: [{ name: "PGBOUNCER_INI", value: pgbouncerIni }],
                secrets: [{ name: "PGBOUNCER_USERLIST", valueFrom: secretArn }],
                ulimits: [{ name: "nofile", softLimit: args.fileDescriptorLimit, hardLimit: args.fileDescriptorLimit }],
                logConfiguration: {
                  logDriver: "awslogs",
                  options: {
                    "awslogs-group": logGroupName,
                    "awslogs-region": args.region,
                    "awslogs-stream-prefix": "pgbouncer",
                  },
                },
              },
            ]),
          ),
        tags,
      },
      child,
    );
    this.loadBalancer = new aws.lb.LoadBalancer(
      `${name}-nlb`,
      {
        name: `${args.namePrefix}-pooler`.slice(0, 32),
        internal: true,
        loadBalancerType: "network",
        subnets: [...args.subnetIds],
        securityGroups: [lbSecurityGroup.id],
        enableCrossZoneLoadBalancing: true,
        tags,
      },
      child,
    );
    const targetGroup = (this.targetGroup = new aws.lb.TargetGroup(
      `${name}-targets`,
      {
        namePrefix: "pgb-",
        port: poolerPort,
        protocol: "TCP",
        targetType: "ip",
        vpcId: args.vpcId,
        // PgBouncer drains transactions on SIGINT; give clients time to finish.
        deregistrationDelay: 60,
        healthCheck: {
          protocol: "TCP",
          port: String(poolerPort),
          interval: 10,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
        tags,
      },
      child,
    ));
    new aws.lb.Listener(
      `${name}-listener`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: poolerPort,
        ...(args.certificateArn
          ? { protocol: "TLS", certificateArn: args.certificateArn, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" }
          : { protocol: "TCP" }),
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags,
      },
      child,
    );
    this.service = new aws.ecs.Service(
      `${name}-service`,
      {
        name: "pgbouncer",
        cluster: cluster.arn,
        taskDefinition: taskDefinition.arn,
        desiredCount: args.tasks,
        launchType: "FARGATE",
        networkConfiguration: {
          subnets: [...args.subnetIds],
          securityGroups: [this.securityGroup.id],
          assignPublicIp: false,
        },
        loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: "pgbouncer", containerPort: poolerPort }],
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        propagateTags: "SERVICE",
        tags,
      },
      child,
    );
    this.registerOutputs({});
  }
}
