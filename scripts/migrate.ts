/**
 * npm run -s migrate -- status|apply [--database-url <url>] [--dir <dir>] [--out-of-order] [--role <role> | --no-role]
 *
 * The migrations engine outside Pulumi (application CI, a bastion in front of
 * a private RDS). The URL may also come from DATABASE_URL. Like the Pulumi
 * step, it acts as the owner role (SET ROLE) unless told otherwise, so objects
 * belong to app_owner whichever login applies them. Exit 0 on success;
 * on failure the first line on stderr starts with `<file>:<line>:`.
 */
import * as path from "node:path";
import { ownerRole } from "../config/roles";
import { migrationDefaults } from "../config/schema";
import {
  applyMigrations,
  MigrationError,
  migrationStatus,
  readMigrationsDir,
  RoleError,
  settingsFromUrl,
} from "../migrations";
import { exitWhenFlushed } from "./lib/exit";
import { parseCliArguments, UsageError } from "./lib/cliArgs";

interface Arguments {
  readonly command: "status" | "apply";
  readonly databaseUrl: string;
  readonly dir: string;
  readonly outOfOrder: boolean;
  /** Undefined: act as the login itself. */
  readonly role: string | undefined;
}

const usage =
  "usage: npm run -s migrate -- status|apply [--database-url <url>] [--dir <dir>] [--out-of-order] [--role <role> | --no-role]";

function parseArguments(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
): Arguments | "help" {
  const args = parseCliArguments(argv, {
    "--database-url": "value",
    "--dir": "value",
    "--out-of-order": "switch",
    "--role": "value",
    "--no-role": "switch",
  });
  if (args.help) return "help";
  const [command, ...extra] = args.positional;
  if (command !== "status" && command !== "apply")
    throw new UsageError(command === undefined ? "no command" : `unknown command ${command}`);
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(" ")}`);
  if (args.switches.has("--no-role") && args.values["--role"])
    throw new UsageError("--role and --no-role exclude each other");
  const value = (flag: string) => args.values[flag]?.[0];
  const databaseUrl = value("--database-url") ?? environment.DATABASE_URL;
  if (!databaseUrl)
    throw new Error("no database: pass --database-url postgresql://user:password@host:port/db or set DATABASE_URL");
  const role = args.switches.has("--no-role") ? undefined : (value("--role") ?? ownerRole);
  return {
    command,
    databaseUrl,
    dir: path.resolve(value("--dir") ?? path.join(__dirname, "..", migrationDefaults.dir)),
    outOfOrder: args.switches.has("--out-of-order"),
    role,
  };
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2), process.env);
  if (args === "help") {
    console.log(usage);
    return 0;
  }
  const connection = settingsFromUrl(args.databaseUrl);
  const migrations = readMigrationsDir(args.dir);
  if (args.command === "status") {
    const { status, problems } = await migrationStatus(connection, migrations, args.outOfOrder);
    for (const entry of status) console.log(`${entry.state.padEnd(18)} ${entry.file}`);
    for (const problem of problems) console.error(problem);
    return problems.length > 0 ? 1 : 0;
  }
  const result = await applyMigrations(connection, migrations, { outOfOrder: args.outOfOrder, role: args.role });
  for (const file of result.applied) console.log(`applied ${file.file} (${file.durationMs} ms)`);
  console.log(result.applied.length === 0 ? "nothing to apply" : `${result.applied.length} file(s) applied`);
  return 0;
}

main().then(
  (code) => exitWhenFlushed(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${usage}`);
      return exitWhenFlushed(2);
    }
    if (error instanceof RoleError) {
      console.error(
        `${error.message}\npass --role <a role ${error.login} is a member of> so what the migrations create belongs to it, or --no-role to act as ${error.login} itself (a database pgplat did not provision has no ${ownerRole})`,
      );
      return exitWhenFlushed(1);
    }
    if (error instanceof MigrationError && error.applied.length > 0) {
      console.error(error.message);
      console.error(`applied before the failure: ${error.applied.map((file) => file.file).join(", ")}`);
    } else {
      // Connection errors from the driver never include the password.
      console.error(error instanceof Error ? error.message : String(error));
    }
    exitWhenFlushed(1);
  },
);
