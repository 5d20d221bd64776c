import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

/** PostgreSQL's default scram_iterations. */
export const defaultScramIterations = 4096;

export interface ScramSecretArgs {
  readonly password: string;
  /** Raw salt bytes; PostgreSQL uses 16. */
  readonly salt: Buffer;
  /** PBKDF2 iterations (PostgreSQL's scram_iterations). @default 4096 */
  readonly iterations?: number;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores in pg_authid (RFC 5802/7677).
 * Setting this exact verifier as the role's password and in PgBouncer's
 * userlist lets PgBouncer pass SCRAM through to the server without ever
 * holding the plaintext password.
 */
export function scramSha256Secret(args: ScramSecretArgs): string {
  // Printable ASCII is unchanged by SASLprep, so no normalisation library is needed.
  if (!/^[\x20-\x7e]+$/.test(args.password)) throw new Error("SCRAM passwords must be non-empty printable ASCII");
  if (args.salt.length < 8) throw new Error("SCRAM salt must be at least 8 bytes");
  const iterations = args.iterations ?? defaultScramIterations;
  const saltedPassword = pbkdf2Sync(args.password, args.salt, iterations, 32, "sha256");
  const clientKey = hmac(saltedPassword, "Client Key");
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = hmac(saltedPassword, "Server Key");
  return `SCRAM-SHA-256$${iterations}:${args.salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text).digest();
}
