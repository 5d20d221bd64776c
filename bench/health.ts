/**
 * npm run bench:health [-- --tables N --runs R]
 *
 * The full PostgreSQL check set of the health report, as the monitoring
 * login, on a platform database with N (default 2,000) tables, two indexes
 * each plus their primary keys (4,000 secondary indexes), a foreign key per
 * table (half the keys int4 serials, half bigint identities) and
 * pg_stat_statements filled with several thousand distinct statements.
 * Three ways, alternating run by run so all see the same machine, R runs
 * each (default 21):
 * - the endpoint (`--serve`): an HTTP GET answered by a report made for it on
 *   kept sessions, from request to parsed JSON. The target is judged on it:
 *   the issue's 100 ms is a health endpoint's budget.
 * - one-shot, as `npm run -s health` runs its database part: reportConnections
 *   new sessions per report, connections included (Node's own start-up not).
 * - one-shot over one session.
 * Then the whole documented command, `npm run -s health -- … --json` (a
 * process per report), 5 times (at most R).
 * Prints each median, the server's CPU per report, the load average, and
 * where a new session and a kept one spend their time. Target: median ≤ 100 ms.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import * as path from "node:path";
import { Client, type ClientConfig } from "pg";
import { numberFlag, runBench } from "./cli";
import { checkPostgres, reportConnections, sessionOptions } from "../health/postgres";
import { applicationName, postgresChecks } from "../health/postgresChecks";
import type { CheckResult } from "../health/report";
import { serveHealth } from "../health/serve";
import { startPostgres } from "../test/support/postgresServer";
import { setUpPlatformDatabase } from "../test/support/platformDatabase";
import { repositoryStackConfig } from "../test/support/stackConfig";
import { postgresUrl } from "../test/support/healthCli";
import { waitFor } from "../test/support/processes";

const tableCount = numberFlag("--tables", 2000);
const runs = numberFlag("--runs", 21);
const targetMs = 100;

async function seed(client: Client): Promise<void> {
  await client.query("set role app_owner");
  for (let start = 0; start < tableCount; start += 100) {
    const statements: string[] = [];
    for (let index = start; index < Math.min(start + 100, tableCount); index++) {
      const parent =
        index === 0 ? "" : `, parent_id ${index % 2 === 1 ? "int" : "bigint"} references app.bench_${index - 1} (id)`;
      statements.push(
        // Half the tables have an int4 serial key (its sequence is read), half a bigint identity (whose range cannot run out).
        `create table app.bench_${index} (id ${index % 2 === 0 ? "serial" : "bigint generated always as identity"} primary key, name text, amount int${parent})`,
        `create index bench_${index}_name on app.bench_${index} (name)`,
        `create index bench_${index}_amount on app.bench_${index} (amount)`,
        `insert into app.bench_${index} (name, amount) select 'n' || g, g from generate_series(1, 20) g`,
      );
    }
    await client.query(statements.join(";\n"));
  }
}

/** Distinct statements (one per table and shape), so pg_stat_statements holds thousands of entries. */
async function fillStatements(client: Client): Promise<number> {
  for (let index = 0; index < tableCount; index++) {
    await client.query(`select count(*) from app.bench_${index} where amount > $1`, [index % 7]);
    await client.query(`select name from app.bench_${index} where name = $1`, ["n1"]);
    await client.query(`update app.bench_${index} set amount = amount + 1 where id = $1`, [1]);
  }
  const { rows } = await client.query<{ count: string }>("select count(*) from pg_stat_statements");
  return Number(rows[0].count);
}

