import type { Migration } from "./files";
import { lineAt, splitStatements } from "./statements";

/** What the server said, as node-postgres exposes it. */
export interface ServerError {
  readonly message: string;
  readonly code?: string;
  readonly position?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly where?: string;
}

export interface AppliedFile {
  readonly file: string;
  readonly kind: Migration["kind"];
  readonly version: string | undefined;
  readonly name: string;
  readonly checksum: string;
  readonly durationMs: number;
}

/** A failed file: the first line of the message is `<file>:<line>: <SQLSTATE> <message>`. */
export class MigrationError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly sqlstate: string | undefined,
    message: string,
    /** Files this run applied before the failure; they stay applied. */
    readonly applied: readonly AppliedFile[] = [],
  ) {
    super(message);
    this.name = "MigrationError";
  }

  withApplied(applied: readonly AppliedFile[]): MigrationError {
    return new MigrationError(this.file, this.line, this.sqlstate, this.message, applied);
  }
}

/**
 * Builds the error for a file from the server's error: the line comes from
 * the error position when the server gives one, otherwise from the statement
 * that was running (`statementIndex`, counted from the statements the server
 * completed).
 */
export function fileError(
  migration: Migration,
  error: unknown,
  statementIndex: number,
  sql = migration.sql,
  lineOffset = 0,
): MigrationError {
  const server = (error ?? {}) as ServerError;
  const position = server.position ? Number(server.position) : undefined;
  const statement = splitStatements(sql)[statementIndex];
  const line =
    position !== undefined
      ? lineAt(sql, position - 1) + lineOffset
      : statement
        ? statement.line + lineOffset
        : undefined;
  const sqlstate = server.code;
  const parts = [
    `${migration.file}:${line ?? "?"}: ${sqlstate ? `${sqlstate} ` : ""}${server.message ?? String(error)}`,
  ];
  if (server.detail) parts.push(`  DETAIL: ${server.detail}`);
  if (server.hint) parts.push(`  HINT: ${server.hint}`);
  if (server.where) parts.push(`  CONTEXT: ${server.where}`);
  parts.push(
    migration.noTransaction
      ? "  The file ran outside a transaction: statements before this one stay applied; the next run starts the file again."
      : "  The file was rolled back completely.",
  );
  return new MigrationError(migration.file, line, sqlstate, parts.join("\n"));
}

/** The login cannot act as the role the run should act as: it does not exist, or the login is not a member. */
export class RoleError extends Error {
  constructor(
    readonly role: string,
    readonly login: string,
    serverMessage: string,
  ) {
    super(`cannot act as role ${role} (SET ROLE) as login ${login}: ${serverMessage}`);
    this.name = "RoleError";
  }
}
