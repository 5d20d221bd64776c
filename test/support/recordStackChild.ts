/**
 * Run with ts-node (as Pulumi loads a program): records index.ts for a stack
 * file and prints the graph as JSON, secrets as {"$secret": value}.
 * Usage: recordStackChild.ts <stack name of a repository file, or a path to a Pulumi.<stack>.yaml> <stack-name>
 */
import * as path from "node:path";
import { recordGraph, SecretValue } from "../../recording/recorder";
import { readStackFile } from "../../config/stackFile";

const [stackFile, stackName] = process.argv.slice(2);
const projectRoot = path.join(__dirname, "..", "..");

function reveal(value: unknown): unknown {
  if (value instanceof SecretValue) return { $secret: reveal(value.value) };
  if (Array.isArray(value)) return value.map(reveal);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, reveal(item)]));
  return value;
}

async function main(): Promise<void> {
  const { config, secretKeys } = readStackFile(
    stackFile.endsWith(".yaml") ? stackFile : path.join(projectRoot, `Pulumi.${stackFile}.yaml`),
  );
  const graph = await recordGraph({
    project: "pgplat",
    stack: stackName,
    config,
    secretKeys,
    program: () => require(path.join(projectRoot, "index.ts")),
  });
  process.stdout.write(JSON.stringify(reveal(graph)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
