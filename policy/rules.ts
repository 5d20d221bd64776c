import { isCidr, parseCidr, wholeFamiliesCovered } from "./addressSpace";
import { stackPolicies } from "./stackRules";

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

const ofType =
  (type: string, check: (inputs: Readonly<Record<string, unknown>>, context: PolicyContext) => string[]) =>
  (resource: CheckedResource, context: PolicyContext) =>
    resource.type === type ? check(resource.inputs, context) : [];

export const resourcePolicies: readonly ResourcePolicy[] = [
  {
    name: "rds-encrypted",
    description: "RDS storage is encrypted.",
    check: ofType("aws:rds/instance:Instance", (inputs) =>
      inputs.storageEncrypted === true ? [] : ["storageEncrypted must be true"],
    ),
  },
  {
    name: "rds-not-public",
    description: "RDS is not publicly accessible.",
    check: ofType("aws:rds/instance:Instance", (inputs) =>
      inputs.publiclyAccessible === true ? ["publiclyAccessible must be false"] : [],
    ),
  },
  {
    name: "rds-production-safety",
    description:
      "In production, RDS primaries have deletion protection, a final snapshot and at least 7 days of backups.",
    check: ofType("aws:rds/instance:Instance", (inputs, context) => {
      // Read replicas hold no data of their own; the primary carries backups and snapshots.
      if (!context.production || inputs.replicateSourceDb !== undefined) return [];
      const problems: string[] = [];
      if (inputs.deletionProtection !== true) problems.push("deletionProtection must be true in production");
      if (inputs.skipFinalSnapshot === true) problems.push("skipFinalSnapshot must be false in production");
      if (typeof inputs.backupRetentionPeriod !== "number" || inputs.backupRetentionPeriod < 7)
        problems.push(
          `backupRetentionPeriod is ${String(inputs.backupRetentionPeriod)}; production needs at least 7 days`,
        );
      return problems;
    }),
  },
  {
    name: "rds-force-ssl",
    description: "The RDS parameter group sets rds.force_ssl = 1.",
    check: ofType("aws:rds/parameterGroup:ParameterGroup", (inputs) => {
      const parameters = (inputs.parameters ?? []) as { name: string; value: string }[];
      return parameters.some((parameter) => parameter.name === "rds.force_ssl" && parameter.value === "1")
        ? []
        : ["parameter rds.force_ssl must be 1"];
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
      ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]
        .filter((flag) => inputs[flag] !== true)
        .map((flag) => `${flag} must be true`),
    ),
  },
  {
    name: "s3-versioning",
    description: "S3 versioning is enabled.",
    check: ofType("aws:s3/bucketVersioning:BucketVersioning", (inputs) =>
      (inputs.versioningConfiguration as { status?: string } | undefined)?.status === "Enabled"
        ? []
        : ["versioning must be Enabled"],
    ),
  },
  {
    name: "s3-encrypted",
    description: "S3 default encryption is SSE-KMS.",
    check: ofType(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      (inputs) => {
        const rules = (inputs.rules ?? []) as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } }[];
        return rules.some((rule) => rule.applyServerSideEncryptionByDefault?.sseAlgorithm === "aws:kms")
          ? []
          : ["default encryption must be aws:kms"];
      },
    ),
  },
  {
    name: "s3-tls-only",
    description: "S3 bucket policies deny requests without TLS.",
    check: ofType("aws:s3/bucketPolicy:BucketPolicy", (inputs) =>
      deniesInsecureTransport(inputs.policy) ? [] : ["the policy must deny aws:SecureTransport = false"],
    ),
  },
  {
    name: "docker-database-ports-not-on-every-interface",
    description: `Docker containers publish ${protectedPorts.join(", ")} on a chosen host address (loopback by default), never on every interface (no address, 0.0.0.0, :: or any spelling of them).`,
    check: ofType("docker:index/container:Container", (inputs) =>
      ((inputs.ports ?? []) as { internal?: number; ip?: unknown }[])
        .filter(
          (port) =>
            (protectedPorts as readonly number[]).includes(Number(port.internal)) && publishedEverywhere(port.ip),
        )
        .map(
          (port) =>
            `port ${port.internal} is published on every interface of the host (${port.ip === undefined ? "no address" : String(port.ip)}); bind it to an address (pgplat:docker.bindAddress, 127.0.0.1 by default)`,
        ),
    ),
  },
  {
    name: "no-database-ports-open-to-the-internet",
    description: `No security group admits ${protectedPorts.join(", ")} from ranges that together cover the whole IPv4 or IPv6 internet (0.0.0.0/0, ::/0 or any equivalent).`,
    check: (resource) => openToTheInternet(ingressOf(resource)),
  },
];

