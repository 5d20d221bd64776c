import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { scramSha256Secret } from "./scram";

export interface Credential {
  /** Plaintext password, for connection URIs only; secret. */
  readonly password: pulumi.Output<string>;
  /** SCRAM-SHA-256 verifier: set on the PostgreSQL role and in PgBouncer's userlist; secret. */
  readonly scramSecret: pulumi.Output<string>;
}

export interface CredentialsArgs {
  readonly users: readonly string[];
  /** Length of each generated password, in characters. @default 32 */
  readonly passwordLength?: number;
}

/**
 * A random password and a random SCRAM salt per user. Generating the salt
 * here, not in PostgreSQL, is what lets the role and PgBouncer share one
 * verifier: PgBouncer can then pass SCRAM through without the plaintext.
 */
export class Credentials extends pulumi.ComponentResource {
  readonly byUser: Readonly<Record<string, Credential>>;

  constructor(name: string, args: CredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:database:Credentials", name, {}, opts);
    const entries = args.users.map((user) => [user, this.credential(name, user, args.passwordLength ?? 32)] as const);
    this.byUser = Object.fromEntries(entries);
    this.registerOutputs({});
  }

  private credential(name: string, user: string, length: number): Credential {
    const password = generatedPassword(`${name}-${user}-password`, this, length);
    const salt = new random.RandomBytes(`${name}-${user}-scram-salt`, { length: 16 }, { parent: this });
    const scramSecret = pulumi
      .all([password, salt.base64])
      .apply(([plaintext, saltBase64]) =>
        scramSha256Secret({ password: plaintext, salt: Buffer.from(saltBase64, "base64") }),
      );
    return { password, scramSecret: pulumi.secret(scramSecret) };
  }
}

/** A random password of URI-safe characters, so it needs no escaping in URIs or config files; secret. */
export function generatedPassword(name: string, parent: pulumi.Resource, length = 32): pulumi.Output<string> {
  const password = new random.RandomPassword(
    name,
    { length, special: false, minUpper: 1, minLower: 1, minNumeric: 1 },
    { parent },
  );
  return pulumi.secret(password.result);
}
