import {
  monitoringLogin,
  pgbouncerAdminUser,
  pgbouncerLimits,
  superuserReservedConnections,
  type StackConfig,
} from "../config";
import { renderPgHba } from "./pgHba";
import { renderPgbouncerIni, type PgbouncerIniArgs } from "./pgbouncer";
import { renderPostgresqlConf } from "./postgresqlConf";
import { renderRedisConf } from "./redisConf";
import { tune, tuningInput } from "./tuning";

/**
 * From stack config to the files each server reads. Only the layout (where
 * things listen and live) differs between a container and a test on loopback,
 * so tests boot exactly what the containers get.
 */
export interface PostgresLayout {
  readonly listenAddresses: string;
  readonly port: number;
  readonly hbaFile: string;
  readonly unixSocketDirectories: string;
  readonly archiveScript: string;
  readonly archiveDir: string;
  readonly requireTls: boolean;
}

export function postgresFiles(
  config: StackConfig,
  layout: PostgresLayout,
): { readonly postgresqlConf: string; readonly pgHbaConf: string } {
  const postgres = config.postgres;
  const tuning = tune(tuningInput(postgres));
  const postgresqlConf = renderPostgresqlConf({
    tuning,
    listenAddresses: layout.listenAddresses,
    port: layout.port,
    hbaFile: layout.hbaFile,
    unixSocketDirectories: layout.unixSocketDirectories,
    slowStatementMs: postgres.slowStatementMs,
    superuserReservedConnections,
    archive: config.backups.enabled
      ? {
          scriptPath: layout.archiveScript,
          archiveDir: layout.archiveDir,
          timeoutSeconds: postgres.archiveTimeoutSeconds,
        }
      : undefined,
  });
  return {
    postgresqlConf,
    pgHbaConf: renderPgHba({ allowedClients: postgres.allowedClients, requireTls: layout.requireTls }),
  };
}

export interface PgbouncerLayout {
  readonly listenAddr: string;
  readonly listenPort: number;
  readonly postgresHost: string;
  readonly postgresPort: number;
  readonly authFile: string;
  readonly serverTlsSslmode: PgbouncerIniArgs["serverTlsSslmode"];
}

function pgbouncerSettings(config: StackConfig, layout: PgbouncerLayout): PgbouncerIniArgs {
  const pgbouncer = config.pgbouncer;
  return {
    listenAddr: layout.listenAddr,
    listenPort: layout.listenPort,
    database: {
      name: config.postgres.database,
      host: layout.postgresHost,
      port: layout.postgresPort,
      dbname: config.postgres.database,
    },
    authFile: layout.authFile,
    poolMode: pgbouncer.poolMode,
    defaultPoolSize: pgbouncer.defaultPoolSize,
    reservePoolSize: pgbouncer.reservePoolSize,
    reservePoolTimeoutSeconds: pgbouncer.reservePoolTimeoutSeconds,
    maxClientConn: pgbouncer.maxClientConn,
    maxDbConnections: pgbouncerLimits(config).maxDbConnections,
    adminUsers: [pgbouncerAdminUser],
    statsUsers: [monitoringLogin],
    queryWaitTimeoutSeconds: pgbouncer.queryWaitTimeoutSeconds,
    serverIdleTimeoutSeconds: pgbouncer.serverIdleTimeoutSeconds,
    idleTransactionTimeoutSeconds: pgbouncer.idleTransactionTimeoutSeconds,
    serverTlsSslmode: layout.serverTlsSslmode,
  };
}

/** pgbouncer.ini and the nofile limit it needs; the userlist comes from `renderUserlist` once verifiers exist. */
export function pgbouncerFiles(
  config: StackConfig,
  layout: PgbouncerLayout,
): { readonly pgbouncerIni: string; readonly fileDescriptorLimit: number } {
  return {
    pgbouncerIni: renderPgbouncerIni(pgbouncerSettings(config, layout)),
    fileDescriptorLimit: pgbouncerLimits(config).fileDescriptorLimit,
  };
}

export interface RedisLayout {
  readonly bind: string;
  readonly port: number;
  readonly dir: string;
}

export const redisAppUser = "app";
export const redisHealthcheckUser = "healthcheck";
/** Redis's counterpart of the monitoring login: statistics only. */
export const redisMonitorUser = "monitor";

/** `monitorPasswordSha256` adds the monitoring user (the Docker target always does). */
export function redisFiles(
  config: StackConfig,
  layout: RedisLayout,
  appPasswordSha256: string,
  monitorPasswordSha256?: string,
): { readonly redisConf: string } {
  return {
    redisConf: renderRedisConf({
      ...layout,
      appUser: redisAppUser,
      appPasswordSha256,
      appPermissions: config.redis.appPermissions,
      maxmemoryBytes: config.redis.maxmemoryMb * 1024 * 1024,
      maxmemoryPolicy: config.redis.maxmemoryPolicy,
      healthcheckUser: redisHealthcheckUser,
      monitor:
        monitorPasswordSha256 === undefined
          ? undefined
          : { user: redisMonitorUser, passwordSha256: monitorPasswordSha256 },
    }),
  };
}
