/** The health CLI's arguments (scripts/health.ts), parsed without side effects. */
export const usage =
  "usage: npm run -s health -- --database-url <url> [--pgbouncer-url <url>] [--redis-url <url>] [--backup-repo <dir>] [--threshold <name>.warning|critical=<n>]… [--json]\n" +
  "       npm run -s health -- <stack> [--backup-repo <dir>] [--threshold …]… [--json]";

export interface Arguments {
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