async function main(): Promise<number> {
  const config = repositoryStackConfig("dev");
  const server = await startPostgres(config);
  try {
    const platform = await setUpPlatformDatabase(server, config);
    const migrator = new Client({ ...platform.as("app_migrator") });
    await migrator.connect();
    const seedStarted = performance.now();
    await seed(migrator);
    const statements = await fillStatements(migrator);
    await migrator.end();
    const [counts] = await server.connect({ database: platform.database }).then(async (client) => {
      try {
        return (
          await client.query<{ tables: string; indexes: string }>(
            "select (select count(*) from pg_tables where schemaname = 'app') as tables, (select count(*) from pg_indexes where schemaname = 'app') as indexes",
          )
        ).rows;
      } finally {
        await client.end();
      }
    });
    const thresholds = config.thresholds;
    const url = postgresUrl(platform.as("app_monitoring"));
    // Backends are the postmaster's children: their CPU time adds up in its cutime and cstime once they exit.
    const postmasterPid = readFileSync(path.join(server.root, "data", "postmaster.pid"), "utf8").split("\n")[0];
    const exitedChildrenCpuMs = () => cpuMsOf(postmasterPid, 13);
    const loadBefore = loadAverage();
    const endpoint = await serveHealth(0, { databaseUrl: url }, thresholds);
    // The endpoint's backends live on: their own CPU time, not their parent's.
    const keptPids = (
      await server.query<{ pid: number }>("select pid from pg_stat_activity where application_name = $1", [
        applicationName,
      ])
    ).map((row) => String(row.pid));
    // The report's backends still running: the monitoring login's, but for the endpoint's kept ones.
    const reportBackends = () =>
      readFileSync(`/proc/${postmasterPid}/task/${postmasterPid}/children`, "utf8")
        .trim()
        .split(" ")
        .filter((pid) => !keptPids.includes(pid) && commandOf(pid).includes("app_monitoring"));
    const backendsExited = () =>
      waitFor("the one-shot backends to exit", async () => {
        if (reportBackends().length > 0) throw new Error("still running");
      });
    const serverCpuMs = (lane: string) =>
      exitedChildrenCpuMs() + (lane === "endpoint" ? keptPids.reduce((sum, pid) => sum + cpuMsOf(pid, 11), 0) : 0);
    const lanes: Record<string, () => Promise<readonly CheckResult[]>> = {
      endpoint: async () => {
        const response = await fetch(endpoint.url);
        return ((await response.json()) as { checks: CheckResult[] }).checks;
      },
      oneShot: () => checkPostgres(url, thresholds, postgresChecks, reportConnections),
      oneSession: () => checkPostgres(url, thresholds, postgresChecks, 1),
    };
    const samples = new Map(Object.keys(lanes).map((lane) => [lane, { times: [] as number[], cpu: 0 }]));
    let checks = 0;
    try {
      for (let run = 0; run < runs; run++) {
        for (const [lane, report] of Object.entries(lanes)) {
          const cpuBefore = serverCpuMs(lane);
          const started = performance.now();
          const results = await report();
          samples.get(lane)!.times.push(performance.now() - started);
          await backendsExited(); // the report answers before its backends exit: count them in its lane
          samples.get(lane)!.cpu += serverCpuMs(lane) - cpuBefore;
          checks = results.length;
          const failed = results.filter((result) => result.detail.startsWith("could not evaluate"));
          if (failed.length > 0)
            throw new Error(
              `${lane}: checks failed: ${failed.map((result) => `${result.name}: ${result.detail}`).join("; ")}`,
            );
        }
      }
    } finally {
      await endpoint.close();
    }
    const perCheck = await timeEachCheck(platform.as("app_monitoring"));
    const cliRuns = await timeCliProcess(url, Math.min(runs, 5));
    const summary = (lane: string) => {
      const { times, cpu } = samples.get(lane)!;
      times.sort((a, b) => a - b);
      return {
        median: times[Math.floor(times.length / 2)],
        text: `min ${times[0].toFixed(1)} ms, median ${times[Math.floor(times.length / 2)].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms; server CPU ${(cpu / runs).toFixed(0)} ms per report`,
      };
    };
    const median = summary("endpoint").median;
    console.log(
      `database                ${counts.tables} tables, ${counts.indexes} indexes (incl. primary keys), ${statements} pg_stat_statements entries (seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s)`,
    );
    console.log(
      `report                  ${checks} PostgreSQL checks, every query sent each run; ${runs} runs each way, alternating`,
    );
    console.log(
      `machine                 ${availableParallelism()} cores, load average ${loadBefore} before, ${loadAverage()} after`,
    );
    console.log(
      `endpoint (--serve)      ${summary("endpoint").text}  [HTTP GET to parsed JSON, ${reportConnections} kept sessions]`,
    );
    console.log(
      `one-shot (the CLI)      ${summary("oneShot").text}  [${reportConnections} new sessions, connections included]`,
    );
    console.log(`one-shot, 1 session     ${summary("oneSession").text}`);
    console.log(
      `whole CLI process       median ${cliRuns[Math.floor(cliRuns.length / 2)].toFixed(0)} ms of ${cliRuns.length} runs  [npm run -s health -- --database-url … --json: npm, Node start-up and module loading, the report, exit]`,
    );
    const slowest = (lane: "cold" | "warm") =>
      perCheck[lane]
        .slice(0, 8)
        .map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`)
        .join(", ");
    const total = (lane: "cold" | "warm") =>
      perCheck[lane].reduce(([ms, faults], check) => [ms + check[1], faults + check[2]], [0, 0]);
    const [[, connectMs, connectFaults]] = perCheck.connect;
    const [coldMs, coldFaults] = total("cold");
    const [warmMs, warmFaults] = total("warm");
    console.log(`slowest, new session    ${slowest("cold")}`);
    console.log(`slowest, kept session   ${slowest("warm")}`);
    console.log(
      `new vs kept session     connect ${connectMs.toFixed(1)} ms, ${connectFaults} page faults; checks one after another ${coldMs.toFixed(0)} ms, ${coldFaults} page faults on a new session, ${warmMs.toFixed(0)} ms, ${warmFaults} on the kept one: ${(((coldMs - warmMs) / (coldFaults - warmFaults)) * 1000).toFixed(0)} µs per extra fault`,
    );
    console.log(
      `ratio median/target     ${(median / targetMs).toFixed(3)}  (endpoint median ${median.toFixed(1)} ms, target ≤ ${targetMs} ms: a health endpoint's budget)  ${median <= targetMs ? "PASS" : "FAIL"}`,
    );
    return median <= targetMs ? 0 : 1;
  } finally {
    await server.stop();
  }
}

