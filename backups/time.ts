/**
 * Instants with microsecond precision, as PostgreSQL keeps them: backup end
 * times and recovery targets are compared at that precision, so a target a
 * few microseconds after a backup's end is not rounded onto it.
 */

/** Microseconds since the Unix epoch. */
export type Micros = bigint;

const instantPattern = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * Parses an ISO 8601 instant that carries its offset (`Z` or `±HH:MM`);
 * undefined for anything else, including a local time without an offset,
 * which would mean a different moment on each machine.
 */
export function parseInstant(text: string): Micros | undefined {
  const match = instantPattern.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = "", offset] = match;
  const fields = [year, month, day, hour, minute, second].map(Number);
  const utcMs = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(utcMs);
  if (
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    fields[3] > 23 ||
    fields[4] > 59 ||
    fields[5] > 59
  )
    return undefined;
  let offsetMinutes = 0;
  if (offset !== "Z") {
    const sign = offset.startsWith("-") ? -1 : 1;
    const digits = offset.slice(1).replace(":", "");
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || "0");
    if (hours > 15 || minutes > 59) return undefined;
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  return (BigInt(utcMs) - BigInt(offsetMinutes) * 60_000n) * 1000n + BigInt(fraction.padEnd(6, "0"));
}

export function microsFromDate(date: Date): Micros {
  return BigInt(date.getTime()) * 1000n;
}

/** `2026-11-30T14:05:00.123456Z`: the form manifests keep. */
export function formatInstant(micros: Micros): string {
  const ms = micros / 1000n;
  const iso = new Date(Number(ms)).toISOString();
  const fraction = (((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).toString().padStart(6, "0");
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

/** PostgreSQL 16 refuses zone abbreviations (`Z` included) in recovery_target_time: the offset is numeric. */
export function formatRecoveryTargetTime(micros: Micros): string {
  return `${formatInstant(micros).slice(0, 26).replace("T", " ")}+00:00`;
}
