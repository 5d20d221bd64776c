/**
 * Guardrails as pure functions over a resource's type token and inputs, so
 * they are tested without the Pulumi CLI and shared by the policy pack
 * (policy/pack) and `npm run plan`, which runs them on the recorded graph.
 */
export interface PolicyContext {
  /** Stricter rules for production stacks (deletion protection, 7-day backups). */
  readonly production: boolean;
}

export interface CheckedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface Violation {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

export interface ResourcePolicy {
  readonly name: string;
  readonly description: string;
  readonly check: (resource: CheckedResource, context: PolicyContext) => string[];
}

/** Ports of PostgreSQL, PgBouncer and Redis: never open to the internet. */
export const protectedPorts = [5432, 6432, 6379] as const;
const everywhere = new Set(["0.0.0.0/0", "::/0"]);

const ofType = (type: string, check: (inputs: Readonly<Record<string, unknown>>, context: PolicyContext) => string[]) => (resource: CheckedResource, context: PolicyContext) =>
  resource.type === type ? check(resource.inputs, context) : [];

export const resourcePolicies: readonly ResourcePolicy[] = [
  {
    name: "rds-encrypted",
    description: "RDS storage is encrypted.",
    check: ofType("aws:rds/instance:Instance", (inputs) => (inputs.storageEncrypted === true ? [] : ["storageEncrypted must be true"])),
  },
  {
    name: "rds-not-public",
    description: "RDS is not publicly accessible.",
    check: ofType("aws:rds/instance:Instance", (inputs) => (inputs.publiclyAccessible === true ? ["publiclyAccessible must be false"] : [])),
  },
  {
    name: "rds-production-safety",
    description: "In production, RDS primaries have deletion protection, a final snapshot and at least 7 days of backups.",
    check: ofType("aws:rds/instance:Instance", (inputs, context) => {
      // Read replicas hold no data of their own; the primary carries backups and snapshots.
      if (!context.production || inputs.replicateSourceDb !== undefined) return [];
      const problems: string[] = [];
      if (inputs.deletionProtection !== true) problems.push("deletionProtection must be true in production");
      if (inputs.skipFinalSnapshot === true) problems.push("skipFinalSnapshot must be false in production");
      if (typeof inputs.backupRetentionPeriod !== "number" || inputs.backupRetentionPeriod < 7) problems.push(`backupRetentionPeriod is ${String(inputs.backupRetentionPeriod)}; production needs at least 7 days`);
      return problems;
    }),
  },
  {
    name: "rds-force-ssl",
    description: "The RDS parameter group sets rds.force_ssl = 1.",
    check: ofType("aws:rds/parameterGroup:ParameterGroup", (inputs) => {
      const parameters = (inputs.parameters ?? []) as { name: string; value: string }[];
      return parameters.some((parameter) => parameter.name === "rds.force_ssl" && parameter.value === "1") ? [] : ["parameter rds.force_ssl must be 1"];
    }),
  },
  {
    name: "elasticache-encrypted-with-auth",
    description: "ElastiCache requires TLS in transit, encrypts at rest and requires an auth token.",
    check: ofType("aws:elasticache/replicationGroup:ReplicationGroup", (inputs) => {
      const problems: string[] = [];
      if (inputs.transitEncryptionEnabled !== true) problems.push("transitEncryptionEnabled must be true");
      if (inputs.atRestEncryptionEnabled !== true) problems.push("atRestEncryptionEnabled must be true");
      if (inputs.authToken === undefined || inputs.authToken === "") problems.push("authToken must be set");
      return problems;
    }),
  },
  {
    name: "s3-public-access-blocked",
    description: "S3 public access blocks are fully on.",
    check: ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", (inputs) =>
      ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].filter((flag) => inputs[flag] !== true).map((flag) => `${flag} must be true`),
    ),
  },
  {
    name: "s3-versioning",
    description: "S3 versioning is enabled.",
    check: ofType("aws:s3/bucketVersioning:BucketVersioning", (inputs) => ((inputs.versioningConfiguration as { status?: string } | undefined)?.status === "Enabled" ? [] : ["versioning must be Enabled"])),
  },
  {
    name: "s3-encrypted",
    description: "S3 default encryption is SSE-KMS.",
    check: ofType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", (inputs) => {
      const rules = (inputs.rules ?? []) as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } }[];
      return rules.some((rule) => rule.applyServerSideEncryptionByDefault?.sseAlgorithm === "aws:kms") ? [] : ["default encryption must be aws:kms"];
    }),
  },
  {
    name: "s3-tls-only",
    description: "S3 bucket policies deny requests without TLS.",
    check: ofType("aws:s3/bucketPolicy:BucketPolicy", (inputs) => (deniesInsecureTransport(inputs.policy) ? [] : ["the policy must deny aws:SecureTransport = false"])),
  },
  {
    name: "no-database-ports-open-to-the-internet",
    description: `No security group admits ${protectedPorts.join(", ")} from 0.0.0.0/0 or ::/0.`,
    check: (resource) => openIngress(resource).map((rule) => `ingress ${rule} reaches a database port from the whole internet`),
  },
];

