/**
 * npm run -s plan -- <stack | path/to/Pulumi.<stack>.yaml> [--json]
 *
 * Shows what a stack would create, offline: runs index.ts under the recording
 * engine with the stack's YAML config. Needs no Pulumi CLI, Docker or cloud
 * credentials. Exits 1 with every config problem on bad config, and with every
 * violation when the graph breaks a guardrail (policy/rules.ts).
 */
// First: keeps the SDK's function serializer from loading (see withoutSerializer.ts).
import "./plan/withoutSerializer";
import { graphJson, graphText } from "../recording/format";
import { checkResources, plainSecretOutputs, resourcePolicies } from "../policy/rules";
import { stackPolicies } from "../policy/stackRules";
import { SecretValue } from "../recording/recorder";
import { maskGraphSecrets, withPlainInputs } from "../recording/reveal";
import { recordStackGraph } from "./plan/stackGraph";
import { exitWhenFlushed } from "./lib/exit";
import { parseCliArguments, UsageError } from "./lib/cliArgs";

const usage = "usage: npm run -s plan -- <stack | path/to/Pulumi.<stack>.yaml> [--json]";

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArguments(argv, { "--json": "switch" });
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const [target, ...extra] = args.positional;
  const json = args.switches.has("--json");
  if (!target || extra.length > 0) {
    process.stderr.write(`${target ? `one stack at a time, not also ${extra.join(" ")}\n` : ""}${usage}\n`);
    return 2;
  }
  const recorded = await recordStackGraph(target);
  if (!recorded.ok) {
    process.stderr.write(`${recorded.message}\n`);
    return recorded.exitCode;
  }
  const { graph, config, note } = recorded;
  if (note) process.stderr.write(`${note}\n`);
  process.stdout.write(`${json ? graphJson(graph) : graphText(graph)}\n`);
  const violations = [
    ...checkResources(withPlainInputs(graph.resources), { production: config.environment === "production" }),
    ...plainSecretOutputs(graph.outputs, (value) => value instanceof SecretValue),
  ];
  // Stdout stays the plan (pure JSON with --json); the verdict goes to stderr.
  if (violations.length > 0) {
    process.stderr.write(
      `Policy violations (${violations.length}):\n${violations.map((violation) => `  - [${violation.policy}] ${violation.resource}: ${maskGraphSecrets(violation.message, graph.resources)}`).join("\n")}\n`,
    );
    return 1;
  }
  const guardrails = new Set([...resourcePolicies, ...stackPolicies].map((policy) => policy.name)).size + 1;
  process.stderr.write(`Policies: ${guardrails} guardrails, no violations.\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${usage}\n`);
      return exitWhenFlushed(2);
    }
    process.stderr.write(
      `plan failed: ${error instanceof Error ? (process.env.PGPLAT_DEBUG ? error.stack : error.message) : String(error)}\n`,
    );
    exitWhenFlushed(1);
  },
);
