import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createdAtTag, expiresAtTag } from "../../scripts/devExpiry";
import { createFakeCli, type FakeCli } from "../support/fakeCli";

/**
 * npm run dev:list and dev:reap against a stand-in `pulumi` holding stacks of
 * every kind: only expired dev-<name> stacks may ever be destroyed.
 */
const projectRoot = path.join(__dirname, "..", "..");
const devScript = path.join(projectRoot, "scripts", "dev.sh");
// A dev-<name> stack whose local file says production: protected even when expired.
const prodLike = `dev-prodlike${process.pid}`;
const prodLikeFile = path.join(projectRoot, `Pulumi.${prodLike}.yaml`);
const past = new Date(Date.now() - 3_600_000).toISOString();
const future = new Date(Date.now() + 3_600_000).toISOString();
const created = new Date(Date.now() - 2 * 86_400_000).toISOString();
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

function seedEveryKind(): void {
  writeFileSync(path.join(cli.bin, "stacks.json"), "{}");
  cli.seed({
    dev: { resourceCount: 21, tags: { [createdAtTag]: created, [expiresAtTag]: past } },
    prod: { resourceCount: 90, tags: { [expiresAtTag]: past } },
    "dev-old": { resourceCount: 17, tags: { [createdAtTag]: created, [expiresAtTag]: past } },
    "acme/pgplat/dev-pr-7": { resourceCount: 17, tags: { [expiresAtTag]: past } },
    "dev-fresh": { resourceCount: 17, tags: { [createdAtTag]: created, [expiresAtTag]: future } },
    "dev-untagged": { resourceCount: 3, tags: {} },
    [prodLike]: { resourceCount: 40, tags: { [expiresAtTag]: past } },
  });
  cli.clearCalls();
}

beforeAll(() => {
  cli = createFakeCli();
  writeFileSync(prodLikeFile, "config:\n  pgplat:target: aws\n  pgplat:environment: production\n");
});
afterEach(() => cli.clearCalls());
afterAll(() => {
  cli.cleanup();
  rmSync(prodLikeFile, { force: true });
  if (!stateDirExisted) rmSync(stateDir, { recursive: true, force: true });
});

describe("npm run dev:list", () => {
  it("shows every stack with its age, expiry and resource count", () => {
    seedEveryKind();
    const result = run(["list"]);
    expect(result.status, result.stderr).toBe(0);
    const rows = Object.fromEntries(
      result.stdout
        .trim()
        .split("\n")
        .map((row) => [row.split(/\s+/)[0], row.split(/\s{2,}/)]),
    );
    expect(rows.STACK).toEqual(["STACK", "AGE", "EXPIRES", "RESOURCES", "LAST UPDATE"]);
    expect(rows["dev-old"].slice(1, 4)).toEqual(["2d 0h", "expired 1h 0m ago", "17"]);
    expect(rows["dev-fresh"].slice(1, 4)).toEqual(["2d 0h", expect.stringMatching(/^in (59m|1h 0m)$/), "17"]);
    expect(rows["dev-untagged"].slice(1, 4)).toEqual(["unknown", "not recorded", "3"]);
    expect(rows.prod.slice(2, 4)).toEqual(["expired 1h 0m ago", "90"]);
    expect(Object.keys(rows)).toHaveLength(8);
    // Read-only: it lists and reads tags, nothing else.
    expect(
      cli
        .pulumiCalls()
        .filter((call) => !call.startsWith("stack tag ls") && call !== "stack ls --json" && call !== "version"),
    ).toEqual([]);
  });
});

describe("npm run dev:reap", () => {
  it("--dry-run names the expired dev-<name> stacks and changes nothing", () => {
    seedEveryKind();
    const result = run(["reap", "--dry-run"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("would reap dev-old (expired");
    expect(result.stdout).toContain("would reap acme/pgplat/dev-pr-7 (expired");
    expect(result.stdout).toContain("Would reap 2 of 2 expired stack(s).");
    expect(cli.pulumiCalls().filter((call) => call.startsWith("destroy") || call.startsWith("stack rm"))).toEqual([]);
    expect(Object.keys(cli.stacks())).toHaveLength(7);
  });

  it("npm run dev:reap --dry-run (the flag given to npm, without --) is a dry run too", () => {
    seedEveryKind();
    const result = spawnSync("npm", ["run", "dev:reap", "--dry-run"], {
      cwd: projectRoot,
      env: cli.env(),
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("Would reap 2 of 2 expired stack(s).");
    expect(cli.pulumiCalls().filter((call) => call.startsWith("destroy") || call.startsWith("stack rm"))).toEqual([]);
  });

  it("destroys and removes only expired dev-<name> stacks, never dev, prod or a protected one", () => {
    seedEveryKind();
    const result = run(["reap"]);
    expect(result.status, result.stderr).toBe(0);
    expect(cli.pulumiCalls().filter((call) => /^(destroy|stack rm|up|stack select|stack tag set)/.test(call))).toEqual([
      "destroy --stack dev-old --yes",
      "stack rm dev-old --yes",
      "destroy --stack acme/pgplat/dev-pr-7 --yes",
      "stack rm acme/pgplat/dev-pr-7 --yes",
    ]);
    // Tags are never even read for stacks that cannot be reaped by name.
    expect(cli.pulumiCalls().filter((call) => call.includes("--stack dev ") || call.includes("--stack prod "))).toEqual(
      [],
    );
    expect(Object.keys(cli.stacks()).sort()).toEqual(["dev", "dev-fresh", "dev-untagged", prodLike, "prod"].sort());
    expect(result.stdout).toContain(
      `keep ${prodLike}: protected: its stack file has target aws, environment production`,
    );
    expect(result.stdout).toContain("keep dev-untagged: no pgplat:expires-at tag");
    expect(result.stdout).toContain("Reaped 2 of 2 expired stack(s).");
  });

  it("goes on after a stack fails to destroy, keeps that stack and exits 1", () => {
    seedEveryKind();
    const result = run(["reap"], { FAKE_PULUMI_FAIL: "destroy --stack dev-old" });
    expect(result.status).toBe(1);
    expect(cli.pulumiCalls().filter((call) => /^(destroy|stack rm)/.test(call))).toEqual([
      "destroy --stack dev-old --yes",
      "destroy --stack acme/pgplat/dev-pr-7 --yes",
      "stack rm acme/pgplat/dev-pr-7 --yes",
    ]);
    expect(cli.stacks()["dev-old"]).toBeDefined();
    expect(result.stdout).toContain("Reaped 1 of 2 expired stack(s); 1 failed.");
  });
});
