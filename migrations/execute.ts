import type { Client } from "pg";
import type { Migration } from "./files";
import { fileError } from "./errors";
import { splitStatements } from "./statements";

export interface FileLimits {
  readonly lockTimeoutMs: number;
  /** 0 means no limit. */
  readonly statementTimeoutMs: number;
}

/** SQLSTATE lock_not_available: raised when lock_timeout expires. */
export const lockNotAvailable = "55P03";

/** BEGIN with the file's limits, in one round trip. */
export function beginSql(limits: FileLimits): string {
  return `begin; set local lock_timeout = ${Math.round(limits.lockTimeoutMs)}; set local statement_timeout = ${Math.round(limits.statementTimeoutMs)}`;
}

/**
 * Runs a transactional file inside the caller's transaction, sent to the
 * server as written (one simple-protocol query). Counts the statements the
 * server completed, so an error without a position still names its line.
 */
export async function runInTransaction(client: Client, migration: Migration): Promise<void> {
  const { Query } = require("pg") as typeof import("pg");
  let completed = 0;
  class CountingQuery extends Query {
    handleCommandComplete(...args: unknown[]): void {
      completed++;
      (Query.prototype as unknown as { handleCommandComplete: (...a: unknown[]) => void }).handleCommandComplete.apply(
        this,
        args,
      );
    }
  }
  try {
    await new Promise<void>((resolve, reject) => {
      client.query(
        new CountingQuery(migration.sql, undefined, (error: Error | undefined) =>
          error ? reject(error) : resolve(),
        ) as never,
      );
    });
  } catch (error) {
    throw fileError(migration, error, completed);
  }
}

/**
 * Runs a no-transaction file statement by statement, each committing on its
 * own; a statement that hits lock_timeout is retried alone (it rolled back).
 */
export async function runWithoutTransaction(
  client: Client,
  migration: Migration,
  limits: FileLimits,
  lockRetries: number,
): Promise<void> {
  await client.query(
    `set lock_timeout = ${Math.round(limits.lockTimeoutMs)}; set statement_timeout = ${Math.round(limits.statementTimeoutMs)}`,
  );
  try {
    for (const statement of splitStatements(migration.sql)) {
      for (let attempt = 0; ; attempt++) {
        try {
          await client.query(statement.sql);
          break;
        } catch (error) {
          if ((error as { code?: string }).code === lockNotAvailable && attempt < lockRetries) {
            await backoff(attempt);
            continue;
          }
          // Positions are relative to the statement; shift them to the file's lines.
          throw fileError(migration, error, 0, statement.sql, statement.line - 1);
        }
      }
    }
  } finally {
    await client.query("reset lock_timeout; reset statement_timeout").catch(() => undefined);
  }
}

export function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
}
