import type * as pulumi from "@pulumi/pulumi";

export interface Endpoint {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
}

/** The pooler clients connect to, and which one it is. */
export interface PoolerEndpoint extends Endpoint {
  readonly kind: "pgbouncer" | "rds-proxy";
}

/** What every target exposes; `platform.ts` turns it into stack outputs. */
export interface PlatformEndpoints {
  readonly postgres: Endpoint;
  /** Absent while a target has no pooler yet. */
  readonly pooler?: PoolerEndpoint;
  /** Absent while a target has no Redis yet. */
  readonly redis?: Endpoint;
  /** Secret: login role → URI (through PgBouncer for pooled logins, direct for the migrator). */
  readonly connectionUris: pulumi.Output<Record<string, string>>;
  /** Secret. */
  readonly redisUri?: pulumi.Output<string>;
}

export function postgresUri(
  user: string,
  password: string,
  host: string,
  port: number,
  database: string,
  sslmode?: string,
): string {
  const query = sslmode ? `?sslmode=${sslmode}` : "";
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}${query}`;
}
