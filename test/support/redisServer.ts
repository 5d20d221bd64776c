import { chownSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "../../config";
import { redisFiles } from "../../render/platformFiles";
import { redisPasswordHash } from "../../render/redisConf";
import { freePort, osBinary, serverTempDir, serverUser, startManagedServer, type RunningProcess } from "./processes";
import { RespClient } from "./resp";

export const redisBinary = osBinary("redis-server", "redis-server");

export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly process: RunningProcess;
  stop(): Promise<void>;
}

/**
 * Runs the OS Redis with the redis.conf rendered for `config`: the app user
 * with `appPassword` and, given `monitorPassword`, the statistics-only
 * monitoring user the Docker target adds.
 */
export async function startRedis(
  config: StackConfig,
  appPassword: string,
  monitorPassword?: string,
): Promise<RedisServer> {
  if (!redisBinary.path) throw new Error(redisBinary.skipReason);
  const user = serverUser();
  const dir = serverTempDir(user, "redis");
  const port = await freePort();
  const confFile = path.join(dir, "redis.conf");
  writeFileSync(
    confFile,
    redisFiles(
      config,
      { bind: "127.0.0.1", port, dir },
      redisPasswordHash(appPassword),
      monitorPassword === undefined ? undefined : redisPasswordHash(monitorPassword),
    ).redisConf,
    { mode: 0o600 },
  );
  chownSync(confFile, user.uid, user.gid);
  const server = await startManagedServer({
    what: "Redis",
    command: redisBinary.path,
    argv: [confFile],
    user,
    root: dir,
    ready: async () => (await RespClient.connect(port)).close(),
    stopSignal: "SIGTERM",
    timeoutMs: 15_000,
  });
  return { port, dir, ...server };
}
