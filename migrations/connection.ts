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
  const ssl =
    sslmode === "disable"
      ? false
      : sslmode === "require"
        ? { rejectUnauthorized: false }
        : {
            rejectUnauthorized: true,
            ca: settings.sslRootCert ? readFileSync(settings.sslRootCert, "utf8") : undefined,
          };
  return {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password === "" ? passwordFromPassFile(settings) : settings.password,
    database: settings.database,
    ssl,
    application_name: applicationName,
    connectionTimeoutMillis: 30_000,
  };
}

const encodingHint =
  "percent-encode special characters in the user name and password (@ as %40, : as %3A, / as %2F, ? as %3F, # as %23, % as %25)";

/**
 * Parses a postgresql:// URL (as the CLI takes it) into settings. When it does
 * not parse, says which part is wrong without ever repeating the URL, which
 * holds the password.
 */
export function settingsFromUrl(url: string): ConnectionSettings {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== "postgresql" && scheme !== "postgres")
    throw new Error("the database URL must start with postgresql://");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the database URL does not parse: ${urlProblem(url.slice(scheme.length + 3))}`);
  }
  const sslmode = parsed.searchParams.get("sslmode") ?? "disable";
  if (sslmode !== "disable" && sslmode !== "require" && sslmode !== "verify-full")
    throw new Error(`sslmode ${sslmode} is not supported: use disable, require or verify-full`);
  const decode = (part: string, text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new Error(
        `the database URL does not parse: the ${part} has a % not followed by two hex digits; ${encodingHint}`,
      );
    }
  };
  const database = decode("database name", parsed.pathname.slice(1));
  if (!parsed.hostname)
    throw new Error("the database URL does not parse: it has no host (postgresql://user:password@host:port/database)");
  if (!database) throw new Error("the database URL has no database name after the host (…@host:port/database)");
  return {
    host: decode("host", parsed.hostname),
    port: Number(parsed.port || 5432),
    user: decode("user name", parsed.username),
    password: decode("password", parsed.password),
    database,
    sslmode,
    sslRootCert: parsed.searchParams.get("sslrootcert") ?? undefined,
  };
}

/**
 * No password in the URL: the one in the pgpass file named by PGPASSFILE
 * (libpq's format: host:port:database:user:password, `*` matches anything,
 * `\` escapes), as containers pass it without putting it in the environment.
 */
export function passwordFromPassFile(
  settings: Pick<ConnectionSettings, "host" | "port" | "database" | "user">,
  file = process.env.PGPASSFILE,
): string | undefined {
  if (!file || !existsSync(file)) return undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const fields = line.split(/(?<!\\):/).map((field) => field.replace(/\\(.)/g, "$1"));
    if (fields.length < 5) continue;
    const [host, port, database, user] = fields;
    const wanted = [settings.host, String(settings.port), settings.database, settings.user];
    if ([host, port, database, user].every((field, index) => field === "*" || field === wanted[index]))
      return fields.slice(4).join(":");
  }
  return undefined;
}

/** Which part of `user:password@host:port/database` breaks the URL; never quotes it. */
function urlProblem(rest: string): string {
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  // A / ? or # in the password ends the authority early, leaving no @ before it.
  if (!authority.includes("@") && rest.includes("@"))
    return `a / ? or # before the @ cuts the user:password part short; ${encodingHint}`;
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const port = /:([^:\]]*)$/.exec(hostPort)?.[1];
  if (port !== undefined && !/^\d{1,5}$/.test(port))
    return `the port after the host is not a number${rest.includes("@") ? "" : " (a : in the password also looks like a port)"}; ${encodingHint}`;
  if (port !== undefined && Number(port) > 65535) return "the port is above 65535";
  return `the host part is not a valid host name or address; ${encodingHint}`;
}
