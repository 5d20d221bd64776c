/**
 * npm run drill [-- <stack>] [--local]: the restore drill on a real
 * PostgreSQL 16 with the stack's rendered config (default dev): on a
 * throwaway server, or with --local on the stack `npm start` runs here,
 * from that stack's own backups and WAL archive. Prints what it proved, the
 * RPO and RTO it measured, and a PASS or FAIL line; exit 0 only on PASS.
 */
import { loadLocalStack } from "../local/stackConfig";
import { defaultDevStack } from "./devCommands";
import { runDrill } from "./drill/scenario";
import { localStackSource, scratchSource } from "./drill/sources";
import { parseCliArguments, UsageError } from "./lib/cliArgs";
import { exitWhenFlushed } from "./lib/exit";

const usage = `usage: npm run drill [-- <stack>] [--local]   (default stack: ${defaultDevStack})
  --local   drill the stack npm start runs on this machine: restore its own backups and archive`;

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArguments(argv, { "--local": "switch" });
  if (args.help) {
    console.log(usage);
    return 0;
  }
  if (args.positional.length > 1) throw new UsageError(`one stack at most, got ${args.positional.join(" ")}`);
  const loaded = loadLocalStack(args.positional[0] ?? defaultDevStack);
  if (!loaded.ok) {
    console.error(loaded.message);
    return loaded.exitCode;
  }
  if (!loaded.config.backups.enabled)
    throw new Error(`stack ${loaded.stack} has backups.enabled = false: nothing to drill`);
  const source = args.switches.has("--local") ? localStackSource(loaded.stack) : await scratchSource(loaded.config);
  const report = await runDrill(loaded.config, source, (line) => console.log(`drill: ${line}`));
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