/** Docker binds a published port without an address, or with the unspecified address of either family, on every interface. */
function publishedEverywhere(ip: unknown): boolean {
  if (ip === undefined || ip === "") return true;
  if (typeof ip !== "string") return false;
  const address = ip.replace(/^\[|\]$/g, "");
  const parsed = parseCidr(`${address}/${address.includes(":") ? 128 : 32}`);
  return isCidr(parsed) && parsed.first === 0n;
}

function deniesInsecureTransport(policy: unknown): boolean {
  const document =
    typeof policy === "string"
      ? (JSON.parse(policy) as { Statement?: unknown[] })
      : (policy as { Statement?: unknown[] } | undefined);
  return (document?.Statement ?? []).some((statement) => {
    const candidate = statement as { Effect?: string; Condition?: { Bool?: Record<string, string> } };
    return candidate.Effect === "Deny" && candidate.Condition?.Bool?.["aws:SecureTransport"] === "false";
  });
}

export interface IngressShape {
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly protocol?: string;
  readonly ipProtocol?: string;
  readonly cidrBlocks?: string[];
  readonly ipv6CidrBlocks?: string[];
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
}

/** The ingress rules a resource declares: a standalone rule, or a security group's inline list. */
export function ingressOf(resource: CheckedResource): IngressShape[] {
  if (resource.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    return [resource.inputs as IngressShape];
  if (resource.type === "aws:ec2/securityGroup:SecurityGroup") return (resource.inputs.ingress ?? []) as IngressShape[];
  if (resource.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && resource.inputs.type === "ingress")
    return [resource.inputs as IngressShape];
  return [];
}

/**
 * One message per protected port that the rules open, together, to a whole
 * address family: judged on the address space, not the spelling, so
 * `0.0.0.0/1` + `128.0.0.0/1` or `0::0/0` count like `0.0.0.0/0` and `::/0`.
 */
export function openToTheInternet(rules: readonly IngressShape[]): string[] {
  const cidrsFor = (port: number) => rules.filter((rule) => coversPort(rule, port)).flatMap(cidrsOf);
  return ([4, 6] as const).flatMap((family) => {
    const open = protectedPorts.filter((port) => wholeFamiliesCovered(cidrsFor(port)).includes(family));
    if (open.length === 0) return [];
    const cidrs = [...new Set(open.flatMap(cidrsFor))];
    return [
      `${open.length === 1 ? "port" : "ports"} ${open.join(", ")} open to the whole IPv${family} internet (${cidrs.join(", ")})`,
    ];
  });
}

function cidrsOf(rule: IngressShape): string[] {
  return [rule.cidrIpv4, rule.cidrIpv6, ...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])].filter(
    (cidr): cidr is string => typeof cidr === "string",
  );
}

function coversPort(rule: IngressShape, port: number): boolean {
  const protocol = String(rule.ipProtocol ?? rule.protocol ?? "");
  if (protocol === "-1" || protocol === "all" || rule.fromPort === undefined) return true;
  if (protocol !== "" && protocol !== "tcp" && protocol !== "6") return false;
  return port >= rule.fromPort && port <= (rule.toPort ?? rule.fromPort);
}

/** Runs every resource policy, then every stack policy, over a graph. */
export function checkResources(resources: readonly CheckedResource[], context: PolicyContext): Violation[] {
  return [
    ...resources.flatMap((resource) =>
      resourcePolicies.flatMap((policy) =>
        policy.check(resource, context).map((message) => ({ policy: policy.name, resource: resource.name, message })),
      ),
    ),
    ...stackPolicies.flatMap((policy) => policy.check(resources, context)),
  ];
}

const credentialKey = /password|secret|token|passphrase|credential/i;
const uriWithPassword = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^@\s]+@/i;

/**
 * "No secret in a plain stack output": a value whose key names a credential,
 * or that is a URI carrying a password, must be secret. `isSecret` tells how
 * the caller marks secret values.
 */
export function plainSecretOutputs(
  outputs: Readonly<Record<string, unknown>>,
  isSecret: (value: unknown) => boolean,
): Violation[] {
  const found: Violation[] = [];
  const visit = (value: unknown, path: string, key: string) => {
    if (isSecret(value)) return;
    if (typeof value === "string" && (credentialKey.test(key) || uriWithPassword.test(value))) {
      found.push({
        policy: "no-plain-secret-outputs",
        resource: "stack outputs",
        message: `output ${path} carries a credential in plain text; wrap it in pulumi.secret`,
      });
    } else if (value !== null && typeof value === "object") {
      for (const [childKey, child] of Object.entries(value)) visit(child, `${path}.${childKey}`, childKey);
    }
  };
  for (const [key, value] of Object.entries(outputs)) visit(value, key, key);
  return found;
}
