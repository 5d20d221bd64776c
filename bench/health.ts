/**
 * npm run bench:health [-- --tables N --runs R]
 *
 * The full PostgreSQL check set of the health report, as the monitoring
 * login, on a platform database with N (default 2,000) tables, two indexes
 * each plus their primary keys (4,000 secondary indexes), a foreign key per
 * table (half the keys int4 serials, half bigint identities) and
 * pg_stat_statements filled with several thousand distinct
 * statements. Prints the median report time over R runs (default 21),
 * connections included, as the CLI runs it (reportConnections sessions) and
 * over one session, runs alternating so both see the same machine; the
 * server's CPU per report; the load average. Target: median ≤ 100 ms.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import * as path from "node:path";
import { Client, type ClientConfig } from "pg";
import { numberFlag, runBench } from "./cli";
import { checkPostgres, reportConnections, sessionOptions } from "../health/postgres";
import { postgresChecks } from "../health/postgresChecks";
import { startPostgres } from "../test/support/postgresServer";
import { setUpPlatformDatabase } from "../test/support/platformDatabase";
import { repositoryStackConfig } from "../test/support/stackConfig";
import { postgresUrl } from "../test/support/healthCli";

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
    const serverCpuMs = () =>
      readFileSync(`/proc/${postmasterPid}/stat`, "utf8")
        .split(") ")[1]
        .split(" ")
        .slice(13, 15)
        .reduce((sum, ticks) => sum + Number(ticks) * 10, 0);
    const loadBefore = loadAverage();
    const lanes = [reportConnections, 1];
    const samples = new Map(lanes.map((connections) => [connections, { times: [] as number[], cpu: 0 }]));
    let checks = 0;
    for (let run = 0; run < runs; run++) {
      for (const connections of lanes) {
        const cpuBefore = serverCpuMs();
        const started = performance.now();
        const results = await checkPostgres(url, thresholds, postgresChecks, connections);
        samples.get(connections)!.times.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20)); // let the backends exit and be counted
        samples.get(connections)!.cpu += serverCpuMs() - cpuBefore;
        checks = results.length;
        const failed = results.filter((result) => result.detail.startsWith("could not evaluate"));
        if (failed.length > 0)
          throw new Error(`checks failed: ${failed.map((result) => `${result.name}: ${result.detail}`).join("; ")}`);
      }
    }
    const perCheck = await timeEachCheck(platform.as("app_monitoring"));
    const summary = (connections: number) => {
      const { times, cpu } = samples.get(connections)!;
      times.sort((a, b) => a - b);
      return {
        median: times[Math.floor(times.length / 2)],
        text: `min ${times[0].toFixed(1)} ms, median ${times[Math.floor(times.length / 2)].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms; server CPU ${(cpu / runs).toFixed(0)} ms per report`,
      };
    };
    const median = summary(reportConnections).median;
    console.log(
      `database                ${counts.tables} tables, ${counts.indexes} indexes (incl. primary keys), ${statements} pg_stat_statements entries (seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s)`,
    );
    console.log(
      `report                  ${checks} PostgreSQL checks, connections included, ${runs} runs each way, alternating`,
    );
    console.log(
      `machine                 ${availableParallelism()} cores, load average ${loadBefore} before, ${loadAverage()} after`,
    );
    console.log(`${reportConnections} sessions (the CLI)  ${summary(reportConnections).text}`);
    console.log(`1 session               ${summary(1).text}`);
    console.log(
      `slowest (cold)          ${perCheck
        .slice(0, 8)
        .map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`)
        .join(", ")}`,
    );
    console.log(
      `ratio median/target     ${(median / targetMs).toFixed(3)}  (median ${median.toFixed(1)} ms, target ≤ ${targetMs} ms)  ${median <= targetMs ? "PASS" : "FAIL"}`,
    );
    return median <= targetMs ? 0 : 1;
  } finally {
    await server.stop();
  }
}

/** Connection time, then each check's query on that fresh connection (cold caches), slowest first: where the report's time goes. */
async function timeEachCheck(connection: ClientConfig): Promise<[string, number][]> {
  const client = new Client({ ...connection, options: sessionOptions });
  const connectStarted = performance.now();
  await client.connect();
  const result: [string, number][] = [["connect", performance.now() - connectStarted]];
  try {
    for (const check of postgresChecks) {
      const samples: number[] = [];
      for (let run = 0; run < 1; run++) {
        const started = performance.now();
        await client.query(check.sql, check.params ? [...check.params] : undefined);
        samples.push(performance.now() - started);
      }
      result.push([check.name, samples[0]]);
    }
    return result.sort((a, b) => b[1] - a[1]);
  } finally {
    await client.end();
  }
}

function loadAverage(): string {
  return loadavg()[0].toFixed(1);
}

runBench(main);
