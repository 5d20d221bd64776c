import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applicationName } from "../../health/postgresChecks";
import { healthJson, postgresUrl, statuses, type JsonReport } from "../support/healthCli";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { runAs, setUpPlatformDatabase, type PlatformDatabase } from "../support/platformDatabase";
import { waitFor } from "../support/processes";
import { repositoryStackConfig } from "../support/stackConfig";

/**
 * The health endpoint (`npm run -s health -- … --serve <port>`) against a
 * real PostgreSQL 16, as the monitoring login: each request makes its own
 * report on the kept sessions, so a problem planted between two requests is
 * in the second answer, and sessions the server ends are replaced.
 */
const config = repositoryStackConfig("dev");
const runTs = path.join(__dirname, "..", "..", "scripts", "lib", "run-ts.sh");
let server: PostgresServer;
let platform: PlatformDatabase;
let monitoringUrl: string;
const started: ChildProcess[] = [];

interface Endpoint {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

/** Starts the CLI in serve mode and waits for the line naming its URL. */
async function serve(databaseUrl: string): Promise<Endpoint> {
  const child = spawn("bash", [runTs, "scripts/health.ts", "--database-url", databaseUrl, "--serve", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(
    "the health endpoint's URL",
    async () => {
      const found = /serving the health report on (http:\/\/127\.0\.0\.1:\d+\/) /.exec(output);
      if (!found) throw new Error(child.exitCode === null ? "not yet" : `exited ${child.exitCode}`);
      return found[1];
    },
    60_000,
    () => output,
  );
  return { child, url, output: () => output };
}

async function get(url: string): Promise<{ status: number; report: JsonReport }> {
  const response = await fetch(url);
  return { status: response.status, report: (await response.json()) as JsonReport };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  return exited;
}

async function reportPids(): Promise<number[]> {
  const rows = await server.query<{ pid: number }>(
    "select pid from pg_stat_activity where application_name = $1 order by pid",
    [applicationName],
  );
  return rows.map((row) => row.pid);
}

async function seed(sql: string): Promise<void> {
  const result = await runAs(platform.as("app_migrator"), `set role app_owner; ${sql}`);
  if (typeof result === "string") throw new Error(result);
}

beforeAll(async () => {
  server = await startPostgres(config);
  platform = await setUpPlatformDatabase(server, config);
  monitoringUrl = postgresUrl(platform.as("app_monitoring"));
}, 120_000);
afterAll(async () => {
  await Promise.all(started.map((child) => stop(child)));
  await server?.stop();
});

describe("npm run -s health -- --serve: a health endpoint on kept sessions", () => {
  it("answers each GET with a report made for it, re-reading the database each time", async () => {
    const endpoint = await serve(monitoringUrl);
    const oneShot = await healthJson(["--database-url", monitoringUrl]);
    const fresh = await get(endpoint.url);
    expect(fresh.status).toBe(200);
    expect(fresh.report.status).toBe("healthy");
    // The same checks as the one-shot report, in the same order, with the same verdicts.
    expect(statuses(fresh.report)).toEqual(statuses(oneShot.report));
    expect(Object.keys(statuses(fresh.report))).toHaveLength(18);
    const kept = await reportPids();
    expect(kept).toHaveLength(2);

    // A sequence at 95 % planted between two requests is in the next answer: critical, 503.
    await seed(
      "create table app.served_counter (id serial primary key); select setval('app.served_counter_id_seq', 2040109466)",
    );
    const planted = await get(`${endpoint.url}health`);
    expect(planted.status).toBe(503);
    expect(planted.report.status).toBe("unhealthy");
    expect(statuses(planted.report)).toEqual({ ...statuses(fresh.report), sequences: "critical" });
    expect(planted.report.checks.find((check) => check.name === "sequences")?.detail).toBe(
      "most used: app.served_counter_id_seq at 2040109466 of 2147483647",
    );
    // The same sessions answered: nothing reconnected, the state was read again.
    expect(await reportPids()).toEqual(kept);

    await seed("drop table app.served_counter");
    expect((await get(endpoint.url)).status).toBe(200);

    // Sessions the server ends are replaced: the next answer is complete, from new backends.
    await server.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [
      applicationName,
    ]);
    const after = await get(endpoint.url);
    expect(after.status).toBe(200);
    expect(statuses(after.report)).toEqual(statuses(fresh.report));
    const replaced = await reportPids();
    expect(replaced).toHaveLength(2);
    expect(replaced.filter((pid) => kept.includes(pid))).toEqual([]);

    expect((await fetch(`${endpoint.url}other`)).status).toBe(404);
    expect((await fetch(endpoint.url, { method: "POST" })).status).toBe(405);

    // SIGTERM: exit 0, its sessions closed.
    expect(await stop(endpoint.child)).toBe(0);
    await waitFor("the endpoint's sessions to close", async () => expect(await reportPids()).toEqual([]));
  }, 120_000);

  it("a database it cannot log in to is unknown (503) on every request, without the password", async () => {
    const wrong = new URL(monitoringUrl);
    wrong.password = "wrong-password-xyz";
    const endpoint = await serve(wrong.toString());
    for (let request = 0; request < 2; request++) {
      const { status, report } = await get(endpoint.url);
      expect(status).toBe(503);
      expect(report.status).toBe("unknown");
      expect(report.error).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+: password authentication failed/);
      expect(JSON.stringify(report)).not.toContain("wrong-password-xyz");
    }
    expect(endpoint.output()).not.toContain("wrong-password-xyz");
    expect(await stop(endpoint.child)).toBe(0);
  }, 120_000);
});