function deniesInsecureTransport(policy: unknown): boolean {
  const document = typeof policy === "string" ? (JSON.parse(policy) as { Statement?: unknown[] }) : (policy as { Statement?: unknown[] } | undefined);
  return (document?.Statement ?? []).some((statement) => {
    const candidate = statement as { Effect?: string; Condition?: { Bool?: Record<string, string> } };
    return candidate.Effect === "Deny" && candidate.Condition?.Bool?.["aws:SecureTransport"] === "false";
  });
}

interface IngressShape {
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly protocol?: string;
  readonly ipProtocol?: string;
  readonly cidrBlocks?: string[];
  readonly ipv6CidrBlocks?: string[];
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
}

function openIngress(resource: CheckedResource): string[] {
  const rules: IngressShape[] =
    resource.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
      ? [resource.inputs as IngressShape]
      : resource.type === "aws:ec2/securityGroup:SecurityGroup"
        ? ((resource.inputs.ingress ?? []) as IngressShape[])
        : resource.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && resource.inputs.type === "ingress"
          ? [resource.inputs as IngressShape]
          : [];
  return rules
    .filter((rule) => [rule.cidrIpv4, rule.cidrIpv6, ...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])].some((cidr) => cidr !== undefined && everywhere.has(cidr)))
    .filter((rule) => coversProtectedPort(rule))
    .map((rule) => `${rule.fromPort ?? "all"}-${rule.toPort ?? "all"}`);
}

function coversProtectedPort(rule: IngressShape): boolean {
  const protocol = rule.ipProtocol ?? rule.protocol;
  if (protocol === "-1" || protocol === "all" || rule.fromPort === undefined) return true;
  return protectedPorts.some((port) => port >= (rule.fromPort ?? 0) && port <= (rule.toPort ?? rule.fromPort ?? 0));
}

/** Runs every resource policy over a graph. */
export function checkResources(resources: readonly CheckedResource[], context: PolicyContext): Violation[] {
  return resources.flatMap((resource) => resourcePolicies.flatMap((policy) => policy.check(resource, context).map((message) => ({ policy: policy.name, resource: resource.name, message }))));
}

const credentialKey = /password|secret|token|passphrase|credential/i;
const uriWithPassword = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^@\s]+@/i;

/**
 * "No secret in a plain stack output": a value whose key names a credential,
 * or that is a URI carrying a password, must be secret. `isSecret` tells how
 * the caller marks secret values.
 */
export function plainSecretOutputs(outputs: Readonly<Record<string, unknown>>, isSecret: (value: unknown) => boolean): Violation[] {
  const found: Violation[] = [];
  const visit = (value: unknown, path: string, key: string) => {
    if (isSecret(value)) return;
    if (typeof value === "string" && (credentialKey.test(key) || uriWithPassword.test(value))) {
      found.push({ policy: "no-plain-secret-outputs", resource: "stack outputs", message: `output ${path} carries a credential in plain text; wrap it in pulumi.secret` });
    } else if (value !== null && typeof value === "object") {
      for (const [childKey, child] of Object.entries(value)) visit(child, `${path}.${childKey}`, childKey);
    }
  };
  for (const [key, value] of Object.entries(outputs)) visit(value, key, key);
  return found;
}
