import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const projectRoot = path.join(__dirname, "..", "..");
const scratch = mkdtempSync(path.join(tmpdir(), "pgplat-cost-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function cost(...args: string[]) {
  return spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(projectRoot, "scripts", "cost.ts"), ...args],
    { cwd: projectRoot, encoding: "utf8" },
  );
}

function writeBook(name: string, book: unknown): string {
  const file = path.join(scratch, name);
  writeFileSync(file, JSON.stringify(book));
  return file;
}

/** Table rows as [what, meter, quantity], for the charges a test cares about. */
function rows(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("| eu-"))
    .map((line) =>
      line
        .slice(2, -2)
        .split(" | ")
        .map((cell) => cell.replaceAll("`", "")),
    )
    .map(([, what, , meter, quantity]) => [what, meter, quantity]);
}

describe("npm run cost, on recorded graphs", () => {
  const prod = cost("prod");

  it("README.md carries the prod quantities it prints (run npm run docs:cost after changing what prod declares)", () => {
    expect(prod.status, prod.stderr).toBe(0);
    // Every AWS type prod declares is priced or known to be free (a new one warns here).
    expect(prod.stderr).toBe("");
    const readme = readFileSync(path.join(projectRoot, "README.md"), "utf8");
    const block = readme.slice(readme.indexOf("<!-- cost:start"), readme.indexOf("<!-- cost:end -->"));
    expect(block.slice(block.indexOf("\n") + 1)).toBe(prod.stdout);
  });

  it("bills prod's Multi-AZ primary, its replica, two cache nodes and two PgBouncer tasks", () => {
    expect(rows(prod.stdout)).toEqual(
      expect.arrayContaining([
        ["db.m7g.xlarge Multi-AZ (primary and standby)", "rds:postgres:db.m7g.xlarge:multi-az", "730 instance-hour"],
        ["db.m7g.xlarge Single-AZ", "rds:postgres:db.m7g.xlarge:single-az", "730 instance-hour"],
        ["gp3 storage, 200 GB allocated, autoscaling up to 800 GB", "rds-storage:gp3:single-az", "200 GB-month"],
        ["2 × cache.r7g.large (redis: primary and 1 replica)", "elasticache:redis:cache.r7g.large", "1,460 node-hour"],
        ["2 Fargate tasks × 0.5 vCPU (x86_64)", "fargate:x86_64:vcpu", "730 vCPU-hour"],
      ]),
    );
  });

  it("prices every fixed charge with the region's book and names what has no price", () => {
    const meters = [...new Set(rows(prod.stdout).map(([, meter]) => meter))];
    // Every unit price 1: the total is then the sum of the eu-west-1 quantities, so no line is dropped.
    const book = writeBook("eu-west-1.json", {
      region: "eu-west-1",
      currency: "USD",
      asOf: "2026-11-22",
      source: "test prices, all 1",
      prices: Object.fromEntries(meters.map((meter) => [meter, 1])),
    });
    const result = cost("prod", "--prices", book);
    expect(result.status, result.stderr).toBe(0);
    // 14 alarms: the 13 of the alarm specs and the missed-backup alarm.
    const quantitySum = 1 + 14 + 1460 + 730 + 1460 + 730 + 200 + 200 + 730 + 730 + 2;
    expect(result.stdout).toContain(
      `**Fixed charges: at least ${quantitySum}.00 USD / month**; no price for eu-central-1 \`kms:key\`.`,
    );
    expect(result.stdout).toContain("- eu-west-1: prices as of 2026-11-22, from test prices, all 1");
  });

  it("bills RDS Proxy per vCPU of the instance instead of the Fargate pooler", () => {
    const result = cost("test/fixtures/Pulumi.prod-proxy.yaml");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    const meters = rows(result.stdout).map(([, meter, quantity]) => `${meter} ${quantity}`);
    expect(meters).toContain("rds-proxy 2,920 vCPU-hour");
    expect(meters.filter((meter) => /^(fargate|elb):/.test(meter))).toEqual([]);
  });

  it("bills the throwaway stack's NAT gateway and its address", () => {
    const result = cost("test/fixtures/Pulumi.throwaway.yaml");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    expect(rows(result.stdout)).toEqual(
      expect.arrayContaining([
        ["NAT gateway", "nat-gateway", "730 gateway-hour"],
        ["public IPv4 address of the NAT gateway", "public-ipv4", "730 address-hour"],
      ]),
    );
  });

  it("refuses a Docker stack and a book without date or source", () => {
    expect(cost("dev")).toMatchObject({ status: 2, stderr: "dev targets docker; cost estimates are for aws stacks\n" });
    const book = writeBook("undated.json", { region: "eu-west-1", currency: "USD", prices: {} });
    expect(cost("prod", "--prices", book)).toMatchObject({
      status: 1,
      stderr: `cost failed: ${book} is not a price book:\n  asOf: must be the date the prices were read, as YYYY-MM-DD\n  source: Invalid input: expected string, received undefined\n`,
    });
  });
});
