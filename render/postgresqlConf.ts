import { quoteConfString, renderSettings, shellQuote } from "./confFormat";
import { tuningSettings, type Tuning } from "./tuning";

export interface WalArchiveSettings {
  /** Script that copies one segment atomically without overwriting (scripts/archive-wal.sh). */
  readonly scriptPath: string;
  readonly archiveDir: string;
  readonly timeoutSeconds: number;
}

export interface PostgresqlConfArgs {
  readonly tuning: Tuning;
  readonly listenAddresses: string;
  readonly port: number;
  readonly hbaFile: string;
  /** log_min_duration_statement in ms; -1 disables. */
  readonly slowStatementMs: number;
  /** WAL archiving; archive_mode is off when absent. */
  readonly archive?: WalArchiveSettings;
  /** @default "/var/run/postgresql" (the official image's socket directory) */
  readonly unixSocketDirectories?: string;
  readonly superuserReservedConnections: number;
}

/** The archive_command: `%p` and `%f` are expanded by PostgreSQL, everything else is shell-quoted. */
export function archiveCommand(scriptPath: string, archiveDir: string): string {
  if (scriptPath.includes("%") || archiveDir.includes("%")) throw new Error("archive paths cannot contain '%'");
  return `${shellQuote(scriptPath)} %p %f ${shellQuote(archiveDir)}`;
}

export function renderPostgresqlConf(args: PostgresqlConfArgs): string {
  const sections: [string, Record<string, string | number>][] = [
    [
      "Connections",
      {
        listen_addresses: quoteConfString(args.listenAddresses),
        port: args.port,
        unix_socket_directories: quoteConfString(args.unixSocketDirectories ?? "/var/run/postgresql"),
        superuser_reserved_connections: args.superuserReservedConnections,
        hba_file: quoteConfString(args.hbaFile),
      },
    ],
    [
      "Authentication: SCRAM only; pg_hba.conf accepts nothing else",
      {
        password_encryption: quoteConfString("scram-sha-256"),
      },
    ],
    ["Tuning (render/tuning.ts)", tuningSettings(args.tuning)],
    [
      "Statistics",
      {
        shared_preload_libraries: quoteConfString("pg_stat_statements"),
        "pg_stat_statements.max": 10000,
        "pg_stat_statements.track": "top",
        track_io_timing: "on",
      },
    ],
    [
      "Logging to stderr (the container log)",
      {
        log_destination: quoteConfString("stderr"),
        logging_collector: "off",
        log_line_prefix: quoteConfString("%m [%p] %q%u@%d/%a "),
        log_min_duration_statement: args.slowStatementMs,
        log_checkpoints: "on",
        log_lock_waits: "on",
        log_temp_files: 0,
        log_autovacuum_min_duration: quoteConfString("10s"),
        log_statement: quoteConfString("ddl"),
        log_timezone: quoteConfString("UTC"),
      },
    ],
    ["WAL and archiving", walSettings(args.archive)],
    ["Locale", { timezone: quoteConfString("UTC") }],
  ];
  const body = sections.map(([title, settings]) => `# ${title}\n${renderSettings(settings)}`).join("\n\n");
  return `# Rendered by pgplat (render/postgresqlConf.ts); edit the stack config, not this file.\n\n${body}\n`;
}

function walSettings(archive: WalArchiveSettings | undefined): Record<string, string | number> {
  if (!archive) return { wal_level: "replica", archive_mode: "off" };
  return {
    wal_level: "replica",
    archive_mode: "on",
    archive_command: quoteConfString(archiveCommand(archive.scriptPath, archive.archiveDir)),
    archive_timeout: archive.timeoutSeconds,
  };
}
