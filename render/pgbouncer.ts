import { renderSettings } from "./confFormat";

export interface PgbouncerDatabase {
  /** Name clients use. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Name on the server. */
  readonly dbname: string;
}

export interface PgbouncerIniArgs {
  readonly listenAddr: string;
  readonly listenPort: number;
  readonly database: PgbouncerDatabase;
  readonly authFile: string;
  readonly poolMode: "transaction" | "session";
  readonly defaultPoolSize: number;
  readonly reservePoolSize: number;
  readonly reservePoolTimeoutSeconds: number;
  readonly maxClientConn: number;
  /** Hard cap on server connections to the database (see config/pools.ts). */
  readonly maxDbConnections: number;
  readonly adminUsers: readonly string[];
  readonly statsUsers: readonly string[];
  readonly queryWaitTimeoutSeconds: number;
  readonly serverIdleTimeoutSeconds: number;
  readonly idleTransactionTimeoutSeconds: number;
  /** TLS towards PostgreSQL: `disable` on the Docker network, `verify-full` or `require` towards RDS. */
  readonly serverTlsSslmode: "disable" | "require" | "verify-ca" | "verify-full";
  /** Empty disables the Unix socket. @default "" */
  readonly unixSocketDir?: string;
}

const identifierPattern = /^[A-Za-z0-9_.-]+$/;

/** pgbouncer.ini with SCRAM authentication against a userlist of SCRAM verifiers. */
export function renderPgbouncerIni(args: PgbouncerIniArgs): string {
  for (const name of [
    args.database.name,
    args.database.dbname,
    args.database.host,
    ...args.adminUsers,
    ...args.statsUsers,
  ]) {
    if (!identifierPattern.test(name)) throw new Error(`pgbouncer.ini: '${name}' is not a plain name`);
  }
  const database = `${args.database.name} = host=${args.database.host} port=${args.database.port} dbname=${args.database.dbname}`;
  const settings = {
    listen_addr: args.listenAddr,
    listen_port: args.listenPort,
    unix_socket_dir: args.unixSocketDir ?? "",
    auth_type: "scram-sha-256",
    auth_file: args.authFile,
    pool_mode: args.poolMode,
    default_pool_size: args.defaultPoolSize,
    min_pool_size: 0,
    reserve_pool_size: args.reservePoolSize,
    reserve_pool_timeout: args.reservePoolTimeoutSeconds,
    max_client_conn: args.maxClientConn,
    max_db_connections: args.maxDbConnections,
    admin_users: args.adminUsers.join(","),
    stats_users: args.statsUsers.join(","),
    // Session state must not leak between clients sharing a server connection.
    server_reset_query: "DISCARD ALL",
    server_check_query: "select 1",
    server_check_delay: 30,
    server_tls_sslmode: args.serverTlsSslmode,
    // JDBC and some ORMs send these at startup; ignoring them keeps those clients working.
    ignore_startup_parameters: "extra_float_digits",
    server_lifetime: 3600,
    server_idle_timeout: args.serverIdleTimeoutSeconds,
    server_connect_timeout: 15,
    server_login_retry: 5,
    query_wait_timeout: args.queryWaitTimeoutSeconds,
    client_login_timeout: 60,
    idle_transaction_timeout: args.idleTransactionTimeoutSeconds,
    log_connections: 0,
    log_disconnections: 0,
    log_pooler_errors: 1,
    stats_period: 60,
  };
  return `;; Rendered by pgplat (render/pgbouncer.ts); edit the stack config, not this file.\n[databases]\n${database}\n\n[pgbouncer]\n${renderSettings(settings)}\n`;
}

export interface UserlistEntry {
  readonly user: string;
  /** A SCRAM-SHA-256 verifier (components/database/scram.ts), never a plaintext password. */
  readonly scramSecret: string;
}

export function renderUserlist(entries: readonly UserlistEntry[]): string {
  return entries
    .map((entry) => {
      if (!entry.scramSecret.startsWith("SCRAM-SHA-256$"))
        throw new Error(`userlist.txt: the entry for ${entry.user} is not a SCRAM verifier`);
      return `${quoteUserlist(entry.user)} ${quoteUserlist(entry.scramSecret)}`;
    })
    .join("\n")
    .concat("\n");
}

function quoteUserlist(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
