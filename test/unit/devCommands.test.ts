import { describe, expect, it } from "vitest";
import {
  checkDockerStack,
  checkPulumiVersion,
  checkSharedBackendSecrets,
  defaultLocalPassphrase,
  deployConsent,
  localBackendEnv,
  parseDevArgs,
  pulumiArgs,
  upConfigSource,
} from "../../scripts/devCommands";

describe("parseDevArgs", () => {
  it("reads the stack, --ttl, --yes and passes the rest to pulumi", () => {
    expect(parseDevArgs(["up", "dev-alice", "--ttl", "36h", "--refresh", "-y", "--target", "urn"])).toEqual({
      action: "up",
      stack: "dev-alice",
      ttl: "36h",
      yes: true,
      dryRun: false,
      passThrough: ["--refresh", "--target", "urn"],
    });
    expect(parseDevArgs(["up", "--ttl=2d"])).toMatchObject({
      stack: undefined,
      ttl: "2d",
      yes: false,
      passThrough: [],
    });
    expect(parseDevArgs(["reap", "--dry-run"])).toMatchObject({ action: "reap", dryRun: true });
    // `npm run dev:reap --dry-run` gives the flag to npm, which passes it on only in the environment.
    expect(parseDevArgs(["reap"], { npm_config_dry_run: "true" })).toMatchObject({ action: "reap", dryRun: true });
    expect(parseDevArgs(["reap"], {})).toMatchObject({ action: "reap", dryRun: false });
    expect(parseDevArgs(["up", "dev-a"], { npm_config_yes: "true" })).toMatchObject({ stack: "dev-a", yes: true });
    expect(parseDevArgs(["down", "dev-a"], { npm_config_yes: "true", npm_config_dry_run: "true" })).toMatchObject({
      yes: false,
      dryRun: false,
    });
    expect(parseDevArgs(["down", "dev-alice", "--refresh"])).toMatchObject({
      stack: "dev-alice",
      passThrough: ["--refresh"],
    });
  });

  it("rejects unknown actions, --ttl without a value and arguments list/reap do not take", () => {
    expect(() => parseDevArgs(["deploy"])).toThrow(/usage: npm run dev:up/);
    expect(() => parseDevArgs(["up", "--ttl"])).toThrow(/--ttl needs a value/);
    expect(() => parseDevArgs(["up", "--ttl", "--yes"])).toThrow(/--ttl needs a value/);
    expect(() => parseDevArgs(["reap", "--yes"])).toThrow(/unknown argument --yes/);
    expect(() => parseDevArgs(["list", "dev"])).toThrow(/unknown argument dev/);
  });
});

describe("upConfigSource and checkDockerStack", () => {
  it("a new dev-<name> stack starts from the dev template; other stacks need their own file", () => {
    expect(upConfigSource("dev-alice", false)).toEqual({ stack: "dev", fromTemplate: true });
    expect(upConfigSource("dev-alice", true)).toEqual({ stack: "dev-alice", fromTemplate: false });
    expect(() => upConfigSource("staging", false)).toThrow(
      "no Pulumi.staging.yaml: name a new local stack dev-<name> to start it from Pulumi.dev.yaml",
    );
  });

  it("only non-production Docker stacks pass", () => {
    expect(() => checkDockerStack("Pulumi.dev.yaml", "docker", "non-production", "up")).not.toThrow();
    expect(() => checkDockerStack("Pulumi.prod.yaml", "aws", "production", "up")).toThrow(
      "Pulumi.prod.yaml has target aws; dev:up handles Docker stacks only",
    );
    expect(() => checkDockerStack("Pulumi.x.yaml", "docker", "production", "down")).toThrow(
      "Pulumi.x.yaml is a production stack; dev:down never touches production stacks",
    );
  });
});

describe("deployConsent", () => {
  it("--yes or CI consent in advance, a terminal asks, anything else refuses", () => {
    expect(deployConsent(true, {}, false)).toBe("given");
    expect(deployConsent(false, { CI: "true" }, false)).toBe("given");
    expect(deployConsent(false, { CI: "1" }, true)).toBe("given");
    expect(deployConsent(false, { CI: "false" }, true)).toBe("ask");
    expect(deployConsent(false, {}, true)).toBe("ask");
    expect(deployConsent(false, { CI: "0" }, false)).toBe("refused");
  });
});

