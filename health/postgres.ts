import { Client } from "pg";
import { clientConfig, settingsFromUrl } from "../migrations/connection";
import type { Thresholds } from "../config/thresholds";
import { postgresChecks, type PostgresCheck } from "./postgresChecks";
import { notEvaluated, type CheckResult } from "./report";
import { CouldNotCheck } from "./unreachable";

/** Bounds that keep the report answering while a table is locked or the server is slow. */
export const sessionLimits = Object.freeze({ lockTimeoutMs: 200, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000 });
export const applicationName = "pgplat-health";

/** Runs every PostgreSQL check over one connection as the login in `url`. */
export async function checkPostgres(url: string, thresholds: Thresholds, checks: readonly PostgresCheck[] = postgresChecks): Promise<CheckResult[]> {
  const client = await connectTo("PostgreSQL", url);
  try {
    await client.query(`set lock_timeout = ${sessionLimits.lockTimeoutMs}; set statement_timeout = ${sessionLimits.statementTimeoutMs}; set search_path = pg_catalog, pg_temp; set stats_fetch_consistency = none`);
    const results: CheckResult[] = [];
    for (const check of checks) results.push(await runCheck(client, check, thresholds));
    return results;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runCheck(client: Client, check: PostgresCheck, thresholds: Thresholds): Promise<CheckResult> {
  try {
    const { rows } = await client.query(check.sql, check.params ? [...check.params] : undefined);
    return check.evaluate(rows[0], thresholds);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if ((code === "42P01" || code === "42883") && check.whenMissing) return { name: check.name, status: "ok", value: null, threshold: null, detail: check.whenMissing };
    if (code === "55P03") return notEvaluated(check.name, `waited longer than lock_timeout (${sessionLimits.lockTimeoutMs} ms) for a lock`);
    return notEvaluated(check.name, message ?? String(error));
  }
}

/** A connected client, or CouldNotCheck naming the server and the reason. */
export async function connectTo(server: string, url: string, database?: string): Promise<Client> {
  try {
    const settings = settingsFromUrl(url);
    const client = new Client({ ...clientConfig({ ...settings, database: database ?? settings.database }, applicationName), connectionTimeoutMillis: sessionLimits.connectTimeoutMs });
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
