import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { checkResources } from "../../policy/rules";
import { SecretValue, type RecordedGraph } from "../../recording/recorder";
import { maskGraphSecrets, withPlainInputs } from "../../recording/reveal";
import { plainOccurrences, recordDecryptedStack } from "../support/decryptedStack";
import { resource } from "../support/graph";
import { scratchDir } from "../support/scratch";

const projectRoot = path.join(__dirname, "..", "..");
const repositoryConfig = (stack: string) =>
  (
    parse(readFileSync(path.join(projectRoot, `Pulumi.${stack}.yaml`), "utf8")) as {
      config: Record<string, Record<string, unknown>>;
    }
  ).config;
const secret = (value: unknown) => new SecretValue(value);

/** The text of every value in `graph` that sits inside a secret and contains `text`. */
function secretOccurrences(graph: RecordedGraph, text: string): number {
  let count = 0;
  const visit = (value: unknown, inSecret: boolean): void => {
    if (value instanceof SecretValue) return visit(value.value, true);
    if (value !== null && typeof value === "object")
      return Object.values(value).forEach((item) => visit(item, inSecret));
    if (inSecret && String(value).includes(text)) count++;
  };
  graph.resources.forEach((entry) => visit(entry.inputs, false));
  visit(graph.outputs, false);
  return count;
}

describe("Docker (dev): values the stack encrypts stay secret in every input and output, whatever the key", () => {
  const dev = repositoryConfig("dev");
  const values = {
    appPermissions: "~cache:* &* +@all -@dangerous -flushdb",
    client: "10.77.0.0/16",
    port: 15433,
    bindAddress: "127.0.0.9",
  };
  let graph: RecordedGraph;
  let stderr: string;
  beforeAll(() => {
    const config = {
      ...dev,
      "pgplat:redis": { ...dev["pgplat:redis"], appPermissions: values.appPermissions },
      "pgplat:postgres": { ...dev["pgplat:postgres"], allowedClients: ["samenet", values.client], port: values.port },
      "pgplat:docker": { bindAddress: values.bindAddress },
      "pgplat:backups": { ...dev["pgplat:backups"], retentionDays: 9 },
    };
    ({ graph, stderr } = recordDecryptedStack("devsecret", config, [
      "pgplat:redis.appPermissions",
      "pgplat:postgres.allowedClients[1]",
      "pgplat:postgres.port",
      "pgplat:docker.bindAddress",
      "pgplat:backups.retentionDays",
    ]));
  }, 120_000);

  it("marks the exact inputs that carry them secret: files, published ports, the admin provider", () => {
    const postgres = resource(graph, "pgplat-docker-postgres-container");
    expect((postgres.inputs.ports as unknown[])[0]).toEqual({
      internal: 5432,
      external: secret(values.port),
      ip: secret(values.bindAddress),
    });
    const hba = (postgres.inputs.uploads as { file: string; content: unknown }[]).find((upload) =>
      upload.file.endsWith("pg_hba.conf"),
    );
    expect(hba?.content).toBeInstanceOf(SecretValue);
    expect(String((hba?.content as SecretValue).value)).toContain(`host all all ${values.client} scram-sha-256`);
    const acl = (resource(graph, "pgplat-docker-redis-container").inputs.uploads as { content: unknown }[])[0].content;
    expect(String((acl as SecretValue).value)).toContain(values.appPermissions);
    expect(resource(graph, "pgplat-docker-pgbouncer-container").inputs.ports).toEqual([
      { internal: 6432, ip: secret(values.bindAddress) },
    ]);
    expect(resource(graph, "pgplat-docker-database-provider").inputs).toMatchObject({
      host: secret(values.bindAddress),
      port: secret(String(values.port)),
    });
  });

  it("and the stack outputs", () => {
    expect(graph.outputs.postgres).toMatchObject({ host: secret(values.bindAddress), port: secret(values.port) });
    expect(graph.outputs.redis).toMatchObject({ host: secret(values.bindAddress) });
  });

  it("leaves no plain copy anywhere in the graph, and names no resource after one", () => {
    for (const text of [values.appPermissions, values.client, String(values.port), values.bindAddress]) {
      expect([text, plainOccurrences(graph, text)]).toEqual([text, []]);
      expect(secretOccurrences(graph, text)).toBeGreaterThan(0);
    }
  });

  it("says which encrypted keys are too short to trace, without their values", () => {
    expect(stderr).toContain(
      "Encrypted but too short to trace (fewer than 4 characters, or true/false): pgplat:backups.retentionDays.",
    );
  });
});

