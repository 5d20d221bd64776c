import { loginRoles, pgbouncerAdminUser } from "./roles";
import type { StackConfig } from "./types";

/**
 * The connection budget: PgBouncer may open at most `serverConnections` to
 * PostgreSQL (it is rendered as max_db_connections, a hard cap), and those plus
 * the connections kept for direct logins and superusers must fit in
 * max_connections.
 */
export const superuserReservedConnections = 3;

export interface PoolBudgetInput {
  readonly pooledLogins: number;
  readonly defaultPoolSize: number;
  readonly reservePoolSize: number;
  readonly reservedConnections: number;
  readonly maxConnections: number;
}

export interface PoolBudget {
  readonly serverConnections: number;
  readonly required: number;
  readonly fits: boolean;
  readonly explanation: string;
}

export function poolBudget(input: PoolBudgetInput): PoolBudget {
  const perPool = input.defaultPoolSize + input.reservePoolSize;
  const serverConnections = input.pooledLogins * perPool;
  const required = serverConnections + input.reservedConnections + superuserReservedConnections;
  const explanation =
    `PgBouncer pools need ${input.pooledLogins} pooled logins × (defaultPoolSize ${input.defaultPoolSize} + reservePoolSize ${input.reservePoolSize}) = ${serverConnections} server connections, ` +
    `plus reservedConnections ${input.reservedConnections} and ${superuserReservedConnections} superuser-reserved = ${required}; ` +
    `postgres.maxConnections is ${input.maxConnections}`;
  return { serverConnections, required, fits: required <= input.maxConnections, explanation };
}

/** Logins that get a PgBouncer pool, in userlist order. */
export function pooledLoginNames(config: StackConfig): readonly string[] {
  return loginRoles(config.roles.extra)
    .filter((login) => login.pooled)
    .map((login) => login.name);
}

/** The server-connection cap and the descriptor limit that follow from the config, whatever the layout. */
export function pgbouncerLimits(config: StackConfig): {
  readonly maxDbConnections: number;
  readonly fileDescriptorLimit: number;
} {
  const maxDbConnections = poolBudget({
    pooledLogins: pooledLoginNames(config).length,
    defaultPoolSize: config.pgbouncer.defaultPoolSize,
    reservePoolSize: config.pgbouncer.reservePoolSize,
    reservedConnections: config.postgres.reservedConnections,
    maxConnections: config.postgres.maxConnections,
  }).serverConnections;
  return {
    maxDbConnections,
    fileDescriptorLimit: pgbouncerFileDescriptorLimit({
      maxClientConn: config.pgbouncer.maxClientConn,
      maxDbConnections,
    }),
  };
}

/** Users in PgBouncer's userlist: the pooled logins and the console admin. */
export function userlistUsers(config: StackConfig): readonly string[] {
  return [...pooledLoginNames(config), pgbouncerAdminUser];
}

/**
 * Open files PgBouncer needs: one per client, one per server connection, and
 * headroom for listeners, logs and DNS. PgBouncer refuses max_client_conn it
 * cannot back with descriptors, so this sets the container's nofile limit.
 */
export function pgbouncerFileDescriptorLimit(args: {
  readonly maxClientConn: number;
  readonly maxDbConnections: number;
}): number {
  return args.maxClientConn + args.maxDbConnections + 64;
}
