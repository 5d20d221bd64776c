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
