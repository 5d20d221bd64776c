/**
 * The SQL a restored stack's PostgreSQL container runs once, after replay and
 * promotion, so the roles it restored from another stack answer to this
 * stack's credentials: the source's passwords stop working.
 */
export interface RoleCredential {
  readonly role: string;
  /** A SCRAM verifier, or a plaintext password that PostgreSQL turns into one. */
  readonly password: string;
}

export interface RestoreCredentialsArgs {
  /** Roles the restored database must already have (a missing one is an error naming it). */
  readonly existing: readonly RoleCredential[];
  /** A login created when the source did not have it, with EXECUTE on these pg_catalog functions (the backup login). */
  readonly ensured?: { readonly login: RoleCredential; readonly functions: readonly string[] };
}

export function renderRestoreCredentials(args: RestoreCredentialsArgs): string {
  const lines = ["-- pgplat: this stack's credentials for the roles restored from another stack."];
  if (args.ensured) {
    const role = identifier(args.ensured.login.role);
    lines.push(`DO $$ BEGIN CREATE ROLE ${role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;`);
    for (const fn of args.ensured.functions)
      lines.push(`GRANT EXECUTE ON FUNCTION pg_catalog.${identifier(fn)} TO ${role};`);
  }
  for (const credential of [...args.existing, ...(args.ensured ? [args.ensured.login] : [])]) {
    lines.push(`ALTER ROLE ${identifier(credential.role)} WITH LOGIN PASSWORD ${literal(credential.password)};`);
  }
  return `${lines.join("\n")}\n`;
}

function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
