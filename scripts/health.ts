/**
 * npm run -s health -- --database-url <url> [--pgbouncer-url <url>] [--redis-url <url>] [--backup-repo <dir>] [--threshold <name>.<level>=<n>]… [--json]
 * npm run -s health -- <stack> [--backup-repo <dir>] [--threshold …]… [--json]
 * either form with --serve <port>: a health endpoint (health/serve.ts) until SIGINT or SIGTERM
 *
 * Exit 0 healthy, 1 degraded, 2 unhealthy, 3 could not check (a server it
 * cannot reach or log in to, or a command line it cannot run). Run it as the
 * monitoring login; thresholds come from pgplat:thresholds (the stack's, or
 * the defaults) and --threshold overrides them for this run.
 */
import * as path from "node:path";
import { parseStackConfig, withThresholdOverrides, type Thresholds } from "../config";
import { formatJson, formatText } from "../health/format";
import { exitCodeOf, type Report, type UnknownReport } from "../health/report";
import { healthReport, type HealthTargets } from "../health/run";
import { serveHealth } from "../health/serve";
import { readStackOutputs, stackConfigOf, targetsFromOutputs } from "../health/stack";
import { exitWhenFlushed } from "./lib/exit";
import { parseArguments, usage, type Arguments } from "../health/arguments";
import { UsageError } from "./lib/cliArgs";

const projectRoot = path.join(__dirname, "..");

function resolve(args: Arguments): { targets: HealthTargets; thresholds: Thresholds } {
  const backupRepo = args.values["backup-repo"];
  let targets: HealthTargets;
  let declared: Thresholds;
  if (args.stack !== undefined) {
    const config = stackConfigOf(projectRoot, args.stack);
    targets = { ...targetsFromOutputs(readStackOutputs(projectRoot, args.stack, config), config), backupRepo };
    declared = config.thresholds;
  } else {
    targets = {
      databaseUrl: args.values["database-url"],
      pgbouncerUrl: args.values["pgbouncer-url"],
      redisUrl: args.values["redis-url"],
      backupRepo,
    };
    const defaults = parseStackConfig({ target: "docker" });
    if (!defaults.ok) throw new Error("the default thresholds do not validate");
    declared = defaults.config.thresholds;
  }
  const overridden = withThresholdOverrides(declared, args.thresholds);
  if ("problems" in overridden) throw new Error(overridden.problems.join("\n"));
  return { targets, thresholds: overridden.thresholds };
}

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  let report: Report | UnknownReport;
  try {
    const args = parseArguments(argv);
    if (args.help) {
      console.log(usage);
      return 0;
    }
    const { targets, thresholds } = resolve(args);
    if (args.serve !== undefined) return await serve(args.serve, targets, thresholds);
    report = await healthReport(targets, thresholds);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    report = { status: "unknown", error: reason, checks: [] };
    // A command line it cannot run is a report it could not make: exit 3, as for a server it cannot reach (2 means "unhealthy").
    if (error instanceof UsageError && !json) {
      console.error(`${reason}\n${usage}`);
      return exitCodeOf(report);
    }
  }
  if (json) console.log(formatJson(report));
  else if (report.status === "unknown" && report.checks.length === 0) console.error(`could not check: ${report.error}`);
  else console.log(formatText(report));
  return exitCodeOf(report);
}

/** Serves until SIGINT or SIGTERM, then exits 0. */
async function serve(port: number, targets: HealthTargets, thresholds: Thresholds): Promise<number> {
  const endpoint = await serveHealth(port, targets, thresholds);
  console.log(`serving the health report on ${endpoint.url} (200 healthy or degraded, 503 unhealthy or unknown)`);
  await new Promise((resolve) => ["SIGINT", "SIGTERM"].forEach((signal) => process.once(signal, resolve)));
  await endpoint.close();
  return 0;
}

main(process.argv.slice(2)).then(exitWhenFlushed, (error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  exitWhenFlushed(3);
});
