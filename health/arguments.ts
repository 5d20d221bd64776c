/** The health CLI's arguments (scripts/health.ts), parsed without side effects. */
import { parseCliArguments, UsageError, type OptionKinds } from "../scripts/lib/cliArgs";

export const usage =
  "usage: npm run -s health -- --database-url <url> [--pgbouncer-url <url>] [--redis-url <url>] [--backup-repo <dir>] [--threshold <name>.warning|critical=<n>]… [--json]\n" +
  "       npm run -s health -- <stack> [--backup-repo <dir>] [--threshold …]… [--json]\n" +
  "       either form with --serve <port> instead of --json: a health endpoint on http://127.0.0.1:<port>/";

const options: OptionKinds = {
  "--json": "switch",
  "--database-url": "value",
  "--pgbouncer-url": "value",
  "--redis-url": "value",
  "--backup-repo": "value",
  "--threshold": "values",
  "--serve": "value",
};

export interface Arguments {
  readonly stack?: string;
  readonly json: boolean;
  readonly help: boolean;
  readonly values: Readonly<Record<string, string>>;
  readonly thresholds: readonly string[];
  /** The port of the health endpoint (`--serve`; 0 picks a free one); undefined: report once and exit. */
  readonly serve?: number;
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
  const port = parsed.values["--serve"]?.[0];
  const serve = port === undefined ? undefined : Number(port);
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535))
    throw new UsageError(`--serve ${port}: a TCP port, 0 to 65535 (0 picks a free one)`);
  if (serve !== undefined && args.json) throw new UsageError("--serve answers JSON already: leave out --json");
  return { ...args, stack, serve };
}
