import { loginRoles, type StackConfig } from "../config";
import { postgresUri } from "../components/endpoints";
import { redisAppUser, redisMonitorUser } from "../render/platformFiles";
import type { LocalSecrets } from "./secrets";

export interface LocalPorts {
  readonly postgres: number;
  readonly pgbouncer: number;
  readonly redis: number;
}

/** A local stack's outputs, shaped as `pulumi stack output --json --show-secrets` prints a Docker or AWS stack's. */
export interface LocalOutputs {
  readonly target: "local";
  readonly postgres: { readonly host: string; readonly port: number };
  /** The pooler pooled logins use, as every stack exports it. */
  readonly pooler: { readonly host: string; readonly port: number; readonly kind: "pgbouncer" };
  /** Alias of `pooler` without its kind, as the stacks keep it. */
  readonly pgbouncer: { readonly host: string; readonly port: number };
  readonly redis: { readonly host: string; readonly port: number };
  /** Login role → URI: through PgBouncer for pooled logins, direct for the migrator. */
  readonly connectionUris: Readonly<Record<string, string>>;
  readonly redisUri: string;
  /** Redis as the statistics-only monitoring user. */
  readonly redisMonitorUri: string;
}

export function localOutputs(
  config: StackConfig,
  host: string,
  ports: LocalPorts,
  secrets: LocalSecrets,
): LocalOutputs {
  const database = config.postgres.database;
  const connectionUris = Object.fromEntries(
    loginRoles(config.roles.extra).map((login) => [
      login.name,
      postgresUri(
        login.name,
        secrets.logins[login.name].password,
        host,
        login.pooled ? ports.pgbouncer : ports.postgres,
        database,
      ),
    ]),
  );
  return {
    target: "local",
    postgres: { host, port: ports.postgres },
    pooler: { host, port: ports.pgbouncer, kind: "pgbouncer" },
    pgbouncer: { host, port: ports.pgbouncer },
    redis: { host, port: ports.redis },
    connectionUris,
    redisUri: `redis://${redisAppUser}:${encodeURIComponent(secrets.redis)}@${host}:${ports.redis}/0`,
    redisMonitorUri: `redis://${redisMonitorUser}:${encodeURIComponent(secrets.redisMonitor)}@${host}:${ports.redis}/0`,
  };
}

/** The outputs for a terminal: what runs where, then the URIs (they carry passwords, as `--show-secrets` does). */
export function formatOutputs(stack: string, outputs: LocalOutputs): string {
  const uris = Object.entries(outputs.connectionUris).map(([login, uri]) => `  ${login.padEnd(16)} ${uri}`);
  return [
    `PostgreSQL  ${outputs.postgres.host}:${outputs.postgres.port}`,
    `PgBouncer   ${outputs.pgbouncer.host}:${outputs.pgbouncer.port}`,
    `Redis       ${outputs.redis.host}:${outputs.redis.port}`,
    `connectionUris (${stack}):`,
    ...uris,
    `redisUri          ${outputs.redisUri}`,
  ].join("\n");
}
