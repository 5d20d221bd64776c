import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkResources } from "../../policy/rules";
import { SecretValue, type RecordedGraph } from "../../recording/recorder";
import { recordStack, resource, secretText } from "../support/graph";

let graph: RecordedGraph;
beforeAll(() => {
  ({ graph } = recordStack(path.join(__dirname, "..", "fixtures", "Pulumi.prod-proxy.yaml"), "prod-proxy"));
});

describe("prod stack with RDS Proxy as the pooler", () => {
  it("creates a TLS-only proxy that authenticates the pooled logins with SCRAM from per-login secrets", () => {
    const proxy = resource(graph, "pgplat-aws-proxy-proxy");
    expect(proxy.inputs).toMatchObject({
      name: "pgplat-prod-proxy-proxy",
      engineFamily: "POSTGRESQL",
      requireTls: true,
      vpcSubnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
      vpcSecurityGroupIds: ["pgplat-aws-proxy-sg-id"],
    });
    const auths = proxy.inputs.auths as {
      authScheme: string;
      clientPasswordAuthType: string;
      iamAuth: string;
      description: string;
    }[];
    expect(auths.map((auth) => [auth.description, auth.authScheme, auth.clientPasswordAuthType, auth.iamAuth])).toEqual(
      [
        ["app_user", "SECRETS", "POSTGRES_SCRAM_SHA_256", "DISABLED"],
        ["app_reporting", "SECRETS", "POSTGRES_SCRAM_SHA_256", "DISABLED"],
        ["app_monitoring", "SECRETS", "POSTGRES_SCRAM_SHA_256", "DISABLED"],
      ],
    );
    expect(JSON.parse(secretText(resource(graph, "pgplat-aws-proxy-app_user-version").inputs.secretString))).toEqual({
      username: "app_user",
      password: expect.stringMatching(/^[A-Za-z0-9]{20,}$/),
    });
  });

  it("caps the proxy at the pool budget's share of max_connections and targets the primary", () => {
    // 3 pooled logins × (40 + 10) = 150 of 400 connections.
    expect(resource(graph, "pgplat-aws-proxy-targets").inputs.connectionPoolConfig).toEqual({
      maxConnectionsPercent: 38,
      maxIdleConnectionsPercent: 19,
      connectionBorrowTimeout: 60,
    });
    expect(resource(graph, "pgplat-aws-proxy-target").inputs).toEqual({
      dbProxyName: "pgplat-prod-proxy-proxy",
      targetGroupName: "default",
      dbInstanceIdentifier: "pgplat-prod-proxy-postgres",
    });
    expect(resource(graph, "pgplat-aws-network-postgres-from-proxy").inputs).toMatchObject({
      referencedSecurityGroupId: "pgplat-aws-proxy-sg-id",
    });
  });

  it("exposes the same outputs as PgBouncer would, with TLS in the pooled URIs, and no Fargate pooler or its alarms", () => {
    expect(graph.outputs.pooler).toEqual({
      kind: "rds-proxy",
      host: "pgplat-prod-proxy-proxy.proxy-fake.eu-west-1.rds.amazonaws.com",
      port: 5432,
    });
    expect(graph.outputs.pgbouncer).toEqual({
      host: "pgplat-prod-proxy-proxy.proxy-fake.eu-west-1.rds.amazonaws.com",
      port: 5432,
    });
    const uris = (graph.outputs.connectionUris as SecretValue).value as Record<string, string>;
    expect(uris.app_user).toMatch(
      /@pgplat-prod-proxy-proxy\.proxy-fake\.eu-west-1\.rds\.amazonaws\.com:5432\/app\?sslmode=require$/,
    );
    expect(
      graph.resources.filter(
        (entry) => entry.type === "aws:ecs/service:Service" || entry.name.startsWith("pgplat-aws-alarms-pooler"),
      ),
    ).toEqual([]);
    expect(checkResources(graph.resources, { production: true })).toEqual([]);
  });
});
