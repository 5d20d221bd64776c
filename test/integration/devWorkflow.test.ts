import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createdAtTag, expiresAtTag } from "../../scripts/devExpiry";
import { createFakeCli, type FakeCli } from "../support/fakeCli";

/**
 * Runs the real dev:up / dev:down entry points with stand-ins for the Pulumi
 * and Docker CLIs on PATH that record how they were called.
 */
const projectRoot = path.join(__dirname, "..", "..");
const devScript = path.join(projectRoot, "scripts", "dev.sh");
const stack = `dev-wf${process.pid}`;
const stackFile = (name: string) => path.join(projectRoot, `Pulumi.${name}.yaml`);
const localBackend = `backend=file://${projectRoot}/.pulumi-state passphrase=set`;
const hour = 3_600_000;
let cli: FakeCli;
// dev.ts creates the project-local state directory; remove it again if this test made it (it stays empty: the CLI is a stand-in).
const stateDir = path.join(projectRoot, ".pulumi-state");
const stateDirExisted = existsSync(stateDir);

function run(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync("bash", [devScript, ...args], {
    env: cli.env(extraEnv),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs dev.sh on a pseudo-terminal (util-linux `script`) and types `answer` at the prompt. */
function runOnTerminal(args: readonly string[], answer: string) {
  const command = ["bash", devScript, ...args].map((word) => `'${word}'`).join(" ");
  return spawnSync("script", ["-qec", command, "/dev/null"], {
    env: cli.env(),
    encoding: "utf8",
    input: `${answer}\n`,
    timeout: 60_000,
  });
}

beforeAll(() => {
  expect(
    spawnSync("script", ["--version"]).status,
    "util-linux script (package bsdutils) is needed for the terminal tests",
  ).toBe(0);
  cli = createFakeCli();
});
afterEach(() => {
  for (const name of [stack, `${stack}-ci`, `${stack}-tty`]) rmSync(stackFile(name), { force: true });
  writeFileSync(path.join(cli.bin, "stacks.json"), "{}");
  cli.clearCalls();
});
afterAll(() => {
  cli.cleanup();
  if (!stateDirExisted) rmSync(stateDir, { recursive: true, force: true });
});

describe("npm run dev:up", () => {
  it("creates a dev-<name> stack from the dev config, records its expiry and deploys with --yes on the local backend", () => {
    const before = Date.now();
    const result = run(["up", stack, "--yes"]);
    expect(result.status, result.stderr).toBe(0);
    const file = readFileSync(stackFile(stack), "utf8");
    expect(parse(file).config).toEqual(parse(readFileSync(stackFile("dev"), "utf8")).config);
    expect(file).toContain(`encryptionsalt: v1:fake-salt-${stack}`);
    // A developer's stack file never lands in git.
    expect(spawnSync("git", ["check-ignore", "--quiet", `Pulumi.${stack}.yaml`], { cwd: projectRoot }).status).toBe(0);
    expect(spawnSync("git", ["check-ignore", "--quiet", "Pulumi.dev.yaml"], { cwd: projectRoot }).status).toBe(1);
    const tags = cli.stacks()[stack].tags;
    expect(cli.calls()).toEqual([
      "pulumi version | backend= passphrase=",
      "docker info | backend= passphrase=",
      `pulumi stack ls --json | ${localBackend}`,
      `pulumi stack select --create ${stack} | ${localBackend}`,
      `pulumi stack tag ls --stack ${stack} --json | ${localBackend}`,
      `pulumi stack tag set --stack ${stack} ${createdAtTag} ${tags[createdAtTag]} | ${localBackend}`,
      `pulumi stack tag set --stack ${stack} ${expiresAtTag} ${tags[expiresAtTag]} | ${localBackend}`,
      `pulumi up --stack ${stack} --yes | ${localBackend}`,
    ]);
    // Default lifetime from config: docker.stackTtlHours = 72.
    const lifetime = Date.parse(tags[expiresAtTag]) - Date.parse(tags[createdAtTag]);
    expect(lifetime).toBe(72 * hour);
    expect(Date.parse(tags[createdAtTag])).toBeGreaterThanOrEqual(before - 1000);
  });

  it("renews the expiry with --ttl on an existing stack and keeps its creation time", () => {
    cli.seed({
      [stack]: {
        tags: { [createdAtTag]: "2026-01-01T00:00:00.000Z", [expiresAtTag]: "2026-01-04T00:00:00.000Z" },
        resourceCount: 17,
      },
    });
    writeFileSync(stackFile(stack), readFileSync(stackFile("dev"), "utf8"));
    const before = Date.now();
    const result = run(["up", stack, "--ttl", "2h", "--yes", "--refresh"]);
    expect(result.status, result.stderr).toBe(0);
    const tags = cli.stacks()[stack].tags;
    expect(tags[createdAtTag]).toBe("2026-01-01T00:00:00.000Z");
    expect(Date.parse(tags[expiresAtTag]) - before).toBeGreaterThanOrEqual(2 * hour - 1000);
    expect(Date.parse(tags[expiresAtTag]) - before).toBeLessThan(2 * hour + 60_000);
    expect(cli.pulumiCalls()).toEqual([
      "version",
      "stack ls --json",
      `stack select ${stack}`,
      `stack tag ls --stack ${stack} --json`,
      `stack tag set --stack ${stack} ${expiresAtTag} ${tags[expiresAtTag]}`,
      `up --stack ${stack} --yes --refresh`,
    ]);
  });

  it("without --yes and without a terminal it previews, does not deploy and says how to", () => {
    const result = run(["up", stack]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Run again with --yes");
    const calls = cli.pulumiCalls();
    expect(calls.at(-1)).toBe(`preview --stack ${stack}`);
    expect(calls.filter((call) => call.startsWith("up "))).toEqual([]);
  });

  it("in CI (CI=true) it deploys without asking", () => {
    const result = run(["up", stack], { CI: "true" });
    expect(result.status, result.stderr).toBe(0);
    expect(cli.pulumiCalls().at(-1)).toBe(`up --stack ${stack} --yes`);
    expect(cli.pulumiCalls().some((call) => call.startsWith("preview"))).toBe(false);
  });

  it("on a terminal it previews and asks: no answer but yes deploys", () => {
    const name = `${stack}-tty`;
    const declined = runOnTerminal(["up", name], "no");
    expect(declined.status, declined.stdout).toBe(1);
    expect(declined.stdout).toContain(`Deploy these changes to ${name}? Type yes to continue:`);
    expect(cli.pulumiCalls().at(-1)).toBe(`preview --stack ${name}`);
    expect(cli.pulumiCalls().filter((call) => call.startsWith("up "))).toEqual([]);

    cli.clearCalls();
    const accepted = runOnTerminal(["up", name], "yes");
    expect(accepted.status, accepted.stdout).toBe(0);
    expect(cli.pulumiCalls().slice(-2)).toEqual([`preview --stack ${name}`, `up --stack ${name} --yes --skip-preview`]);
  });

  it("on a fresh checkout of an existing stack it restores the stack's secrets settings and applies the dev config", () => {
    const name = `${stack}-ci`;
    cli.seed({ [name]: { resourceCount: 17, tags: { [createdAtTag]: "2026-01-01T00:00:00.000Z" } } });
    const result = run(["up", name, "--yes"]);
    expect(result.status, result.stderr).toBe(0);
    expect(cli.pulumiCalls().slice(1, 4)).toEqual([
      "stack ls --json",
      `config refresh --stack ${name} --force`,
      `stack select ${name}`,
    ]);
    const file = parse(readFileSync(stackFile(name), "utf8"));
    expect(file.encryptionsalt).toBe(`v1:fake-salt-${name}`);
    expect(file.config).toEqual(parse(readFileSync(stackFile("dev"), "utf8")).config);
  });

  it("as the review-stack workflow runs it: the team backend and passphrase from the environment, never the local passphrase", () => {
    const shared = { CI: "true", PULUMI_BACKEND_URL: "s3://team-state", PULUMI_CONFIG_PASSPHRASE: "team-secret" };
    const result = run(["up", stack], shared);
    expect(result.status, result.stderr).toBe(0);
    expect(cli.calls().at(-1)).toBe(`pulumi up --stack ${stack} --yes | backend=s3://team-state passphrase=set`);

    cli.clearCalls();
    // An unset repository secret arrives as an empty variable.
    const unset = run(["up", stack], { ...shared, PULUMI_CONFIG_PASSPHRASE: "" });
    expect(unset.status).toBe(1);
    expect(unset.stderr).toContain(
      "PULUMI_BACKEND_URL=s3://team-state is a shared self-managed backend: set PULUMI_CONFIG_PASSPHRASE",
    );
    expect(cli.calls()).toEqual([]);
  });

  it("refuses an invalid stack config before any Pulumi command, creating nothing", () => {
    writeFileSync(stackFile(stack), "config:\n  pgplat:target: docker\n  pgplat:postgres:\n    maxConnections: 5\n");
    const result = run(["up", stack, "--yes"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("pgplat:postgres.maxConnections = 5: a number ≥ 20");
    expect(cli.calls()).toEqual([]);
    expect(cli.stacks()).toEqual({});
  });

  it("refuses the prod stack and unknown stacks before any Pulumi command", () => {
    const prod = run(["up", "prod", "--yes"]);
    expect(prod.status).toBe(1);
    expect(prod.stderr).toContain("Pulumi.prod.yaml has target aws; dev:up handles Docker stacks only");
    const unknown = run(["up", "staging"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("no Pulumi.staging.yaml: name a new local stack dev-<name>");
    expect(cli.calls()).toEqual([]);
    expect(existsSync(stackFile("staging"))).toBe(false);
  });

  it("refuses a bad --ttl before any Pulumi command", () => {
    const result = run(["up", stack, "--ttl", "forever"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--ttl forever: give a duration such as 90m, 36h or 7d");
    expect(cli.calls()).toEqual([]);
  });

  it("refuses a Pulumi CLI too old to keep the expiry tag on a self-managed backend, before touching any stack", () => {
    const result = run(["up", stack, "--yes"], { FAKE_PULUMI_VERSION: "v3.210.0" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `Pulumi CLI v3.210.0 does not keep stack tags on file://${projectRoot}/.pulumi-state: install 3.211.0 or newer`,
    );
    expect(cli.pulumiCalls()).toEqual(["version"]);
  });

  it("says what to install when the Pulumi CLI is missing", () => {
    // Node stays reachable wherever it is installed (/usr/local/bin in the CI container); pulumi is nowhere on PATH.
    const searchPath = [path.dirname(process.execPath), "/usr/bin", "/bin"];
    for (const directory of searchPath) expect(existsSync(path.join(directory, "pulumi")), directory).toBe(false);
    const result = spawnSync("bash", [devScript, "up"], {
      env: { ...cli.env(), PATH: searchPath.join(":") },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("pulumi is not available: install the Pulumi CLI");
  });
});

describe("npm run dev:down", () => {
  it("destroys and removes a dev-<name> stack, with or without its file", () => {
    cli.seed({ [stack]: { resourceCount: 17 } });
    const result = run(["down", stack]);
    expect(result.status, result.stderr).toBe(0);
    expect(cli.calls().slice(1)).toEqual([
      `pulumi destroy --stack ${stack} --yes | ${localBackend}`,
      `pulumi stack rm ${stack} --yes | ${localBackend}`,
    ]);
    expect(cli.stacks()).toEqual({});
  });

  it("keeps the committed dev file and never touches production", () => {
    cli.seed({ dev: { resourceCount: 17 } });
    expect(run(["down", "dev"]).status).toBe(0);
    expect(cli.pulumiCalls().slice(1)).toEqual(["destroy --stack dev --yes", "stack rm dev --yes --preserve-config"]);
    expect(existsSync(stackFile("dev"))).toBe(true);

    cli.clearCalls();
    const prod = run(["down", "prod"]);
    expect(prod.status).toBe(1);
    expect(prod.stderr).toContain("Pulumi.prod.yaml has target aws");
    expect(cli.calls()).toEqual([]);
  });
});
