import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Runs the real dev:up / dev:down entry points with stand-ins for the Pulumi
 * and Docker CLIs on PATH that record how they were called.
 */
const projectRoot = path.join(__dirname, "..", "..");
const stack = `dev-wf${process.pid}`;
const stackFile = path.join(projectRoot, `Pulumi.${stack}.yaml`);
let bin: string;
let calls: string;

function fakeTool(name: string): void {
  const script = `#!/bin/sh\necho "${name} $* | backend=$PULUMI_BACKEND_URL passphrase=\${PULUMI_CONFIG_PASSPHRASE:+set}" >> "${calls}"\n`;
  writeFileSync(path.join(bin, name), script);
  chmodSync(path.join(bin, name), 0o755);
}

function run(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  delete env.PULUMI_CONFIG_PASSPHRASE;
  delete env.PULUMI_BACKEND_URL;
  return spawnSync("bash", [path.join(projectRoot, "scripts", "dev.sh"), ...args], { env, encoding: "utf8" });
}

beforeAll(() => {
  bin = mkdtempSync(path.join(tmpdir(), "pgplat-fake-cli-"));
  calls = path.join(bin, "calls.log");
  fakeTool("pulumi");
  fakeTool("docker");
});
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  rmSync(stackFile, { force: true });
});

describe("npm run dev:up / dev:down", () => {
  it("creates a dev-<name> stack from the dev config and deploys it on the local backend", () => {
    const result = run("up", stack);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(stackFile, "utf8")).toContain(readFileSync(path.join(projectRoot, "Pulumi.dev.yaml"), "utf8"));
    const backend = `backend=file://${projectRoot}/.pulumi-state passphrase=set`;
    expect(readFileSync(calls, "utf8").trim().split("\n")).toEqual([
      "pulumi version | backend= passphrase=",
      "docker info | backend= passphrase=",
      `pulumi stack select --create ${stack} | ${backend}`,
      `pulumi up --stack ${stack} --yes | ${backend}`,
    ]);
  });

  it("destroys and removes the stack", () => {
    writeFileSync(calls, "");
    const result = run("down", stack);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(calls, "utf8").trim().split("\n").slice(1)).toEqual([
      `pulumi destroy --stack ${stack} --yes | backend=file://${projectRoot}/.pulumi-state passphrase=set`,
      `pulumi stack rm ${stack} --yes | backend=file://${projectRoot}/.pulumi-state passphrase=set`,
    ]);
  });

  it("refuses an invalid stack config before Pulumi deploys anything", () => {
    writeFileSync(stackFile, "config:\n  pgplat:target: docker\n  pgplat:postgres:\n    maxConnections: 5\n");
    writeFileSync(calls, "");
    const result = run("up", stack);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("pgplat:postgres.maxConnections = 5: a number ≥ 20");
    expect(readFileSync(calls, "utf8")).not.toContain("pulumi up");
  });

  it("says what to install when the Pulumi CLI is missing", () => {
    const result = spawnSync("bash", [path.join(projectRoot, "scripts", "dev.sh"), "up"], { env: { ...process.env, PATH: "/usr/bin:/bin" }, encoding: "utf8" });
    expect(existsSync("/usr/bin/pulumi")).toBe(false);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("pulumi is not available: install the Pulumi CLI");
  });
});
