import * as path from "node:path";
import { Client } from "pg";
import type { StackConfig } from "../config";
import { renderUserlist } from "../render/pgbouncer";
import { userlistUsers } from "../config/pools";
import { pgbouncerFiles } from "../render/platformFiles";
import type { ServerUser } from "../scripts/lib/serverUser";
import { osBinary } from "./osBinary";
import { writeOwned } from "./ownedFile";
import { localHost } from "./postgres";
import { launchDetached, logTail, pidAlive, readyOrStopped, waitUntilReady, type ServerProcess } from "./processes";
import type { LocalSecrets } from "./secrets";
import type { StateDir } from "./stateDir";

export interface LocalPgbouncerArgs {
  readonly config: StackConfig;
  readonly state: StateDir;
  readonly user: ServerUser;
  readonly port: number;
  readonly postgresPort: number;
  readonly secrets: LocalSecrets;
  /** A pooled login it logs in as to prove the pool reaches PostgreSQL. */
  readonly probeLogin: string;
}

/**
 * The OS PgBouncer with the pgbouncer.ini and userlist rendered for the stack,
 * under the descriptor limit the container gets. Ready once a pooled login
 * runs a query through it.
 */
export async function startLocalPgbouncer(args: LocalPgbouncerArgs): Promise<ServerProcess> {
  const { config, state, user } = args;
  const binary = osBinary("pgbouncer");
  const ini = path.join(state.pgbouncerDir, "pgbouncer.ini");
  const authFile = path.join(state.pgbouncerDir, "userlist.txt");
  const files = pgbouncerFiles(config, {
    listenAddr: localHost,
    listenPort: args.port,
    postgresHost: localHost,
    postgresPort: args.postgresPort,
    authFile,
    serverTlsSslmode: "disable",
  });
  writeOwned(ini, files.pgbouncerIni, user);
  writeOwned(
    authFile,
    renderUserlist(
      userlistUsers(config).map((name) => ({ user: name, scramSecret: args.secrets.logins[name].scramSecret })),
    ),
    user,
  );
  const logFile = path.join(state.logDir, "pgbouncer.log");
  const server = await launchDetached({
    command: "/bin/sh",
    argv: ["-c", `ulimit -n ${files.fileDescriptorLimit} && exec "$0" "$1"`, binary, ini],
    user,
    logFile,
    program: "pgbouncer",
  });
  return readyOrStopped(
    server,
    "SIGINT",
    waitUntilReady(
      "PgBouncer",
      async () => {
        const client = new Client({
          host: localHost,
          port: args.port,
          user: args.probeLogin,
          password: args.secrets.logins[args.probeLogin].password,
          database: config.postgres.database,
        });
        await client.connect();
        try {
          await client.query("select 1");
        } finally {
          await client.end();
        }
      },
      30_000,
      () => (pidAlive(server.pid) ? undefined : logTail(logFile)),
    ),
  );
}
