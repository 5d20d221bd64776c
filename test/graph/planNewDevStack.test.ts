import { existsSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runPlan } from "../support/planCommand";

const projectRoot = path.join(__dirname, "..", "..");

const plan = runPlan;

describe("npm run plan for a dev-<name> stack that has no file yet", () => {
  it("plans it from the dev template under its own name and says so", () => {
    const stack = `dev-plan${process.pid}`;
    expect(existsSync(path.join(projectRoot, `Pulumi.${stack}.yaml`))).toBe(false);
    const result = plan(stack, "--json");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `No Pulumi.${stack}.yaml yet: planning ${stack} from Pulumi.dev.yaml, as npm run dev:up would create it.`,
    );
    const resources = JSON.parse(result.stdout) as { name: string; inputs: Record<string, unknown> }[];
    // Docker objects carry the new stack's name, so it lives beside dev on one host.
    expect(resources.find((entry) => entry.name === "pgplat-docker-postgres-container")?.inputs).toMatchObject({
      name: `pgplat-${stack}-postgres`,
    });
    expect(existsSync(path.join(projectRoot, `Pulumi.${stack}.yaml`))).toBe(false);
  });

  it("still refuses other stacks without a file", () => {
    const result = plan("staging");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("No stack file Pulumi.staging.yaml; stacks with a file:");
  });
});
