export interface PgHbaArgs {
  /** Client addresses allowed over TCP: CIDRs, or samenet/samehost. */
  readonly allowedClients: readonly string[];
  /** `hostssl` refuses clients that do not use TLS; `host` accepts both. */
  readonly requireTls: boolean;
}

/**
 * pg_hba.conf with scram-sha-256 as the only method: no trust, no md5, no
 * peer. Anything not matched is rejected by PostgreSQL.
 */
export function renderPgHba(args: PgHbaArgs): string {
  if (args.allowedClients.length === 0) throw new Error("pg_hba.conf needs at least one allowed client address");
  const connectionType = args.requireTls ? "hostssl" : "host";
  const lines = [
    "# Rendered by pgplat (render/pgHba.ts): scram-sha-256 for every connection.",
    "# TYPE  DATABASE  USER  ADDRESS  METHOD",
    "local all all scram-sha-256",
    ...args.allowedClients.map((address) => `${connectionType} all all ${address} scram-sha-256`),
  ];
  return `${lines.join("\n")}\n`;
}
