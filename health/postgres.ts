import { Client } from "pg";
import { clientConfig, settingsFromUrl } from "../migrations/connection";
import type { Thresholds } from "../config/thresholds";
import { applicationName, postgresChecks, type PostgresCheck } from "./postgresChecks";
import { notEvaluated, type CheckResult } from "./report";
import { CouldNotCheck } from "./unreachable";

/** Bounds that keep the report answering while a table is locked or the server is slow. */
export const sessionLimits = Object.freeze({ lockTimeoutMs: 200, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000 });

/**
 * How many connections the report spreads its checks over. A new backend
 * starts with cold catalog caches, so one costly check (sequences opens every
 * sequence that can run out) would otherwise hold up all the others: two
 * sessions connect at the same time and each takes the next check as it
 * finishes one.
 */
export const reportConnections = 2;

/** The session's settings, sent in the startup packet (no extra round trip); PostgreSQL itself, not PgBouncer, accepts them. */
export const sessionOptions = [
  `-c lock_timeout=${sessionLimits.lockTimeoutMs}`,
  `-c statement_timeout=${sessionLimits.statementTimeoutMs}`,
  "-c search_path=pg_catalog,pg_temp",
  // One lookup per statistic read: a snapshot of every object's statistics costs more than the reads it saves.
  "-c stats_fetch_consistency=none",
].join(" ");

/**
 * Runs every PostgreSQL check as the login in `url`, over `connections` new
 * sessions connecting at the same time, each taking checks as soon as it is
 * connected; results in the order of `checks`.
 */
export async function checkPostgres(
  url: string,
  thresholds: Thresholds,
  checks: readonly PostgresCheck[] = postgresChecks,
  connections = reportConnections,
): Promise<CheckResult[]> {
  const opening = Array.from({ length: Math.max(1, Math.min(connections, checks.length)) }, () =>
    connectTo("PostgreSQL", url, undefined, sessionOptions),
  );
  try {
    return await runChecks(opening, checks, thresholds);
  } finally {
    // The Terminate messages leave now; the answer need not wait for the backends to exit (about 20 ms here).
    void Promise.allSettled(opening).then((opened) =>
      closeSessions(opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []))),
    );
  }
}

/** `count` (at least one) sessions as the login in `url`, connecting at the same time; CouldNotCheck if any fails. */
export async function openSessions(url: string, count: number): Promise<Client[]> {
  const opened = await Promise.allSettled(
    Array.from({ length: Math.max(1, count) }, () => connectTo("PostgreSQL", url, undefined, sessionOptions)),
  );
  const failed = opened.find((result) => result.status === "rejected");
  if (failed) {
    await closeSessions(opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : [])));
    throw failed.reason;
  }
  return opened.map((result) => (result as PromiseFulfilledResult<Client>).value);
}

export async function closeSessions(sessions: readonly Client[]): Promise<void> {
  await Promise.all(sessions.map((client) => client.end().catch(() => undefined)));
}

/**
 * Runs `checks` over `sessions`, each session taking the next check as it
 * finishes one (or connects), the costly ones first; results in the order of
 * `checks`. A session that cannot connect stops the run: CouldNotCheck.
 * Every run sends every query: nothing is kept from one run to the next.
 */
export async function runChecks(
  sessions: readonly (Client | Promise<Client>)[],
  checks: readonly PostgresCheck[],
  thresholds: Thresholds,
): Promise<CheckResult[]> {
  const results = new Array<CheckResult>(checks.length);
  const queue = [...checks.keys()].sort(
    (a, b) => Number(checks[b].costly ?? false) - Number(checks[a].costly ?? false),
  );
  const lanes = await Promise.allSettled(
    sessions.map(async (session) => {
      const client = await Promise.resolve(session).catch((error: unknown) => {
        queue.length = 0;
        throw error;
      });
      for (let next = queue.shift(); next !== undefined; next = queue.shift())
        results[next] = await runCheck(client, checks[next], thresholds);
    }),
  );
  const failed = lanes.find((lane) => lane.status === "rejected");
  if (failed) throw failed.reason;
  return results;
}

async function runCheck(client: Client, check: PostgresCheck, thresholds: Thresholds): Promise<CheckResult> {
  try {
    const { rows } = await client.query(check.sql, check.params ? [...check.params] : undefined);
    return check.evaluate(rows[0], thresholds);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if ((code === "42P01" || code === "42883") && check.whenMissing)
      return { name: check.name, status: "ok", value: null, threshold: null, detail: check.whenMissing };
    if (code === "55P03")
      return notEvaluated(check.name, `waited longer than lock_timeout (${sessionLimits.lockTimeoutMs} ms) for a lock`);
    return notEvaluated(check.name, message ?? String(error));
  }
}

/** A connected client, or CouldNotCheck naming the server and the reason. */
export async function connectTo(server: string, url: string, database?: string, options?: string): Promise<Client> {
  try {
    const settings = settingsFromUrl(url);
    const client = new Client({
      ...clientConfig({ ...settings, database: database ?? settings.database }, applicationName),
      connectionTimeoutMillis: sessionLimits.connectTimeoutMs,
      options,
    });
    // An error on an idle client would otherwise be thrown from the event emitter.
    client.on("error", () => undefined);
    await client.connect();
    return client;
  } catch (error) {
    throw new CouldNotCheck(server, endpointOf(url), error);
  }
}

/** host:port of a URL, for messages: never the user's password. */
export function endpointOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "default port"}`;
  } catch {
    return "(unparsable URL)";
  }
}
