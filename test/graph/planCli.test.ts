import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planCommand, runPlan } from "../support/planCommand";

const projectRoot = path.join(__dirname, "..", "..");
const scratch = mkdtempSync(path.join(tmpdir(), "pgplat-plan-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// No Pulumi CLI, Docker or credentials are involved: the plan runs under the recording engine.
const plan = runPlan;

describe("npm run plan", () => {
  it("prints the dev graph as one JSON array of { type, name, parent, inputs }, with secrets masked", () => {
    const result = plan("dev", "--json");
    expect(result.status, result.stderr).toBe(0);
    const resources = JSON.parse(result.stdout) as {
      type: string;
      name: string;
      parent: string | null;
      inputs: Record<string, unknown>;
    }[];
    for (const entry of resources) expect(Object.keys(entry)).toEqual(["type", "name", "parent", "inputs"]);
    const container = resources.find((entry) => entry.name === "pgplat-docker-postgres-container");
    expect(container).toMatchObject({
      type: "docker:index/container:Container",
      parent: "pgplat-docker-postgres",
      inputs: { name: "pgplat-dev-postgres", image: "postgres:16.14-bookworm" },
    });
    const passwordUpload = (container?.inputs.uploads as { file: string; content: unknown }[]).find(
      (upload) => upload.file === "/run/pgplat/postgres-password",
    );
    expect(passwordUpload?.content).toBe("[secret]");
    expect(resources.filter((entry) => entry.type === "postgresql:index/role:Role")).toHaveLength(9); // 4 groups, 4 logins, the backup login
    const migrations = resources.find((entry) => entry.type === "pulumi-nodejs:dynamic/pgplat:Migrations");
    expect(migrations?.inputs).toMatchObject({ __provider: "<serialized dynamic provider>", connection: "[secret]" });
    expect((migrations?.inputs.migrations as { file: string }[]).map((file) => file.file)).toEqual([
      "V0001__baseline.sql",
      "V0002__example_orders.sql",
      "R__health_checks.sql",
      "R__monitoring_views.sql",
    ]);
  });

  it("prints a readable tree with secrets masked", () => {
    const result = plan("dev");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("+ docker:index/container:Container  pgplat-docker-pgbouncer-container");
    expect(result.stdout).toContain('name = "edoburu/pgbouncer:v1.25.2-p0"');
    expect(result.stdout).toContain("connectionUris = [secret]");
    expect(result.stdout).not.toMatch(/Fake[0-9a-f]{24}/);
  });

  it("prints the prod graph offline, without AWS credentials", () => {
    const result = plan("prod", "--json");
    expect(result.status, result.stderr).toBe(0);
    const types = (JSON.parse(result.stdout) as { type: string }[]).map((entry) => entry.type);
    for (const type of [
      "aws:kms/key:Key",
      "aws:ec2/securityGroup:SecurityGroup",
      "aws:rds/parameterGroup:ParameterGroup",
      "aws:rds/instance:Instance",
      "pulumi:providers:postgresql",
    ])
      expect(types).toContain(type);
    // Only the verdict: no runtime warnings (e.g. Docker-only outputs left undefined on AWS).
    expect(result.stderr).toBe("Policies: 16 guardrails, no violations.\n");
  });

  it("writes the whole plan into a pipe whose reader is slower than the plan", () => {
    // A slow reader fills the pipe; exiting without waiting for the flush cut the JSON at 64 KiB.
    const command = `${planCommand()
      .map((part) => `"${part}"`)
      .join(" ")} prod --json | (sleep 1; cat)`;
    const result = spawnSync("sh", ["-c", command], {
      cwd: projectRoot,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(64 * 1024);
    expect(() => JSON.parse(result.stdout)).not.toThrow();
  });

  it("fails a deliberately insecure production config on every guardrail it breaks", () => {
    const file = path.join(scratch, "Pulumi.insecure.yaml");
    writeFileSync(
      file,
      [
        "config:",
        "  aws:region: eu-west-1",
        "  pgplat:target: aws",
        "  pgplat:environment: production",
        "  pgplat:backups:",
        "    retentionDays: 3",
        "  pgplat:aws:",
        "    region: eu-west-1",
        "    vpcId: vpc-0123456789abcdef0",
        "    subnetIds: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]",
        "    allowedCidrs: [0.0.0.0/0]",
        "    deletionProtection: false",
        "",
      ].join("\n"),
    );
    const result = plan(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Policy violations (7):");
    expect(result.stderr).toContain(
      "[prod-backup-survives] stack: recovery points stay in one region and can be deleted; set pgplat:aws.backupReplicaRegion (copies to another region) or pgplat:aws.backupPlan.vaultLock",
    );
    expect(result.stderr).toContain(
      "[no-database-ports-open-to-the-internet] pgplat-aws-pooler-from-0.0.0.0_0: port 6432 open to the whole IPv4 internet (0.0.0.0/0)",
    );
    expect(result.stderr).toContain(
      "[no-database-ports-open-to-the-internet] pgplat-aws-cache-from-0.0.0.0_0: port 6379 open to the whole IPv4 internet (0.0.0.0/0)",
    );
    expect(result.stderr).toContain(
      "[rds-production-safety] pgplat-aws-rds-instance: deletionProtection must be true in production",
    );
    expect(result.stderr).toContain(
      "[rds-production-safety] pgplat-aws-rds-instance: backupRetentionPeriod is 3; production needs at least 7 days",
    );
    expect(result.stderr).toContain(
      "[no-database-ports-open-to-the-internet] pgplat-aws-network-postgres-from-0.0.0.0_0: port 5432 open to the whole IPv4 internet (0.0.0.0/0)",
    );
    expect(result.stderr).toContain(
      "[production-alarms-reach-someone] arn:aws:sns::000000000000:pgplat-aws-alarms-topic: 13 alarm(s) notify this topic, which has no subscription (",
    );
  });

  it("exits 1 with every config problem, before creating anything", () => {
    const file = path.join(scratch, "Pulumi.broken.yaml");
    writeFileSync(
      file,
      "config:\n  pgplat:target: docker\n  pgplat:size: huge\n  pgplat:redis:\n    maxmemoryPolicy: lru\n",
    );
    const result = plan(file);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'Invalid stack config (2 problems); nothing was created:\n  - pgplat:size = "huge": one of "dev", "small", "medium", "large"\n  - pgplat:redis.maxmemoryPolicy = "lru": one of "noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"\n',
    );
  });

  it("names the stack files it knows when the stack has none", () => {
    const result = plan("nosuchstack");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("No stack file Pulumi.nosuchstack.yaml; stacks with a file: dev, prod");
  });
});
