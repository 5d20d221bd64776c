/**
 * Run with ts-node, as Pulumi loads a program: serializes the migrations
 * provider the way `pulumi.dynamic.Resource` does, loads the serialized text
 * as a fresh module, and prints the result of its `diff` for the inputs given
 * as JSON in argv[2].
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { migrationsProvider } from "../../components/database/migrationsProvider";

async function main(): Promise<void> {
  const inputs = JSON.parse(process.argv[2]);
  const serialized = await pulumi.runtime.serializeFunction(() => migrationsProvider, { allowSecrets: false });
  const scratch = mkdtempSync(path.join(__dirname, "..", "..", ".serialized-"));
  try {
    const file = path.join(scratch, "provider.js");
    writeFileSync(file, serialized.text);
    const provider = require(file)[serialized.exportName]() as typeof migrationsProvider;
    console.log(JSON.stringify(await provider.diff("id", { ...inputs, applied: [] }, inputs)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