describe("AWS (prod): values the stack encrypts stay secret in every input and output, whatever the key", () => {
  const prod = repositoryConfig("prod");
  const values = {
    openCidr: "0.0.0.0/0",
    adminHost: "db-admin.corp.example",
    adminPort: 6544,
    alarmEmail: "dba-pager@corp.example",
    certificate: "arn:aws:acm:eu-west-1:111122223333:certificate/abcd-ef01",
  };
  let graph: RecordedGraph;
  beforeAll(() => {
    const aws = {
      ...prod["pgplat:aws"],
      allowedCidrs: ["10.0.0.0/16", values.openCidr],
      adminHost: values.adminHost,
      adminPort: values.adminPort,
      alarmEmail: values.alarmEmail,
      poolerCertificateArn: values.certificate,
    };
    ({ graph } = recordDecryptedStack("prodsecret", { ...prod, "pgplat:aws": aws }, [
      "pgplat:aws.allowedCidrs[1]",
      "pgplat:aws.adminHost",
      "pgplat:aws.adminPort",
      "pgplat:aws.alarmEmail",
      "pgplat:aws.poolerCertificateArn",
    ]));
  }, 120_000);

  it("marks the exact inputs that carry them secret", () => {
    expect(resource(graph, "pgplat-aws-database-provider").inputs).toMatchObject({
      host: secret(values.adminHost),
      port: secret(String(values.adminPort)),
    });
    expect(resource(graph, "pgplat-aws-alarms-email").inputs).toMatchObject({
      protocol: "email",
      endpoint: secret(values.alarmEmail),
    });
    expect(resource(graph, "pgplat-aws-pooler-listener").inputs.certificateArn).toEqual(secret(values.certificate));
    for (const service of ["network-postgres", "cache", "pooler"]) {
      expect(resource(graph, `pgplat-aws-${service}-from-encrypted-cidr-1`).inputs).toMatchObject({
        cidrIpv4: secret(values.openCidr),
        description: expect.stringMatching(/ from encrypted-cidr-1$/),
      });
    }
  });

  it("leaves the values it does not encrypt readable (the plain CIDR next to the encrypted one)", () => {
    expect(resource(graph, "pgplat-aws-network-postgres-from-10.0.0.0_16").inputs.cidrIpv4).toBe("10.0.0.0/16");
    expect(resource(graph, "pgplat-aws-kms-key").inputs.description).toBe(
      "pgplat-prodsecret: PostgreSQL platform data",
    );
  });

  it("leaves no plain copy anywhere in the graph, and names no resource after one", () => {
    for (const text of [
      values.openCidr,
      values.adminHost,
      String(values.adminPort),
      values.alarmEmail,
      values.certificate,
    ]) {
      expect([text, plainOccurrences(graph, text)]).toEqual([text, []]);
      expect(secretOccurrences(graph, text)).toBeGreaterThan(0);
    }
  });

  it("still judges an encrypted 0.0.0.0/0 open to the world, and says so without printing it", () => {
    const violations = checkResources(withPlainInputs(graph.resources), { production: true }).filter(
      (violation) => violation.policy === "no-database-ports-open-to-the-internet",
    );
    expect(violations.length).toBeGreaterThan(0);
    const messages = violations.map((violation) => maskGraphSecrets(violation.message, graph.resources)).join("\n");
    expect(messages).toContain("open to the whole IPv4 internet ([secret])");
    expect(messages).not.toContain(values.openCidr);
  });
});

describe("npm run plan on a stack file with encrypted values", () => {
  it("plans values that must have a shape (a CIDR, a port, an e-mail, an ARN) and masks every input carrying them", () => {
    const prod = repositoryConfig("prod");
    const sealed = (label: string) => ({ secure: `v1:${Buffer.from(label).toString("base64")}` });
    const aws = {
      ...prod["pgplat:aws"],
      allowedCidrs: ["10.0.0.0/16", sealed("cidr")],
      adminHost: sealed("host"),
      adminPort: sealed("port"),
      alarmEmail: sealed("mail"),
      poolerCertificateArn: sealed("arn"),
    };
    const file = path.join(scratchDir("plan-encrypted"), "Pulumi.prod.yaml");
    writeFileSync(file, stringify({ config: { ...prod, "pgplat:aws": aws } }));
    const result = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(projectRoot, "scripts", "plan.ts"), file, "--json"],
      { cwd: projectRoot, encoding: "utf8" },
    );
    expect(result.stderr).toContain("Policies:");
    const resources = JSON.parse(result.stdout) as { name: string; inputs: Record<string, unknown> }[];
    const inputs = (name: string) => resources.find((entry) => entry.name === name)?.inputs;
    expect(inputs("pgplat-aws-database-provider")).toMatchObject({ host: "[secret]", port: "[secret]" });
    expect(inputs("pgplat-aws-alarms-email")).toMatchObject({ endpoint: "[secret]" });
    expect(inputs("pgplat-aws-pooler-listener")).toMatchObject({ certificateArn: "[secret]" });
    expect(inputs("pgplat-aws-network-postgres-from-encrypted-cidr-1")).toMatchObject({ cidrIpv4: "[secret]" });
    expect(inputs("pgplat-aws-network-postgres-from-10.0.0.0_16")).toMatchObject({ cidrIpv4: "10.0.0.0/16" });
    expect(result.stdout).not.toMatch(/placeholder|192\.0\.2\.|\b6543\b/);
  }, 120_000);
});
