/**
 * npm run drill [-- <stack>]: the restore drill on a real PostgreSQL 16 with
 * the stack's rendered config (default dev). Prints what it proved, the RPO
 * and RTO it measured, and a PASS or FAIL line; exit 0 only on PASS.
 */
import * as path from "node:path";
import { configNamespace, parseStackConfig } from "../config";
import { namespaceValues, readStackFile } from "../config/stackFile";
import { runDrill } from "./drill/scenario";
import { parseCliArguments, UsageError } from "./lib/cliArgs";
import { exitWhenFlushed } from "./lib/exit";

const usage = "usage: npm run drill [-- <stack>]   (default stack: dev)";

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArguments(argv, {});
  if (args.help) {
    console.log(usage);
    return 0;
  }
  if (args.positional.length > 1) throw new UsageError(`one stack at most, got ${args.positional.join(" ")}`);
  const stack = args.positional[0] ?? "dev";
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
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${usage}`);
      return exitWhenFlushed(2);
    }
    console.error(`drill: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    exitWhenFlushed(1);
  },
);
