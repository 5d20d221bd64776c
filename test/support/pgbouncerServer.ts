import { chownSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { createConnection } from "node:net";
import type { StackConfig } from "../../config";
import { poolerStartScript } from "../../components/aws/pooler";
import { renderUserlist, type UserlistEntry } from "../../render/pgbouncer";
import { pgbouncerFiles } from "../../render/platformFiles";
import { freePort, osBinary, serverTempDir, serverUser, startManagedServer, type RunningProcess } from "./processes";

export const pgbouncerBinary = osBinary("pgbouncer", "pgbouncer");

export interface PgbouncerServer {
  readonly port: number;
  readonly process: RunningProcess;
  stop(): Promise<void>;
}

/**
 * How the rendered files reach PgBouncer: written to disk as the Docker
 * container gets them, or handed through the environment to the Fargate
 * task's start script, which writes them itself.
 */
export type PgbouncerLaunch = "files" | "fargate-start-script";

/** Runs the OS PgBouncer with the pgbouncer.ini and userlist.txt rendered for `config`. */
export async function startPgbouncer(
  config: StackConfig,
  postgresPort: number,
  users: readonly UserlistEntry[],
  launch: PgbouncerLaunch = "files",
): Promise<PgbouncerServer> {
  if (!pgbouncerBinary.path) throw new Error(pgbouncerBinary.skipReason);
  const user = serverUser();
  const root = serverTempDir(user, "pgbouncer");
  const port = await freePort();
  const files = pgbouncerFiles(config, {
    listenAddr: "127.0.0.1",
    listenPort: port,
    postgresHost: "127.0.0.1",
    postgresPort,
    authFile: path.join(root, "userlist.txt"),
    serverTlsSslmode: "disable",
  });
  const userlist = renderUserlist(users);
  let command = `exec ${pgbouncerBinary.path} ${path.join(root, "pgbouncer.ini")}`;
  let env: NodeJS.ProcessEnv = {};
  if (launch === "files") {
    for (const [name, content] of [
      ["pgbouncer.ini", files.pgbouncerIni],
      ["userlist.txt", userlist],
    ]) {
      writeFileSync(path.join(root, name), content, { mode: 0o600 });
      chownSync(path.join(root, name), user.uid, user.gid);
    }
  } else {
    command = 'exec sh -c "$POOLER_START_SCRIPT"';
    env = {
      PATH: `${path.dirname(pgbouncerBinary.path)}:${process.env.PATH}`,
      POOLER_START_SCRIPT: poolerStartScript,
      PGBOUNCER_INI: files.pgbouncerIni,
      PGBOUNCER_USERLIST: userlist,
      PGBOUNCER_DIR: root,
    };
  }
  // The same descriptor limit the container gets through its nofile ulimit.
  const server = await startManagedServer({
    what: `PgBouncer (${launch})`,
    command: "sh",
    argv: ["-c", `ulimit -n ${files.fileDescriptorLimit} && ${command}`],
    env,
    user,
    root,
    ready: () => tcpOpen(port),
    stopSignal: "SIGINT",
    timeoutMs: 15_000,
  });
  return { port, ...server };
}

function tcpOpen(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve();
    });
    socket.on("error", reject);
  });
}
