import type { Client } from "pg";
import type { Thresholds } from "../config/thresholds";
import { closeSessions, openSessions, reportConnections, runChecks } from "./postgres";
import { postgresChecks, type PostgresCheck } from "./postgresChecks";
import type { CheckResult } from "./report";

/**
 * Sessions that outlive one report, for the health endpoint (`--serve`): a
 * new backend spends most of a report filling its catalog caches, a kept one
 * does that once. Every run still sends every check's query, so each report
 * reads the database's state afresh; PostgreSQL itself invalidates the cached
 * catalog entries when DDL changes them. A session that ends (server restart,
 * pg_terminate_backend) is replaced on the next run.
 */
export class WarmSessions {
  private sessions: Client[] | undefined;
  private broken = false;

  constructor(
    private readonly url: string,
    private readonly checks: readonly PostgresCheck[] = postgresChecks,
    private readonly connections = reportConnections,
  ) {}

  /**
   * Runs every check; once more on new sessions when one ended during the run
   * (its checks could not be evaluated); CouldNotCheck when they cannot be opened.
   */
  async run(thresholds: Thresholds): Promise<CheckResult[]> {
    const results = await runChecks(await this.open(), this.checks, thresholds);
    return this.broken ? runChecks(await this.open(), this.checks, thresholds) : results;
  }

  async close(): Promise<void> {
    const sessions = this.sessions;
    this.sessions = undefined;
    if (sessions) await closeSessions(sessions);
  }

  private async open(): Promise<Client[]> {
    if (this.broken) await this.close();
    if (this.sessions) return this.sessions;
    const sessions = await openSessions(this.url, Math.min(this.connections, this.checks.length));
    this.broken = false;
    // The client reports a lost connection (a FATAL from the server, a closed socket) as an error event, then an end.
    const lost = () => (this.broken = this.sessions === sessions);
    for (const session of sessions) session.once("error", lost).once("end", lost);
    this.sessions = sessions;
    return sessions;
  }
}
