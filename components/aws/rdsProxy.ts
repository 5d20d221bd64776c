import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicy, secretsReadPolicy } from "./policies";
import { clientSources, ingressRule, type ServicePlacement } from "./ingress";

export interface RdsProxyArgs extends ServicePlacement {
  readonly instanceIdentifier: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The pooled logins and their passwords (secret): RDS Proxy authenticates them from Secrets Manager. */
  readonly logins: readonly { readonly name: string; readonly password: pulumi.Input<string> }[];
  /** Share of max_connections the proxy may open: the PgBouncer pool budget, as a percentage. */
  readonly maxConnectionsPercent: number;
}

export const proxyPort = 5432;

/** RDS Proxy as the pooler: TLS required, SCRAM from clients, one Secrets Manager secret per pooled login. */
export class RdsProxy extends pulumi.ComponentResource {
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly proxy: aws.rds.Proxy;

  constructor(name: string, args: RdsProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:RdsProxy", name, {}, opts);
    const child = { parent: this };
    const tags = { "pgplat:stack": args.namePrefix };
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        namePrefix: `${args.namePrefix}-proxy-`,
        description: `${args.namePrefix}: RDS Proxy clients`,
        vpcId: args.vpcId,
        egress: [
          { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"], description: "to PostgreSQL" },
        ],
        tags,
      },
      child,
    );
    for (const client of clientSources(args.allowedCidrs, args.allowedSecurityGroupIds)) {
      ingressRule(name, this, {
        securityGroupId: this.securityGroup.id,
        port: proxyPort,
        service: "RDS Proxy",
        tags,
        ...client,
      });
    }

    const secrets = args.logins.map((login) => {
      const secret = new aws.secretsmanager.Secret(
        `${name}-${login.name}`,
        {
          namePrefix: `${args.namePrefix}-proxy-${login.name}-`,
          kmsKeyId: args.kmsKeyArn,
          recoveryWindowInDays: 7,
          tags,
        },
        child,
      );
      new aws.secretsmanager.SecretVersion(
        `${name}-${login.name}-version`,
        {
          secretId: secret.id,
          secretString: pulumi.secret(
            pulumi.output(login.password).apply((password) => JSON.stringify({ username: login.name, password })),
          ),
        },
        child,
      );
      return secret;
    });
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        namePrefix: `${args.namePrefix}-proxy-`,
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("rds.amazonaws.com")),
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-secrets`,
      {
        role: role.name,
        policy: pulumi
          .all([pulumi.all(secrets.map((secret) => secret.arn)), args.kmsKeyArn])
          .apply(([secretArns, keyArn]) => JSON.stringify(secretsReadPolicy(secretArns, keyArn))),
      },
      child,
    );
    this.proxy = new aws.rds.Proxy(
      `${name}-proxy`,
      {
        name: `${args.namePrefix}-proxy`,
        engineFamily: "POSTGRESQL",
        requireTls: true,
        idleClientTimeout: 1800,
        roleArn: role.arn,
        vpcSubnetIds: [...args.subnetIds],
        vpcSecurityGroupIds: [this.securityGroup.id],
        auths: secrets.map((secret, index) => ({
          authScheme: "SECRETS",
          secretArn: secret.arn,
          iamAuth: "DISABLED",
          clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
          description: args.logins[index].name,
        })),
        tags,
      },
      child,
    );
    new aws.rds.ProxyDefaultTargetGroup(
      `${name}-targets`,
      {
        dbProxyName: this.proxy.name,
        connectionPoolConfig: {
          maxConnectionsPercent: args.maxConnectionsPercent,
          maxIdleConnectionsPercent: Math.floor(args.maxConnectionsPercent / 2),
          connectionBorrowTimeout: 60,
        },
      },
      child,
    );
    new aws.rds.ProxyTarget(
      `${name}-target`,
      { dbProxyName: this.proxy.name, targetGroupName: "default", dbInstanceIdentifier: args.instanceIdentifier },
      child,
    );
    this.registerOutputs({});
  }
}
