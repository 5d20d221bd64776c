import { existsSync, readFileSync } from "node:fs";
import type { ClientConfig } from "pg";

/** How the engine reaches the database; `password` is a secret and never appears in a message. */
export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** @default "disable" */
  readonly sslmode?: "disable" | "require" | "verify-full";
  /** CA bundle for verify-full. */
  readonly sslRootCert?: string;
}

export function clientConfig(settings: ConnectionSettings, applicationName: string): ClientConfig {
  const sslmode = settings.sslmode ?? "disable";
  const ssl = sslmode === "disable" ? false : sslmode === "require" ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ca: settings.sslRootCert ? readFileSync(settings.sslRootCert, "utf8") : undefined };
  return { host: settings.host, port: settings.port, user: settings.user, password: settings.password === "" ? passwordFromPassFile(settings) : settings.password, database: settings.database, ssl, application_name: applicationName, connectionTimeoutMillis: 30_000 };
}

/** Parses a postgresql:// URL (as the CLI takes it) into settings. */
export function settingsFromUrl(url: string): ConnectionSettings {
  const parsed = new URL(url);
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") throw new Error("the database URL must start with postgresql://");
  const sslmode = parsed.searchParams.get("sslmode") ?? "disable";
  if (sslmode !== "disable" && sslmode !== "require" && sslmode !== "verify-full") throw new Error(`sslmode ${sslmode} is not supported: use disable, require or verify-full`);
  return {
    host: decodeURIComponent(parsed.hostname),
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    sslmode,
    sslRootCert: parsed.searchParams.get("sslrootcert") ?? undefined,
  };
}

/**
 * No password in the URL: the one in the pgpass file named by PGPASSFILE
 * (libpq's format: host:port:database:user:password, `*` matches anything,
 * `\` escapes), as containers pass it without putting it in the environment.
 */
export function passwordFromPassFile(settings: Pick<ConnectionSettings, "host" | "port" | "database" | "user">, file = process.env.PGPASSFILE): string | undefined {
  if (!file || !existsSync(file)) return undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const fields = line.split(/(?<!\\):/).map((field) => field.replace(/\\(.)/g, "$1"));
    if (fields.length < 5) continue;
    const [host, port, database, user] = fields;
    const wanted = [settings.host, String(settings.port), settings.database, settings.user];
    if ([host, port, database, user].every((field, index) => field === "*" || field === wanted[index])) return fields.slice(4).join(":");
  }
  return undefined;
}
