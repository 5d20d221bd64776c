import { describe, expect, it } from "vitest";
import { defaultLocalPassphrase, localBackendEnv, planDevCommand } from "../../scripts/devCommands";

const base = { projectRoot: "/repo", stackFileExists: true, environment: {} };

describe("planDevCommand", () => {
  it("dev:up with no stack deploys dev on the project-local backend", () => {
    expect(planDevCommand({ ...base, action: "up", stack: undefined })).toEqual({
      stack: "dev",
      env: { PULUMI_BACKEND_URL: "file:///repo/.pulumi-state", PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_CONFIG_PASSPHRASE: defaultLocalPassphrase },
      steps: [
        { kind: "run", description: "select or create stack dev", argv: ["pulumi", "stack", "select", "--create", "dev"] },
        { kind: "run", description: "deploy dev", argv: ["pulumi", "up", "--stack", "dev", "--yes"] },
      ],
    });
  });

  it("a new dev-<name> stack starts from the dev config", () => {
    const plan = planDevCommand({ ...base, action: "up", stack: "dev-alice", stackFileExists: false, passThrough: ["--refresh"] });
    expect(plan.steps).toEqual([
      { kind: "copy-config", description: "new stack dev-alice: config from Pulumi.dev.yaml", argv: ["Pulumi.dev.yaml", "Pulumi.dev-alice.yaml"] },
      { kind: "run", description: "select or create stack dev-alice", argv: ["pulumi", "stack", "select", "--create", "dev-alice"] },
      { kind: "run", description: "deploy dev-alice", argv: ["pulumi", "up", "--stack", "dev-alice", "--yes", "--refresh"] },
    ]);
  });

  it("dev:down destroys and removes the stack, keeping committed stack files", () => {
    expect(planDevCommand({ ...base, action: "down", stack: "dev-alice" }).steps.map((step) => step.argv)).toEqual([
      ["pulumi", "destroy", "--stack", "dev-alice", "--yes"],
      ["pulumi", "stack", "rm", "dev-alice", "--yes"],
    ]);
    expect(planDevCommand({ ...base, action: "down", stack: "dev" }).steps[1].argv).toEqual(["pulumi", "stack", "rm", "dev", "--yes", "--preserve-config"]);
  });

  it("requires a stack for dev:down and refuses odd names and unknown stacks", () => {
    expect(() => planDevCommand({ ...base, action: "down", stack: undefined })).toThrow(/must be named/);
    expect(() => planDevCommand({ ...base, action: "up", stack: "Dev Alice" })).toThrow(/not allowed/);
    expect(() => planDevCommand({ ...base, action: "up", stack: "staging", stackFileExists: false })).toThrow(/dev-<name>/);
  });
});

describe("localBackendEnv", () => {
  it("keeps a passphrase or backend the user already set", () => {
    expect(localBackendEnv("/repo", { PULUMI_CONFIG_PASSPHRASE: "mine", PULUMI_BACKEND_URL: "file:///elsewhere" })).toEqual({
      PULUMI_BACKEND_URL: "file:///elsewhere",
      PULUMI_SKIP_UPDATE_CHECK: "true",
    });
    expect(localBackendEnv("/repo", { PULUMI_CONFIG_PASSPHRASE_FILE: "/secret" })).not.toHaveProperty("PULUMI_CONFIG_PASSPHRASE");
  });
});
