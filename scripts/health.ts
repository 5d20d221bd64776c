/**
 * npm run -s health -- --database-url <url> [--pgbouncer-url <url>] [--redis-url <url>] [--backup-repo <dir>] [--threshold <name>.<level>=<n>]… [--json]
 * npm run -s health -- <stack> [--backup-repo <dir>] [--threshold …]… [--json]
 *
 * Exit 0 healthy, 1 degraded, 2 unhealthy, 3 could not check. Run it as the
 * monitoring login; thresholds come from pgplat:thresholds (the stack's, or
 * the defaults) and --threshold overrides them for this run.
 */
import * as path from "node:path";
import { parseStackConfig, withThresholdOverrides, type Thresholds } from "../config";
import { formatJson, formatText } from "../health/format";
import { exitCodeOf, type Report, type UnknownReport } from "../health/report";
import { healthReport, type HealthTargets } from "../health/run";
import { readStackOutputs, stackConfigOf, targetsFromOutputs } from "../health/stack";
import { exitWhenFlushed } from "./lib/exit";

const usage =
  "usage: npm run -s health -- --database-url <url> [--pgbouncer-url <url>] [--redis-url <url>] [--backup-repo <dir>] [--threshold <name>.warning|critical=<n>]… [--json]\n" +
  "       npm run -s health -- <stack> [--backup-repo <dir>] [--threshold …]… [--json]";
const projectRoot = path.join(__dirname, "..");

interface Arguments {
  readonly stack?: string;
  readonly json: boolean;
  readonly values: Readonly<Record<string, string>>;
  readonly thresholds: readonly string[];
}

export function parseArguments(argv: readonly string[]): Arguments {
  const values: Record<string, string> = {};
  const thresholds: string[] = [];
  let stack: string | undefined;
  let json = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === "--json") json = true;
    else if (["--database-url", "--pgbouncer-url", "--redis-url", "--backup-repo", "--threshold"].includes(argument)) {
      const value = argv[++index];
      if (value === undefined) throw new Error(`${argument} needs a value\n${usage}`);
      if (argument === "--threshold") thresholds.push(value);
      else values[argument.slice(2)] = value;
    } else if (!argument.startsWith("-") && stack === undefined) stack = argument;
    else throw new Error(`unknown argument ${argument.startsWith("-") ? argument : "(a second stack name)"}\n${usage}`);
  }
  if (stack !== undefined && values["database-url"] !== undefined) throw new Error(`give a stack or --database-url, not both\n${usage}`);
  if (stack === undefined && values["database-url"] === undefined) throw new Error(`no database: name a stack or pass --database-url\n${usage}`);
  return { stack, json, values, thresholds };
}

function resolve(args: Arguments): { targets: HealthTargets; thresholds: Thresholds } {
  const backupRepo = args.values["backup-repo"];
  let targets: HealthTargets;
  let declared: Thresholds;
  if (args.stack !== undefined) {
    const config = stackConfigOf(projectRoot, args.stack);
    targets = { ...targetsFromOutputs(readStackOutputs(projectRoot, args.stack, config), config), backupRepo };
    declared = config.thresholds;
  } else {
    targets = { databaseUrl: args.values["database-url"], pgbouncerUrl: args.values["pgbouncer-url"], redisUrl: args.values["redis-url"], backupRepo };
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
    const { targets, thresholds } = resolve(args);
    report = await healthReport(targets, thresholds);
  } catch (error) {
    report = { status: "unknown", error: error instanceof Error ? error.message : String(error), checks: [] };
  }
  if (json) console.log(formatJson(report));
  else if (report.status === "unknown" && report.checks.length === 0) console.error(`could not check: ${report.error}`);
  else console.log(formatText(report));
  return exitCodeOf(report);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(exitWhenFlushed, (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    exitWhenFlushed(3);
  });
}
