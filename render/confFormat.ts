/** Quoting shared by the PostgreSQL-style configuration files we render. */

/** A postgresql.conf / pgbouncer.ini string value: single-quoted, quotes doubled. */
export function quoteConfString(value: string): string {
  if (/[\n\r]/.test(value)) throw new Error("configuration values cannot contain line breaks");
  return `'${value.replace(/'/g, "''")}'`;
}

/** A word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `key = value` lines in the order given, for files whose values are already formatted. */
export function renderSettings(settings: Readonly<Record<string, string | number>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = ${value}`)
    .join("\n");
}
