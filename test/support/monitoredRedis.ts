import { chownSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "../../config";
import { redisFiles } from "../../render/platformFiles";
import { redisPasswordHash } from "../../render/redisConf";
import { freePort, serverTempDir, serverUser, startManagedServer, type RunningProcess } from "./processes";
import { redisBinary } from "./redisServer";
import { RespClient } from "./resp";

export interface MonitoredRedis {
  readonly port: number;
  readonly process: RunningProcess;
  stop(): Promise<void>;
}

/** The OS Redis with the redis.conf the Docker target renders: app user and the statistics-only monitoring user. */
export async function startMonitoredRedis(config: StackConfig, appPassword: string, monitorPassword: string): Promise<MonitoredRedis> {
  if (!redisBinary.path) throw new Error(redisBinary.skipReason);
  const user = serverUser();
  const dir = serverTempDir(user, "redis");
  const port = await freePort();
  const confFile = path.join(dir, "redis.conf");
  writeFileSync(confFile, redisFiles(config, { bind: "127.0.0.1", port, dir }, redisPasswordHash(appPassword), redisPasswordHash(monitorPassword)).redisConf, { mode: 0o600 });
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
  return { port, ...server };
}