describe("pulumiArgs", () => {
  it("passes --yes to up only as a deliberate argument, and skips a preview already confirmed", () => {
    expect(pulumiArgs.up("dev-a", ["--refresh"], false)).toEqual(["up", "--stack", "dev-a", "--yes", "--refresh"]);
    expect(pulumiArgs.up("dev-a", [], true)).toEqual(["up", "--stack", "dev-a", "--yes", "--skip-preview"]);
    expect(pulumiArgs.preview("dev-a", ["--refresh"])).toEqual(["preview", "--stack", "dev-a", "--refresh"]);
  });

  it("keeps the committed stack files when removing dev or prod", () => {
    expect(pulumiArgs.remove("dev-a")).toEqual(["stack", "rm", "dev-a", "--yes"]);
    expect(pulumiArgs.remove("dev")).toEqual(["stack", "rm", "dev", "--yes", "--preserve-config"]);
    expect(pulumiArgs.select("dev-a", false)).toEqual(["stack", "select", "--create", "dev-a"]);
    expect(pulumiArgs.select("dev-a", true)).toEqual(["stack", "select", "dev-a"]);
  });
});

describe("localBackendEnv", () => {
  it("uses the project-local backend with the local passphrase by default", () => {
    expect(localBackendEnv("/repo", {})).toEqual({
      PULUMI_BACKEND_URL: "file:///repo/.pulumi-state",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_CONFIG_PASSPHRASE: defaultLocalPassphrase,
    });
  });

  it("keeps a passphrase or backend the user already set, and never gives a shared backend the well-known passphrase", () => {
    expect(
      localBackendEnv("/repo", { PULUMI_CONFIG_PASSPHRASE: "mine", PULUMI_BACKEND_URL: "file:///elsewhere" }),
    ).toEqual({
      PULUMI_BACKEND_URL: "file:///elsewhere",
      PULUMI_SKIP_UPDATE_CHECK: "true",
    });
    expect(localBackendEnv("/repo", { PULUMI_CONFIG_PASSPHRASE_FILE: "/secret" })).not.toHaveProperty(
      "PULUMI_CONFIG_PASSPHRASE",
    );
    expect(localBackendEnv("/repo", { PULUMI_BACKEND_URL: "s3://team-state" })).toEqual({
      PULUMI_BACKEND_URL: "s3://team-state",
      PULUMI_SKIP_UPDATE_CHECK: "true",
    });
  });
});

describe("checkSharedBackendSecrets", () => {
  it("a shared self-managed backend needs a real passphrase; the local backend and Pulumi Cloud do not", () => {
    expect(() => checkSharedBackendSecrets({})).not.toThrow();
    expect(() => checkSharedBackendSecrets({ PULUMI_BACKEND_URL: "https://api.pulumi.com" })).not.toThrow();
    expect(() =>
      checkSharedBackendSecrets({ PULUMI_BACKEND_URL: "s3://team-state", PULUMI_CONFIG_PASSPHRASE: "team" }),
    ).not.toThrow();
    expect(() =>
      checkSharedBackendSecrets({
        PULUMI_BACKEND_URL: "s3://team-state",
        PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secret",
      }),
    ).not.toThrow();
    // An unset repository secret arrives as an empty string.
    expect(() =>
      checkSharedBackendSecrets({ PULUMI_BACKEND_URL: "s3://team-state", PULUMI_CONFIG_PASSPHRASE: "" }),
    ).toThrow(
      "PULUMI_BACKEND_URL=s3://team-state is a shared self-managed backend: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE to its passphrase",
    );
  });
});

describe("checkPulumiVersion", () => {
  it("self-managed backends need a CLI that keeps stack tags (3.211.0 on); Pulumi Cloud always kept them", () => {
    expect(() => checkPulumiVersion("v3.211.0\n", "file:///repo/.pulumi-state")).not.toThrow();
    expect(() => checkPulumiVersion("v4.0.1\n", "s3://team-state")).not.toThrow();
    expect(() => checkPulumiVersion("v3.210.9\n", "https://api.pulumi.com")).not.toThrow();
    expect(() => checkPulumiVersion("v3.210.9\n", "file:///repo/.pulumi-state")).toThrow(
      "Pulumi CLI v3.210.9 does not keep stack tags on file:///repo/.pulumi-state: install 3.211.0 or newer",
    );
    expect(() => checkPulumiVersion("v2.99.0", "s3://team-state")).toThrow(/install 3\.211\.0 or newer/);
    expect(() => checkPulumiVersion("", "s3://team-state")).toThrow(/\(unknown version\)/);
  });
});
