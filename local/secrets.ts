import { randomBytes, randomInt } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { scramSha256Secret } from "../components/database/scram";

/** A login's password and the SCRAM verifier PostgreSQL and PgBouncer share. */
export interface LocalCredential {
  readonly password: string;
  readonly scramSecret: string;
}

/** Every generated secret of a local stack, kept in its state directory so data and passwords stay together. */
export interface LocalSecrets {
  readonly superuser: string;
  readonly redis: string;
  readonly redisMonitor: string;
  /** Login role (and PgBouncer admin) → credential. */
  readonly logins: Readonly<Record<string, LocalCredential>>;
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A URI-safe random password with upper, lower and digit, as the stacks generate. */
export function localPassword(length = 32): string {
  for (;;) {
    const candidate = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
    if (/[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /[0-9]/.test(candidate)) return candidate;
  }
}

export function localCredential(): LocalCredential {
  const password = localPassword();
  return { password, scramSecret: scramSha256Secret({ password, salt: randomBytes(16) }) };
}

/**
 * The stack's secrets with one credential for each of `users` (and no
 * other): read from `file`, completed with new ones for users added since (an
 * extra role), and written back readable by the owner only.
 */
export function loadSecrets(file: string, users: readonly string[]): LocalSecrets {
  const stored: Partial<LocalSecrets> = existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>)
    : {};
  // A login no longer listed loses its credential, as a Pulumi stack deletes the role's random password.
  const logins: Record<string, LocalCredential> = Object.fromEntries(
    users.map((user) => [user, stored.logins?.[user] ?? localCredential()]),
  );
  const secrets: LocalSecrets = {
    superuser: stored.superuser ?? localPassword(),
    redis: stored.redis ?? localPassword(),
    redisMonitor: stored.redisMonitor ?? localPassword(),
    logins,
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** The stack's secrets as they are, for a command that works on a running stack (and must not create any). */
export function readLocalSecrets(file: string): LocalSecrets {
  if (!existsSync(file)) throw new Error(`${file} does not exist: the stack has never started`);
  return JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
}
