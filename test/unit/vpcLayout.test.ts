import { describe, expect, it } from "vitest";
import { minimalVpcLayout } from "../../components/aws/vpcLayout";

describe("minimalVpcLayout", () => {
  it("puts two private /20s in two zones and a public /24 for the NAT gateway", () => {
    expect(minimalVpcLayout("10.42.0.0/16", "eu-west-1")).toEqual({
      privateSubnets: [
        { cidr: "10.42.0.0/20", zone: "eu-west-1a" },
        { cidr: "10.42.16.0/20", zone: "eu-west-1b" },
      ],
      publicSubnet: { cidr: "10.42.240.0/24", zone: "eu-west-1a" },
    });
  });

  it("refuses anything but a /16", () => {
    expect(() => minimalVpcLayout("10.42.0.0/20", "eu-west-1")).toThrow(/needs a \/16/);
  });
});
