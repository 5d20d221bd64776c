import { describe, expect, it } from "vitest";
import { formatIssues, looksLikeCredential, parseStackConfig, type ConfigIssue } from "../../config";

function messageFor(raw: Record<string, unknown>): string {
  const result = parseStackConfig(raw);
  if (result.ok) throw new Error("expected the config to be rejected");
  return formatIssues(result.issues);
}

describe("config error messages never print a credential", () => {
  it("hides a value typed into a wrong key whose name looks like a credential", () => {
    const message = messageFor({ target: "aws", aws: { region: "eu-west-1", adminPasword: "hunter2-correct-horse" } });
    expect(message).toContain("pgplat:aws.adminPasword = [hidden: looks like a credential]: no such key in pgplat:aws");
    expect(message).not.toContain("hunter2");
  });

  it("hides a value whose content looks like a credential, whatever its key", () => {
    const values = [
      "postgresql://app:s3cr3t-pw@db.internal:5432/app",
      "AKIAIOSFODNN7EXAMPLE",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ];
    for (const value of values) {
      const message = messageFor({ target: "docker", postgres: { databaseUrl: value } });
      expect(message).toContain("pgplat:postgres.databaseUrl = [hidden: looks like a credential]");
      expect(message).not.toContain(value);
    }
    expect(
      messageFor({ target: "docker", notes: { nested: ["x", "-----BEGIN RSA PRIVATE KEY-----\nabc"] } }),
    ).not.toContain("BEGIN RSA");
  });

  it("still prints ordinary values, so the message stays useful", () => {
    expect(
      messageFor({
        target: "aws",
        aws: {
          region: "eu-west-1",
          vpcId: "vpc-123",
          subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        },
      }),
    ).toContain('pgplat:aws.vpcId = "vpc-123"');
    const issue: ConfigIssue = { key: "pgplat:aws.region", value: "eu-wset-1", allowed: "a region" };
    expect(formatIssues([issue])).toContain('= "eu-wset-1"');
    expect(looksLikeCredential("pgplat:aws.subnetIds[0]", "subnet-0123456789abcdef0")).toBe(false);
    expect(
      looksLikeCredential("pgplat:aws.poolerCertificateArn", "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c"),
    ).toBe(false);
  });
});
