/** The health CLI's arguments (scripts/health.ts), parsed without side effects. */
import { parseCliArguments, UsageError, type OptionKinds } from "../scripts/lib/cliArgs";

export const usage =
  "usage: npm run -s health -- --database-url <url> [--pgbouncer-url <url>] [--redis-url <url>] [--backup-repo <dir>] [--threshold <name>.warning|critical=<n>]… [--json]\n" +
  "       npm run -s health -- <stack> [--backup-repo <dir>] [--threshold …]… [--json]";

const options: OptionKinds = {
  "--json": "switch",
  "--database-url": "value",
  "--pgbouncer-url": "value",
  "--redis-url": "value",
  "--backup-repo": "value",
  "--threshold": "values",
};

export interface Arguments {
  readonly stack?: string;
  readonly json: boolean;
  readonly help: boolean;
  readonly values: Readonly<Record<string, string>>;
  readonly thresholds: readonly string[];
}

/**
 * The shared parser's rules (unknown options and missing values are
 * UsageErrors), plus health's own: one stack or --database-url. A usage
 * error exits 3 like any other report that could not be made: 2 means
 * "unhealthy" here (see scripts/health.ts).
 */
export function parseArguments(argv: readonly string[]): Arguments {
  const parsed = parseCliArguments(argv, options);
  const values: Record<string, string> = {};
  for (const name of ["--database-url", "--pgbouncer-url", "--redis-url", "--backup-repo"]) {
    const value = parsed.values[name]?.[0];
    if (value !== undefined) values[name.slice(2)] = value;
  }
  const args = {
    json: parsed.switches.has("--json"),
    help: parsed.help,
    values,
    thresholds: parsed.values["--threshold"] ?? [],
  };
  if (parsed.help) return args;
  if (parsed.positional.length > 1)
    throw new UsageError(`one stack name, not ${parsed.positional.length}: ${parsed.positional.join(" ")}`);
  const stack = parsed.positional[0];
  if (stack !== undefined && values["database-url"] !== undefined)
    throw new UsageError("give a stack or --database-url, not both");
  if (stack === undefined && values["database-url"] === undefined)
    throw new UsageError("no database: name a stack or pass --database-url");
  return { ...args, stack };
}
