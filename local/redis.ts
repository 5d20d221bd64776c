import { createConnection } from "node:net";
import * as path from "node:path";
import type { StackConfig } from "../config";
import { redisAppUser, redisFiles } from "../render/platformFiles";
import { redisPasswordHash } from "../render/redisConf";
import type { ServerUser } from "../scripts/lib/serverUser";
import { osBinary } from "./osBinary";
import { writeOwned } from "./ownedFile";
import { localHost } from "./postgres";
import { launchDetached, logTail, pidAlive, readyOrStopped, waitUntilReady, type ServerProcess } from "./processes";
import type { LocalSecrets } from "./secrets";
import type { StateDir } from "./stateDir";

export interface LocalRedisArgs {
  readonly config: StackConfig;
  readonly state: StateDir;
  readonly user: ServerUser;
  readonly port: number;
  readonly secrets: LocalSecrets;
}

/** The OS Redis with the redis.conf rendered for the stack (app and monitoring users), data in the state directory. */
export async function startLocalRedis(args: LocalRedisArgs): Promise<ServerProcess> {
  const { config, state, user, secrets } = args;
  const binary = osBinary("redis-server");
  const confFile = path.join(state.redisDir, "redis.conf");
  writeOwned(
    confFile,
    redisFiles(
      config,
      { bind: localHost, port: args.port, dir: state.redisDir },
      redisPasswordHash(secrets.redis),
      redisPasswordHash(secrets.redisMonitor),
    ).redisConf,
    user,
  );
  const logFile = path.join(state.logDir, "redis.log");
  const server = await launchDetached({ command: binary, argv: [confFile], user, logFile });
  return readyOrStopped(
    server,
    "SIGTERM",
    waitUntilReady(
      "Redis",
      () => redisPing(args.port, redisAppUser, secrets.redis),
      30_000,
      () => (pidAlive(server.pid) ? undefined : logTail(logFile)),
    ),
  );
}

/** AUTH then PING; resolves on PONG. Redis answers LOADING while it reads its data back, which counts as not ready. */
export function redisPing(port: number, user: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: localHost, port });
    const command = (...parts: string[]) =>
      `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join("")}`;
    let reply = "";
    socket.setTimeout(2_000, () => socket.destroy(new Error("no reply")));
    socket.on("connect", () => socket.write(command("AUTH", user, password) + command("PING")));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
      const lines = reply.split("\r\n");
      if (lines.length < 3) return;
      socket.destroy();
      if (lines[0] === "+OK" && lines[1] === "+PONG") resolve();
      else reject(new Error(`Redis answered ${lines.slice(0, 2).join(" / ")}`));
    });
    socket.on("error", reject);
  });
}
