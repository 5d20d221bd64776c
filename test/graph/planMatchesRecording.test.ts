import { describe, expect, it } from "vitest";
import { graphJson, graphText } from "../../recording/format";
import { recordStack } from "../support/graph";
import { runPlan } from "../support/planCommand";

// `npm run plan` strips types with esbuild and stands in for the SDK's function serializer
// (scripts/plan/withoutSerializer.ts). The graph tests record under ts-node with the real
// serializer, as Pulumi runs the program: both must print the same plan, in the same order.
describe("npm run plan prints the graph that ts-node and the real serializer record", () => {
  for (const [stack, name] of [
    ["dev", "dev"],
    ["prod", "prod"],
    ["test/fixtures/Pulumi.prod-proxy.yaml", "prod-proxy"],
  ]) {
    it(stack, () => {
      const { graph } = recordStack(stack, name);
      const text = runPlan(stack);
      expect(text.status, text.stderr).toBe(0);
      expect(text.stdout).toBe(`${graphText(graph)}\n`);
      const json = runPlan(stack, "--json");
      expect(json.status, json.stderr).toBe(0);
      expect(json.stdout).toBe(`${graphJson(graph)}\n`);
    });
  }
});
