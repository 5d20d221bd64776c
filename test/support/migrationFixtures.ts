import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { ConnectionSettings } from "../../migrations";
import type { PostgresServer } from "./postgresServer";
import { superuser } from "./postgresServer";
import { scratchDir } from "./scratch";

let databases = 0;

/** A new, empty database on the server, and settings to reach it as the superuser. */
export async function freshDatabase(server: PostgresServer): Promise<ConnectionSettings> {
  const database = `migrations_${process.pid}_${++databases}`;
  await server.query(`create database ${database}`);
  return { host: "127.0.0.1", port: server.port, user: superuser, password: server.superuserPassword, database };
}

/** Writes a sql/ directory: keys are file names, V… into migrations/, R… into repeatable/. */
export function sqlDir(files: Record<string, string>, dir = scratchDir("sql")): string {
  for (const [file, content] of Object.entries(files)) {
    const folder = path.join(dir, file.startsWith("R__") ? "repeatable" : "migrations");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, file), content);
  }
  return dir;
}
