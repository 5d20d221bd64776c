/**
 * Expiry of ephemeral stacks, as pure functions: which tags `dev:up` sets,
 * which stacks `dev:reap` may destroy, and the table `dev:list` prints.
 */

/** Stack tags (names: letters, digits, `-_.:`, at most 40 characters). */
export const createdAtTag = "pgplat:created-at";
export const expiresAtTag = "pgplat:expires-at";

/** Only stacks named like this are ephemeral: `dev` itself and everything else never expire. */
const ephemeralStackName = /^dev-[a-z0-9][a-z0-9-]*$/;

export interface StackSummary {
  /** As `pulumi stack ls --json` prints it (may be qualified: org/project/name). */
  readonly name: string;
  readonly resourceCount?: number;
  readonly lastUpdate?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** What the local stack file says about a stack, when there is one. */
export interface LocalStackConfig {
  readonly target: string;
  readonly environment: string;
}

/** The stack's own name without org/project. */
export function shortStackName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

export function isEphemeralStack(name: string): boolean {
  return ephemeralStackName.test(shortStackName(name));
}

/** `--ttl 36h`, `--ttl 7d`, `--ttl 90m` → hours. */
export function parseTtl(text: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(text.trim());
  const hours = match ? Number(match[1]) * { m: 1 / 60, h: 1, d: 24 }[match[2] as "m" | "h" | "d"] : NaN;
  if (!(hours > 0) || hours > 8760)
    throw new Error(`--ttl ${text}: give a duration such as 90m, 36h or 7d (more than 0, at most 365d)`);
  return hours;
}

/** Tags `dev:up` sets before deploying: creation time once, expiry (ephemeral stacks only) on every run. */
export function lifecycleTags(
  stack: string,
  existing: Readonly<Record<string, string>>,
  now: Date,
  ttlHours: number,
): Record<string, string> {
  const tags: Record<string, string> = {};
  if (!existing[createdAtTag]) tags[createdAtTag] = now.toISOString();
  if (isEphemeralStack(stack)) tags[expiresAtTag] = new Date(now.getTime() + ttlHours * 3_600_000).toISOString();
  return tags;
}

export type ReapVerdict = { readonly reap: true } | { readonly reap: false; readonly reason: string };

/**
 * Whether `dev:reap` destroys a stack: only a `dev-<name>` stack whose
 * recorded expiry has passed, never one whose local file makes it a
 * production or non-Docker stack.
 */
export function reapVerdict(stack: StackSummary, now: Date, local?: LocalStackConfig): ReapVerdict {
  if (!isEphemeralStack(stack.name)) return { reap: false, reason: "not an ephemeral dev-<name> stack" };
  if (local && (local.environment === "production" || local.target !== "docker")) {
    return {
      reap: false,
      reason: `protected: its stack file has target ${local.target}, environment ${local.environment}`,
    };
  }
  const expires = expiryOf(stack);
  if (expires === undefined) return { reap: false, reason: `no ${expiresAtTag} tag` };
  if (expires.getTime() > now.getTime())
    return { reap: false, reason: `expires in ${formatDuration(expires.getTime() - now.getTime())}` };
  return { reap: true };
}

function expiryOf(stack: StackSummary): Date | undefined {
  const text = stack.tags[expiresAtTag];
  const time = text ? Date.parse(text) : NaN;
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** `2d 3h`, `5h 10m`, `45m`, `<1m`. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const [days, hours, mins] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${mins}m`;
  return minutes > 0 ? `${mins}m` : "<1m";
}

/** The `dev:list` table: every stack with its age, expiry and resource count. */
export function formatStackTable(stacks: readonly StackSummary[], now: Date): string {
  const rows = stacks.map((stack) => {
    const created = Date.parse(stack.tags[createdAtTag] ?? "");
    const expires = expiryOf(stack);
    const expiry = !expires
      ? isEphemeralStack(stack.name)
        ? "not recorded"
        : "never"
      : expires <= now
        ? `expired ${formatDuration(now.getTime() - expires.getTime())} ago`
        : `in ${formatDuration(expires.getTime() - now.getTime())}`;
    return [
      stack.name,
      Number.isNaN(created) ? "unknown" : formatDuration(now.getTime() - created),
      expiry,
      String(stack.resourceCount ?? 0),
      stack.lastUpdate ?? "never",
    ];
  });
  const table = [["STACK", "AGE", "EXPIRES", "RESOURCES", "LAST UPDATE"], ...rows];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  return table
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
