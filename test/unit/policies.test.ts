import { describe, expect, it } from "vitest";
import { plainSecretOutputs, resourcePolicies, type CheckedResource } from "../../policy/rules";

const production = { production: true };
const resource = (type: string, inputs: Record<string, unknown>): CheckedResource => ({ type, name: "r", inputs });
// The per-resource rules alone: the stack-wide ones (policy/stackRules.ts) have their own tests.
const resourceViolations = (resources: readonly CheckedResource[], context = production) =>
  resources.flatMap((candidate) =>
    resourcePolicies.flatMap((policy) =>
      policy.check(candidate, context).map((message) => ({ policy: policy.name, resource: candidate.name, message })),
    ),
  );
const messages = (candidate: CheckedResource, context = production) =>
  resourceViolations([candidate], context).map((violation) => `${violation.policy}: ${violation.message}`);

const secureRds = {
  storageEncrypted: true,
  publiclyAccessible: false,
  deletionProtection: true,
  skipFinalSnapshot: false,
  backupRetentionPeriod: 14,
};

describe("guardrail policies, called with hand-built resources", () => {
  it("pass secure resources", () => {
    const secure = [
      resource("aws:rds/instance:Instance", secureRds),
      resource("aws:rds/parameterGroup:ParameterGroup", { parameters: [{ name: "rds.force_ssl", value: "1" }] }),
      resource("aws:elasticache/replicationGroup:ReplicationGroup", {
        transitEncryptionEnabled: true,
        atRestEncryptionEnabled: true,
        authToken: "t",
      }),
      resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
      resource("aws:s3/bucketVersioning:BucketVersioning", { versioningConfiguration: { status: "Enabled" } }),
      resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
      }),
      resource("aws:s3/bucketPolicy:BucketPolicy", {
        policy: JSON.stringify({
          Statement: [{ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }],
        }),
      }),
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrIpv4: "10.0.0.0/16",
      }),
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      }),
    ];
    expect(resourceViolations(secure)).toEqual([]);
  });

  it.each([
    [
      resource("aws:rds/instance:Instance", { ...secureRds, storageEncrypted: false }),
      "rds-encrypted: storageEncrypted must be true",
    ],
    [
      resource("aws:rds/instance:Instance", { ...secureRds, publiclyAccessible: true }),
      "rds-not-public: publiclyAccessible must be false",
    ],
    [
      resource("aws:rds/instance:Instance", { ...secureRds, deletionProtection: false }),
      "rds-production-safety: deletionProtection must be true in production",
    ],
    [
      resource("aws:rds/instance:Instance", { ...secureRds, skipFinalSnapshot: true }),
      "rds-production-safety: skipFinalSnapshot must be false in production",
    ],
    [
      resource("aws:rds/instance:Instance", { ...secureRds, backupRetentionPeriod: 3 }),
      "rds-production-safety: backupRetentionPeriod is 3; production needs at least 7 days",
    ],
    [
      resource("aws:rds/parameterGroup:ParameterGroup", { parameters: [{ name: "rds.force_ssl", value: "0" }] }),
      "rds-force-ssl: parameter rds.force_ssl must be 1",
    ],
    [
      resource("aws:elasticache/replicationGroup:ReplicationGroup", {
        transitEncryptionEnabled: false,
        atRestEncryptionEnabled: true,
        authToken: "t",
      }),
      "elasticache-encrypted-with-auth: transitEncryptionEnabled must be true",
    ],
    [
      resource("aws:elasticache/replicationGroup:ReplicationGroup", {
        transitEncryptionEnabled: true,
        atRestEncryptionEnabled: false,
        authToken: "t",
      }),
      "elasticache-encrypted-with-auth: atRestEncryptionEnabled must be true",
    ],
    [
      resource("aws:elasticache/replicationGroup:ReplicationGroup", {
        transitEncryptionEnabled: true,
        atRestEncryptionEnabled: true,
      }),
      "elasticache-encrypted-with-auth: authToken must be set",
    ],
    [
      resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
        blockPublicAcls: true,
        blockPublicPolicy: false,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
      "s3-public-access-blocked: blockPublicPolicy must be true",
    ],
    [
      resource("aws:s3/bucketVersioning:BucketVersioning", { versioningConfiguration: { status: "Suspended" } }),
      "s3-versioning: versioning must be Enabled",
    ],
    [
      resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      }),
      "s3-encrypted: default encryption must be aws:kms",
    ],
    [
      resource("aws:s3/bucketPolicy:BucketPolicy", { policy: { Statement: [{ Effect: "Allow" }] } }),
      "s3-tls-only: the policy must deny aws:SecureTransport = false",
    ],
    [
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrIpv4: "0.0.0.0/0",
      }),
      "no-database-ports-open-to-the-internet: port 5432 open to the whole IPv4 internet (0.0.0.0/0)",
    ],
    [
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        ipProtocol: "tcp",
        fromPort: 6000,
        toPort: 7000,
        cidrIpv6: "::/0",
      }),
      "no-database-ports-open-to-the-internet: ports 6432, 6379 open to the whole IPv6 internet (::/0)",
    ],
    [
      resource("aws:ec2/securityGroup:SecurityGroup", {
        ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      }),
      "no-database-ports-open-to-the-internet: ports 5432, 6432, 6379 open to the whole IPv4 internet (0.0.0.0/0)",
    ],
    [
      resource("aws:ec2/securityGroupRule:SecurityGroupRule", {
        type: "ingress",
        protocol: "tcp",
        fromPort: 6379,
        toPort: 6379,
        cidrBlocks: ["0.0.0.0/0"],
      }),
      "no-database-ports-open-to-the-internet: port 6379 open to the whole IPv4 internet (0.0.0.0/0)",
    ],
  ])("trip on %j", (candidate, expected) => {
    expect(messages(candidate)).toEqual([expected]);
  });

  it("do not ask read replicas for backups or final snapshots (the primary has them)", () => {
    expect(
      messages(
        resource("aws:rds/instance:Instance", {
          storageEncrypted: true,
          publiclyAccessible: false,
          replicateSourceDb: "primary",
          skipFinalSnapshot: true,
          backupRetentionPeriod: 0,
        }),
      ),
    ).toEqual([]);
  });

  it("apply the production rules to production stacks only", () => {
    expect(
      messages(
        resource("aws:rds/instance:Instance", { ...secureRds, deletionProtection: false, backupRetentionPeriod: 1 }),
        { production: false },
      ),
    ).toEqual([]);
  });

  it("cover every policy in these tests", () => {
    expect(resourcePolicies.map((policy) => policy.name)).toEqual([
      "rds-encrypted",
      "rds-not-public",
      "rds-production-safety",
      "rds-force-ssl",
      "elasticache-encrypted-with-auth",
      "s3-public-access-blocked",
      "s3-versioning",
      "s3-encrypted",
      "s3-tls-only",
      "docker-database-ports-not-on-every-interface",
      "no-database-ports-open-to-the-internet",
    ]);
  });
});

describe("no secret in a plain stack output", () => {
  const secret = Symbol("secret");
  const isSecret = (value: unknown) => typeof value === "object" && value !== null && secret in value;

  it("flags credential-named values and URIs with a password that are not secret", () => {
    expect(
      plainSecretOutputs(
        { dbPassword: "p", uris: { app: "postgresql://app:p4ss@db:5432/app" }, host: "db", port: 5432 },
        isSecret,
      ).map((violation) => violation.message),
    ).toEqual([
      "output dbPassword carries a credential in plain text; wrap it in pulumi.secret",
      "output uris.app carries a credential in plain text; wrap it in pulumi.secret",
    ]);
  });

  it("accepts secret values and plain endpoints", () => {
    expect(
      plainSecretOutputs(
        { connectionUris: { [secret]: true }, redis: { host: "127.0.0.1", port: 6379 }, url: "https://example.com/x" },
        isSecret,
      ),
    ).toEqual([]);
  });
});
