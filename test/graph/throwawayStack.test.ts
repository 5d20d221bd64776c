import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkResources } from "../../policy/rules";
import type { RecordedGraph } from "../../recording/recorder";
import { recordStack, resource } from "../support/graph";

let graph: RecordedGraph;
beforeAll(() => {
  ({ graph } = recordStack(path.join(__dirname, "..", "fixtures", "Pulumi.throwaway.yaml"), "throwaway"));
});

describe("a throwaway AWS stack without a VPC of its own", () => {
  it("creates a minimal VPC: private subnets in two zones behind one NAT gateway", () => {
    expect(resource(graph, "pgplat-aws-vpc-vpc").inputs).toMatchObject({
      cidrBlock: "10.42.0.0/16",
      enableDnsHostnames: true,
    });
    expect(resource(graph, "pgplat-aws-vpc-private-1").inputs).toMatchObject({
      cidrBlock: "10.42.0.0/20",
      availabilityZone: "eu-west-1a",
      vpcId: "pgplat-aws-vpc-vpc-id",
    });
    expect(resource(graph, "pgplat-aws-vpc-private-2").inputs).toMatchObject({
      cidrBlock: "10.42.16.0/20",
      availabilityZone: "eu-west-1b",
    });
    expect(resource(graph, "pgplat-aws-vpc-private-routes").inputs.routes).toEqual([
      { cidrBlock: "0.0.0.0/0", natGatewayId: "pgplat-aws-vpc-nat-id" },
    ]);
    expect(resource(graph, "pgplat-aws-vpc-public").inputs).toMatchObject({ mapPublicIpOnLaunch: false });
  });

  it("places the database, cache and pooler in those private subnets", () => {
    const privateSubnets = ["pgplat-aws-vpc-private-1-id", "pgplat-aws-vpc-private-2-id"];
    expect(resource(graph, "pgplat-aws-network-subnets").inputs.subnetIds).toEqual(privateSubnets);
    expect(resource(graph, "pgplat-aws-cache-subnets").inputs.subnetIds).toEqual(privateSubnets);
    expect(resource(graph, "pgplat-aws-pooler-nlb").inputs.subnets).toEqual(privateSubnets);
    expect(resource(graph, "pgplat-aws-network-postgres").inputs.vpcId).toBe("pgplat-aws-vpc-vpc-id");
  });

  it("can be torn down: nothing protected or retained, and the non-production rules still pass", () => {
    for (const name of [
      "pgplat-aws-kms-key",
      "pgplat-aws-rds-instance",
      "pgplat-aws-backup-bucket-bucket",
      "pgplat-aws-cache-group",
    ]) {
      expect([name, resource(graph, name).protect, resource(graph, name).retainOnDelete]).toEqual([name, false, false]);
    }
    expect(resource(graph, "pgplat-aws-rds-instance").inputs).toMatchObject({
      deletionProtection: false,
      multiAz: false,
    });
    expect(resource(graph, "pgplat-aws-cache-group").inputs).toMatchObject({
      automaticFailoverEnabled: false,
      multiAzEnabled: false,
      numCacheClusters: 1,
    });
    expect(checkResources(graph.resources, { production: false })).toEqual([]);
  });
});
