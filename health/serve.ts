import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Thresholds } from "../config/thresholds";
import { formatJson } from "./format";
import type { Report, UnknownReport } from "./report";
import { healthReport, type HealthTargets } from "./run";
import { WarmSessions } from "./warmSessions";

/** Only this machine may ask: the report names tables, sessions and users. Put a proxy in front to publish it. */
export const serveHost = "127.0.0.1";

/** The endpoint's HTTP status: 200 while the database serves (healthy or degraded), 503 when it is unhealthy or unknown. */
export function httpStatusOf(report: Report | UnknownReport): 200 | 503 {
  return report.status === "healthy" || report.status === "degraded" ? 200 : 503;
}

export interface HealthEndpoint {
  readonly url: string;
  /** Stops listening and closes the kept database sessions. */
  close(): Promise<void>;
}

/**
 * `npm run -s health -- … --serve <port>`: GET / answers the report's JSON
 * document, made for that request on kept database sessions (WarmSessions).
 * Requests are answered one report at a time, each with its own run. The
 * sessions open, and run the checks once to fill their caches, before the
 * endpoint listens; a database that cannot be reached then is reported (503)
 * and retried on each request.
 */
export async function serveHealth(
  port: number,
  targets: HealthTargets,
  thresholds: Thresholds,
): Promise<HealthEndpoint> {
  const sessions = new WarmSessions(targets.databaseUrl);
  await sessions.run(thresholds).catch(() => undefined);
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (request.url !== "/" && request.url !== "/health") {
      response.writeHead(404).end();
      return;
    }
    const report = queue.then(() => healthReport(targets, thresholds, undefined, (given) => sessions.run(given)));
    queue = report.catch(() => undefined);
    void report.then(
      (made) => {
        response.writeHead(httpStatusOf(made), { "content-type": "application/json" });
        response.end(request.method === "HEAD" ? undefined : `${formatJson(made)}\n`);
      },
      (error: unknown) => response.writeHead(500).end(error instanceof Error ? error.message : String(error)),
    );
  });
  await listen(server, port);
  const address = server.address() as AddressInfo;
  return {
    url: `http://${serveHost}:${address.port}/`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await queue;
      await sessions.close();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, serveHost, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
