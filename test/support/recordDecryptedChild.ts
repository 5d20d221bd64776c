/**
 * Run with ts-node: records index.ts with config as the engine hands it after
 * decrypting (real values, secret keys marked), the stack file on disk still
 * holding `secure:` markers. Prints the graph as JSON, secrets as {"$secret": value}.
 * Usage: recordDecryptedChild.ts <stack name> <JSON {config, secretKeys}>
 */
import * as path from "node:path";
import { recordGraph, SecretValue } from "../../recording/recorder";

const [stackName, request] = process.argv.slice(2);
const { config, secretKeys } = JSON.parse(request) as { config: Record<string, string>; secretKeys: string[] };

function reveal(value: unknown): unknown {
  if (value instanceof SecretValue) return { $secret: reveal(value.value) };
  if (Array.isArray(value)) return value.map(reveal);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, reveal(item)]));
  return value;
}

recordGraph({
  project: "pgplat",
  stack: stackName,
  config,
  secretKeys,
  program: () => require(path.join(__dirname, "..", "..", "index.ts")),
}).then(
  (graph) => process.stdout.write(JSON.stringify(reveal(graph))),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
