/**
 * npm start [-- <stack>] [--detach] [--json] [--reset]
 *     the stack's PostgreSQL 16, PgBouncer and Redis as local processes (no
 *     Docker, no cloud); default stack dev. In the foreground until Ctrl-C or
 *     SIGTERM; with --detach, returns once all three are healthy.
 */
import { defaultDevStack } from "./devCommands";
import { parseCliArguments, UsageError } from "./lib/cliArgs";
import { exitWhenFlushed } from "./lib/exit";
import { loadLocalStack } from "../local/stackConfig";
import { formatOutputs } from "../local/outputs";
import { runningServers, readRun, startLocalPlatform, stopLocalPlatform, type LocalPlatform } from "../local/platform";
import { sleep } from "../local/processes";

const usage = `usage: npm start [-- <stack>] [--detach] [--json]   start the stack's platform locally (default stack ${defaultDevStack})
       npm start -- <stack> --reset                  start from an empty data directory (stops a running stack first)
       npm run stop [-- <stack>]                     stop it; data kept`;

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArguments(argv, { "--detach": "switch", "--json": "switch", "--reset": "switch" });
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
  const json = args.switches.has("--json");
  const say = (line: string) => console.error(`pgplat ${loaded.stack}: ${line}`);
  // From here on a signal never leaves detached servers behind: it is noted and acted on once the start settles.
  let signalled: NodeJS.Signals | undefined;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => (signalled ??= signal));
  const platform = await startLocalPlatform({
    stack: loaded.stack,
    config: loaded.config,
    reset: args.switches.has("--reset"),
    say,
  });
  if (signalled && !platform.alreadyRunning) {
    say(`${signalled} while starting: stopping what started`);
    await stopLocalPlatform(platform.state);
    return 1;
  }
  if (platform.alreadyRunning)
    say(`already running (state in ${platform.state.dir}); npm run stop -- ${loaded.stack} stops it`);
  console.log(json ? JSON.stringify(platform.outputs, null, 2) : formatOutputs(loaded.stack, platform.outputs));
  if (args.switches.has("--detach") || platform.alreadyRunning) {
    if (!platform.alreadyRunning)
      say(`running in the background (logs in ${platform.state.logDir}); npm run stop -- ${loaded.stack} stops it`);
    return 0;
  }
  return runInForeground(platform, say, () => signalled);
}

/** Until SIGINT or SIGTERM, then stops all three; ends early (non-zero) if a server dies, or quietly if `npm run stop` stopped them. */
async function runInForeground(
  platform: LocalPlatform,
  say: (line: string) => void,
  signalled: () => NodeJS.Signals | undefined,
): Promise<number> {
  say("running; Ctrl-C stops it");
  while (!signalled()) {
    await sleep(200);
    if (signalled()) break;
    const record = readRun(platform.state);
    if (!record.servers || record.stopping) {
      console.error(`pgplat ${platform.state.stack}: stopped by npm run stop`);
      return 0;
    }
    if (!runningServers(record)) {
      console.error(
        `pgplat ${platform.state.stack}: a server exited (see ${platform.state.logDir}); stopping the others`,
      );
      await stopLocalPlatform(platform.state);
      return 1;
    }
  }
  console.error(`pgplat ${platform.state.stack}: ${signalled()}: stopping PostgreSQL, PgBouncer and Redis`);
  await stopLocalPlatform(platform.state);
  console.error(`pgplat ${platform.state.stack}: stopped; data kept in ${platform.state.dir}`);
  return 0;
}

main(process.argv.slice(2)).then(exitWhenFlushed, (error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${usage}`);
    exitWhenFlushed(2);
    return;
  }
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  exitWhenFlushed(1);
});
