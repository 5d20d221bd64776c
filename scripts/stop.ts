/**
 * npm run stop [-- <stack>] [--delete]: stops the stack's local platform
 * started by npm start; data kept, or with --delete removed with the rest of
 * its state (data, backups, WAL archive, passwords).
 */
import { defaultDevStack } from "./devCommands";
import { parseCliArguments, UsageError } from "./lib/cliArgs";
import { exitWhenFlushed } from "./lib/exit";
import { stopLocalPlatform } from "../local/platform";
import { findStateDir, removeStateDir } from "../local/stateDir";

const usage = `usage: npm run stop [-- <stack>]             stop the stack's local platform (default stack ${defaultDevStack}); data kept
       npm run stop -- <stack> --delete   stop it and delete its state: data, backups, WAL archive, passwords`;

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArguments(argv, { "--delete": "switch" });
  if (args.help) {
    console.log(usage);
    return 0;
  }
  if (args.positional.length > 1) throw new UsageError(`one stack at most, got ${args.positional.join(" ")}`);
  const target = args.positional[0] ?? defaultDevStack;
  const stack = target.replace(/^.*\/|\.yaml$/g, "").replace(/^Pulumi\./, "");
  const state = findStateDir(stack);
  const result = await stopLocalPlatform(state);
  if (args.switches.has("--delete")) {
    removeStateDir(state);
    console.log(`${stack}: ${result === "stopped" ? "stopped; " : ""}deleted ${state.dir}`);
    return 0;
  }
  console.log(result === "stopped" ? `${stack}: stopped; data kept in ${state.dir}` : `${stack}: not running`);
  return 0;
}

main(process.argv.slice(2)).then(exitWhenFlushed, (error: unknown) => {
  console.error(
    error instanceof UsageError
      ? `${error.message}\n${usage}`
      : `npm run stop: ${error instanceof Error ? error.message : String(error)}`,
  );
  exitWhenFlushed(error instanceof UsageError ? 2 : 1);
});
