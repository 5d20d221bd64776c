import type { Thresholds } from "../config/thresholds";
import { endpointOf } from "./postgres";
import { judge, type CheckResult } from "./report";
import { redisCommand } from "./resp";
import { CouldNotCheck } from "./unreachable";

/** `INFO` as a map of field → value. */
export function parseInfo(text: string): Readonly<Record<string, string>> {
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter((line) => line.includes(":") && !line.startsWith("#"))
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
  );
}

/** The Redis checks from INFO (pure). */
export function redisChecks(info: Readonly<Record<string, string>>, thresholds: Thresholds): CheckResult[] {
  const used = Number(info.used_memory ?? 0);
  const max = Number(info.maxmemory ?? 0);
  const uptime = Math.max(1, Number(info.uptime_in_seconds ?? 1));
  const evicted = Number(info.evicted_keys ?? 0);
  const rejected = Number(info.rejected_connections ?? 0);
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return [
    judge(
      "redis_memory",
      "redisMemoryPercent",
      max > 0 ? (100 * used) / max : null,
      thresholds,
      max > 0 ? `${mib(used)} of maxmemory ${mib(max)} (policy ${info.maxmemory_policy})` : "no maxmemory set",
    ),
    judge(
      "redis_evictions",
      "redisEvictions",
      (evicted / uptime) * 300,
      thresholds,
      `${evicted} key(s) evicted in ${uptime} s since Redis started`,
    ),
    judge(
      "redis_rejected_connections",
      "redisRejectedConnections",
      rejected,
      thresholds,
      `${rejected} connection(s) rejected since Redis started`,
    ),
    persistenceCheck(info),
  ];
}

function persistenceCheck(info: Readonly<Record<string, string>>): CheckResult {
  const base = { name: "redis_persistence", value: null, threshold: null };
  if (info.aof_enabled !== "1")
    return { ...base, status: "warning", detail: "AOF is off: a restart loses writes since the last snapshot" };
  const failures = ["aof_last_write_status", "aof_last_bgrewrite_status", "rdb_last_bgsave_status"].filter(
    (field) => info[field] !== undefined && info[field] !== "ok",
  );
  if (failures.length > 0)
    return {
      ...base,
      status: "critical",
      detail: `persistence failing: ${failures.map((field) => `${field}=${info[field]}`).join(", ")}`,
    };
  return { ...base, status: "ok", detail: "AOF on; last AOF write, rewrite and RDB save ok" };
}

export async function readRedisInfo(url: string): Promise<Readonly<Record<string, string>>> {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const auth = password ? (user ? ["AUTH", user, password] : ["AUTH", password]) : undefined;
  try {
    const info = await redisCommand(
      { host: parsed.hostname, port: Number(parsed.port || 6379), tls: parsed.protocol === "rediss:", auth },
      ["INFO"],
    );
    return parseInfo(info);
  } catch (error) {
    throw new CouldNotCheck("Redis", endpointOf(url), error);
  }
}

export async function checkRedis(url: string, thresholds: Thresholds): Promise<CheckResult[]> {
  return redisChecks(await readRedisInfo(url), thresholds);
}
