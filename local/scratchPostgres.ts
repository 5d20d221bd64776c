import { rmSync } from "node:fs";
import { Client, type ClientConfig } from "pg";
import type { StackConfig } from "../config";
import { serverDir } from "../scripts/lib/serverDir";
import { serverUser, type ServerUser } from "../scripts/lib/serverUser";
import { localPassword } from "./secrets";
import { localHost, postgresSuperuser, startLocalPostgres, superuserConnection } from "./postgres";
import { freePort, stopServer, type ServerProcess } from "./processes";
import { prepare, stateLayout, type StateDir } from "./stateDir";

/** A throwaway PostgreSQL 16 in a temp directory, started exactly as `npm start` starts a stack's (rendered config, WAL archive). */
export interface ScratchPostgres {
  readonly port: number;
  readonly superuserPassword: string;
  readonly user: ServerUser;
  readonly state: StateDir;
  readonly server: ServerProcess;
  connect(overrides?: Partial<ClientConfig>): Promise<Client>;
  /** Runs one statement as the superuser. */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<Row[]>;
  /** Fast shutdown; the directory stays. */
  halt(): Promise<void>;
  /** Fast shutdown and the directory removed. */
  remove(): Promise<void>;
}

export interface ScratchPostgresOptions {
  /**
   * A directory from `scratchState` whose data directory was restored (no
   * initdb), and the superuser password of the server it came from.
   */
  readonly restored?: { readonly state: StateDir; readonly superuserPassword: string };
}

/** A new empty state layout in the temp directory, for a scratch server or a restore target. */
export function scratchState(label: string, user: ServerUser = serverUser()): StateDir {
  const root = serverDir(user, label);
  return prepare(stateLayout(label, root, root), user);
}

export async function startScratchPostgres(
  config: StackConfig,
  options: ScratchPostgresOptions = {},
): Promise<ScratchPostgres> {
  const user = serverUser();
  const state = options.restored?.state ?? scratchState("postgres", user);
  const superuserPassword = options.restored?.superuserPassword ?? localPassword();
  const port = await freePort(localHost);
  let server: ServerProcess;
  try {
    server = await startLocalPostgres({
      config,
      state,
      user,
      port,
      superuserPassword,
      readyTimeoutMs: options.restored ? 600_000 : undefined,
    });
  } catch (error) {
    rmSync(state.real, { recursive: true, force: true });
    throw error;
  }
  const connect = async (overrides: Partial<ClientConfig> = {}) => {
    const client = new Client({ ...superuserConnection(port, superuserPassword), ...overrides });
    await client.connect();
    return client;
  };
  const query = async <Row extends Record<string, unknown>>(sql: string, values?: unknown[]) => {
    const client = await connect();
    try {
      return (await client.query<Row>(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  const halt = () => stopServer(server, "SIGINT", 60_000);
  const remove = async () => {
    await halt();
    rmSync(state.real, { recursive: true, force: true });
  };
  return { port, superuserPassword, user, state, server, connect, query, halt, remove };
}

export { postgresSuperuser };
