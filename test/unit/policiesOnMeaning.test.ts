import { describe, expect, it } from "vitest";
import { coversWholeFamily, isCidr, parseCidr, type Cidr } from "../../policy/addressSpace";
import { checkResources, type CheckedResource } from "../../policy/rules";

const production = { production: true };
const ingressRule = (name: string, inputs: Record<string, unknown>): CheckedResource => ({
  type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  name,
  inputs: { securityGroupId: "sg-postgres", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, ...inputs },
});
const verdicts = (resources: readonly CheckedResource[], context = production) =>
  checkResources(resources, context).map(
    (violation) => `${violation.policy} [${violation.resource}]: ${violation.message}`,
  );
const ranges = (...cidrs: string[]) => cidrs.map(parseCidr).filter(isCidr) as Cidr[];

describe("address space", () => {
  it("parses IPv4 and IPv6 CIDRs however they are spelled, and says why a CIDR does not parse", () => {
    expect(parseCidr("0::0/0")).toEqual(parseCidr("::/0"));
    expect(parseCidr("0000:0000:0000:0000:0000:0000:0000:0000/0")).toEqual(parseCidr("::/0"));
    expect(parseCidr("10.1.2.3/0")).toEqual(parseCidr("0.0.0.0/0"));
    expect(parseCidr("::ffff:10.0.0.0/104")).toMatchObject({ family: 6, prefix: 104 });
    expect(parseCidr("10.0.0.0/33")).toEqual({ error: "the prefix length of an IPv4 CIDR is 0 to 32, not 33" });
    expect(parseCidr("2001:db8::/129")).toEqual({ error: "the prefix length of an IPv6 CIDR is 0 to 128, not 129" });
    expect(parseCidr("10.0.0.256/24")).toEqual({ error: "10.0.0.256 is not an IPv4 address" });
    expect(parseCidr("2001:db8::1::/64")).toEqual({
      error: "2001:db8::1::/64".split("/")[0] + " is not an IPv6 address",
    });
    expect(parseCidr("10.0.0.0")).toEqual({
      error: "must be an address and a prefix length, such as 10.0.0.0/16 or 2001:db8::/32",
    });
  });

  it("knows when ranges cover a whole family together, overlapping or not", () => {
    expect(coversWholeFamily(ranges("0.0.0.0/1", "128.0.0.0/1"), 4)).toBe(true);
    expect(coversWholeFamily(ranges("0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "10.0.0.0/8"), 4)).toBe(true);
    expect(coversWholeFamily(ranges("0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"), 4)).toBe(false);
    expect(coversWholeFamily(ranges("::/1", "8000::/1"), 6)).toBe(true);
    expect(coversWholeFamily(ranges("::/1", "8000::/1"), 4)).toBe(false);
  });
});

describe("open-to-the-internet guardrail judges the address space, not the text", () => {
  it.each([
    ["0.0.0.0/0 spelled with host bits", [{ cidrIpv4: "10.0.0.0/0" }], "IPv4", "10.0.0.0/0"],
    ["::/0 spelled out", [{ cidrIpv6: "0:0:0:0:0:0:0:0/0" }], "IPv6", "0:0:0:0:0:0:0:0/0"],
    ["::/0 spelled 0::0/0", [{ cidrIpv6: "0::0/0" }], "IPv6", "0::0/0"],
  ])("a single rule: %s", (_, rules, family, cidrs) => {
    expect(verdicts(rules.map((inputs, index) => ingressRule(`rule-${index}`, inputs)))).toEqual([
      `no-database-ports-open-to-the-internet [rule-0]: port 5432 open to the whole ${family} internet (${cidrs})`,
    ]);
  });

  it("two halves of the IPv4 internet on one security group are the whole internet", () => {
    expect(
      verdicts([ingressRule("low", { cidrIpv4: "0.0.0.0/1" }), ingressRule("high", { cidrIpv4: "128.0.0.0/1" })]),
    ).toEqual([
      "no-database-ports-open-to-the-internet [low, high]: together, the ingress rules of sg-postgres: port 5432 open to the whole IPv4 internet (0.0.0.0/1, 128.0.0.0/1)",
    ]);
  });

  it("halves of the IPv6 internet in one security group's inline rules are the whole internet", () => {
    const group: CheckedResource = {
      type: "aws:ec2/securityGroup:SecurityGroup",
      name: "sg",
      inputs: {
        ingress: [
          { protocol: "tcp", fromPort: 6379, toPort: 6379, ipv6CidrBlocks: ["::/1"] },
          { protocol: "tcp", fromPort: 6300, toPort: 6400, ipv6CidrBlocks: ["8000::/1"] },
        ],
      },
    };
    expect(verdicts([group])).toEqual([
      "no-database-ports-open-to-the-internet [sg]: port 6379 open to the whole IPv6 internet (::/1, 8000::/1)",
    ]);
  });

  it("leaves alone ranges that do not cover everything, other ports, and other security groups", () => {
    expect(
      verdicts([ingressRule("low", { cidrIpv4: "0.0.0.0/1" }), ingressRule("high", { cidrIpv4: "128.0.0.0/2" })]),
    ).toEqual([]);
    expect(
      verdicts([
        ingressRule("low", { cidrIpv4: "0.0.0.0/1" }),
        ingressRule("other-group", { securityGroupId: "sg-other", cidrIpv4: "128.0.0.0/1" }),
      ]),
    ).toEqual([]);
    expect(
      verdicts([
        ingressRule("low", { cidrIpv4: "0.0.0.0/1" }),
        ingressRule("https", { fromPort: 443, toPort: 443, cidrIpv4: "128.0.0.0/1" }),
      ]),
    ).toEqual([]);
    expect(verdicts([ingressRule("udp", { ipProtocol: "udp", cidrIpv4: "0.0.0.0/0" })])).toEqual([]);
  });
});

describe("production alarms must reach a subscriber", () => {
  const topicArn = "arn:aws:sns:eu-west-1:123456789012:pgplat-prod-alarms";
  const alarm = (inputs: Record<string, unknown>): CheckedResource => ({
    type: "aws:cloudwatch/metricAlarm:MetricAlarm",
    name: "rds-cpu",
    inputs,
  });
  const subscription = (inputs: Record<string, unknown>): CheckedResource => ({
    type: "aws:sns/topicSubscription:TopicSubscription",
    name: "email",
    inputs: { protocol: "email", endpoint: "oncall@example.com", ...inputs },
  });

  it("flags an alarm whose topic has no subscription, and an alarm with no action", () => {
    expect(
      verdicts([alarm({ alarmActions: [topicArn] }), { ...alarm({ alarmActions: [topicArn] }), name: "rds-memory" }]),
    ).toEqual([
      `production-alarms-reach-someone [${topicArn}]: 2 alarm(s) notify this topic, which has no subscription (rds-cpu, rds-memory): set pgplat:aws.alarmEmail (or subscribe the topic) so they reach someone`,
    ]);
    expect(verdicts([alarm({ alarmActions: [] }), subscription({ topic: topicArn })])).toEqual([
      "production-alarms-reach-someone [rds-cpu]: the alarm has no alarmActions, so it notifies no one",
    ]);
    expect(verdicts([alarm({})])).toEqual([
      "production-alarms-reach-someone [rds-cpu]: the alarm has no alarmActions, so it notifies no one",
    ]);
  });

  it("passes an alarm whose topic is subscribed, a topic not known yet when the stack subscribes one, and non-production stacks", () => {
    expect(verdicts([alarm({ alarmActions: [topicArn] }), subscription({ topic: topicArn })])).toEqual([]);
    expect(verdicts([alarm({ alarmActions: [undefined] }), subscription({ topic: undefined })])).toEqual([]);
    expect(
      verdicts([
        alarm({ alarmActions: [topicArn] }),
        subscription({ topic: "arn:aws:sns:eu-west-1:123456789012:other" }),
      ]),
    ).toHaveLength(1);
    expect(verdicts([alarm({ alarmActions: [topicArn] })], { production: false })).toEqual([]);
  });
});

describe("Docker ports published on every interface, however it is spelled", () => {
  const container = (ports: Record<string, unknown>[]): CheckedResource => ({
    type: "docker:index/container:Container",
    name: "pgplat-docker-postgres-container",
    inputs: { ports },
  });
  const dev = { production: false };

  it("refuses PostgreSQL, PgBouncer and Redis without an address or on an unspecified one", () => {
    for (const ip of [undefined, "", "0.0.0.0", "000.000.000.000", "::", "0:0:0:0:0:0:0:0", "[::]", "0::0"]) {
      expect([ip, verdicts([container([{ internal: 5432, ...(ip === undefined ? {} : { ip }) }])], dev)]).toEqual([
        ip,
        [
          `docker-database-ports-not-on-every-interface [pgplat-docker-postgres-container]: port 5432 is published on every interface of the host (${ip === undefined ? "no address" : ip}); bind it to an address (pgplat:docker.bindAddress, 127.0.0.1 by default)`,
        ],
      ]);
    }
    expect(verdicts([container([{ internal: 6379, ip: "0.0.0.0" }, { internal: 6432 }])], dev)).toHaveLength(2);
  });

  it("accepts loopback or a chosen address, and ports that are not a database's", () => {
    for (const ip of ["127.0.0.1", "::1", "192.168.1.20", "10.0.0.5"])
      expect([ip, verdicts([container([{ internal: 5432, ip }])], dev)]).toEqual([ip, []]);
    expect(verdicts([container([{ internal: 9090 }])], dev)).toEqual([]);
  });
});
