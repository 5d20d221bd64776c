/**
 * npm run drill [-- <stack>]: the restore drill on a real PostgreSQL 16 with
 * the stack's rendered config (default dev). Prints what it proved, the RPO
 * and RTO it measured, and a PASS or FAIL line; exit 0 only on PASS.
 */
import * as path from "node:path";
import { configNamespace, parseStackConfig } from "../config";
import { namespaceValues, readStackFile } from "./plan/stackConfig";
import { runDrill } from "./drill/scenario";
import { exitWhenFlushed } from "./lib/exit";

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help")) {
    console.log("usage: npm run drill [-- <stack>]   (default stack: dev)");
    return 0;
  }
  const unknown = argv.find((argument) => argument.startsWith("-"));
  if (unknown) throw new Error(`unknown option ${unknown}`);
  const stack = argv[0] ?? "dev";
  const { config: raw } = readStackFile(path.join(__dirname, "..", `Pulumi.${stack}.yaml`));
  const parsed = parseStackConfig(namespaceValues(raw, configNamespace));
  if (!parsed.ok)
    throw new Error(
      `Pulumi.${stack}.yaml is invalid: ${parsed.issues.map((issue) => issue.key).join(", ")} (run npm run -s plan -- ${stack})`,
    );
  if (!parsed.config.backups.enabled) throw new Error(`stack ${stack} has backups.enabled = false: nothing to drill`);
  const report = await runDrill(parsed.config, (line) => console.log(`drill: ${line}`));
  console.log(
    `rows committed before the target: ${report.committedBeforeTarget}; restored: ${report.restoredAtTarget}; after the target restored: ${report.restoredAfterTarget}; before it missing: ${report.missingBeforeTarget}`,
  );
  console.log(`RPO ${report.rpoSeconds.toFixed(1)} s (bound: archive_timeout ${report.archiveTimeoutSeconds} s)`);
  console.log(`RTO ${report.rtoSeconds.toFixed(1)} s (restore + replay to the target until the server accepts writes)`);
  console.log(report.passed ? "drill: PASS" : "drill: FAIL");
  return report.passed ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (error: unknown) => {
    console.error(`drill: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    exitWhenFlushed(1);
  },
);
