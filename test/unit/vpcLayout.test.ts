import { describe, expect, it } from "vitest";
import { minimalVpcLayout } from "../../components/aws/vpcLayout";

describe("minimalVpcLayout", () => {
  it("puts two private /20s in the first two zones the provider lists and a public /24 for the NAT gateway", () => {
    expect(minimalVpcLayout("10.42.0.0/16", ["us-east-1d", "us-east-1f", "us-east-1a"])).toEqual({
      privateSubnets: [
        { cidr: "10.42.0.0/20", zone: "us-east-1d" },
        { cidr: "10.42.16.0/20", zone: "us-east-1f" },
      ],
      publicSubnet: { cidr: "10.42.240.0/24", zone: "us-east-1d" },
    });
  });

  it("refuses anything but a /16", () => {
    expect(() => minimalVpcLayout("10.42.0.0/20", ["eu-west-1a", "eu-west-1b"])).toThrow(
      /needs a \/16, got 10.42.0.0\/20/,
    );
  });

  it("refuses a region with fewer than two zones, naming them", () => {
    expect(() => minimalVpcLayout("10.42.0.0/16", ["ap-east-2a"])).toThrow(
      "the minimal VPC needs 2 availability zones, the region offers 1 (ap-east-2a)",
    );
  });
});
