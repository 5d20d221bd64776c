import { createHash } from "node:crypto";

export interface RedisConfArgs {
  readonly bind: string;
  readonly port: number;
  /** Directory for the AOF and RDB files. */
  readonly dir: string;
  readonly appUser: string;
  /** SHA-256 of the app password (`redisPasswordHash`), so the file never holds the password. */
  readonly appPasswordSha256: string;
  /** ACL rules for the app user, e.g. "~* &* +@all -@dangerous". */
  readonly appPermissions: string;
  readonly maxmemoryBytes: number;
  readonly maxmemoryPolicy: string;
  /** A user that may run PING and nothing else, with no password, for container healthchecks. */
  readonly healthcheckUser: string;
  /** A read-only statistics user for the health report and the exporter; none when absent. */
  readonly monitor?: { readonly user: string; readonly passwordSha256: string };
}

/**
 * What the monitoring user may run: statistics and configuration reads only
 * (what the health report and redis_exporter ask), no keys, no writes.
 */
export const redisMonitorPermissions =
  "resetkeys resetchannels -@all +ping +info +config|get +client|list +client|setname +slowlog|get +slowlog|len +latency|latest +cluster|info +select";

export function redisPasswordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/**
 * redis.conf: the default user is disabled, so every connection must AUTH;
 * the app user cannot run dangerous commands; data persists through AOF.
 */
export function renderRedisConf(args: RedisConfArgs): string {
  for (const hash of [args.appPasswordSha256, ...(args.monitor ? [args.monitor.passwordSha256] : [])]) {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error("redis.conf: password hashes must be hex SHA-256 digests");
  }
  for (const user of [args.appUser, args.healthcheckUser, ...(args.monitor ? [args.monitor.user] : [])]) {
    if (!/^[A-Za-z0-9_-]+$/.test(user)) throw new Error(`redis.conf: '${user}' is not a plain user name`);
  }
  if (/[\n\r#]/.test(args.appPermissions)) throw new Error("redis.conf: appPermissions must be ACL rules on one line");
  const lines = [
    "# Rendered by pgplat (render/redisConf.ts); edit the stack config, not this file.",
    `bind ${args.bind}`,
    `port ${args.port}`,
    "protected-mode yes",
    "tcp-keepalive 300",
    "timeout 0",
    "",
    "# Access: no anonymous access; the app user may not run dangerous commands.",
    "user default off resetkeys resetchannels -@all",
    `user ${args.appUser} on #${args.appPasswordSha256} ${args.appPermissions}`,
    `user ${args.healthcheckUser} on nopass resetkeys resetchannels -@all +ping`,
    ...(args.monitor
      ? [`user ${args.monitor.user} on #${args.monitor.passwordSha256} ${redisMonitorPermissions}`]
      : []),
    "enable-debug-command no",
    "enable-module-command no",
    "enable-protected-configs no",
    "",
    "# Memory",
    `maxmemory ${args.maxmemoryBytes}`,
    `maxmemory-policy ${args.maxmemoryPolicy}`,
    "",
    "# Persistence: AOF fsynced every second, plus RDB snapshots.",
    `dir ${args.dir}`,
    "appendonly yes",
    "appendfsync everysec",
    "aof-use-rdb-preamble yes",
    "save 3600 1 300 100 60 10000",
  ];
  return `${lines.join("\n")}\n`;
}