/** One check's time and the minor page faults its backend took meanwhile. */
type Timing = readonly [name: string, ms: number, faults: number];

/**
 * Connection time, then each check's query on that new session (cold
 * caches), then each again on the same session (kept, as the endpoint's),
 * with the backend's minor page faults (read from /proc: the server runs
 * here): slowest first, where the report's time goes.
 */
async function timeEachCheck(connection: ClientConfig): Promise<Record<"connect" | "cold" | "warm", Timing[]>> {
  const client = new Client({ ...connection, options: sessionOptions });
  const connectStarted = performance.now();
  await client.connect();
  const pid = String((await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0].pid);
  const connect: Timing[] = [["connect", performance.now() - connectStarted, minorFaultsOf(pid)]];
  const cold: Timing[] = [];
  const warm: Timing[] = [];
  try {
    for (const times of [cold, warm]) {
      for (const check of postgresChecks) {
        const [started, faults] = [performance.now(), minorFaultsOf(pid)];
        await client.query(check.sql, check.params ? [...check.params] : undefined);
        times.push([check.name, performance.now() - started, minorFaultsOf(pid) - faults]);
      }
      times.sort((a, b) => b[1] - a[1]);
    }
    return { connect, cold, warm };
  } finally {
    await client.end();
  }
}

function minorFaultsOf(pid: string): number {
  return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[7]);
}

/** Wall time of the documented command, run `count` times one after another, sorted. */
async function timeCliProcess(url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < count; run++) {
    const started = performance.now();
    const child = spawn("npm", ["run", "-s", "health", "--", "--database-url", url, "--json"], {
      cwd: path.join(__dirname, ".."),
      stdio: "ignore",
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    times.push(performance.now() - started);
    if (code === null || code > 2) throw new Error(`npm run -s health exited ${code}`);
  }
  return times.sort((a, b) => a - b);
}

/** A process's command line ("postgres: <login> <database> …" for a backend); empty once it has exited. */
function commandOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/** utime + stime (from field `first`: 11 the process's own, 13 its exited children's) of a process, in ms. */
function cpuMsOf(pid: string, first: 11 | 13): number {
  return readFileSync(`/proc/${pid}/stat`, "utf8")
    .split(") ")[1]
    .split(" ")
    .slice(first, first + 2)
    .reduce((sum, ticks) => sum + Number(ticks) * 10, 0);
}

function loadAverage(): string {
  return loadavg()[0].toFixed(1);
}

runBench(main);
