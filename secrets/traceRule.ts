import type { EncryptedLeaf } from "./encryptedLeaves";

/**
 * The rule that decides whether a value pgplat computes carries an encrypted
 * config value. Pure, so the rule is tested on its own.
 *
 * - A string carries a traced value when it contains it (a host inside a
 *   connection string, a CIDR inside pg_hba.conf, an e-mail as an endpoint).
 * - A number carries it when it is equal (an encrypted port 6543 as a port
 *   input); a string carries an encrypted number only as a whole number of
 *   its own (`:6543/`, not `165430`).
 * - A value is traced only when its text has at least `minimumTracedLength`
 *   characters. Shorter values (`on`, `5`, `app`) and booleans are written by
 *   pgplat itself all over the graph, so matching them would mark most of it
 *   secret and hide the plan; they are reported as untraced instead.
 */
export const minimumTracedLength = 4;

export interface Needle {
  readonly text: string;
  /** Matched as a whole number inside text, and by equality against numbers. */
  readonly numeric: boolean;
  /** The config keys holding it. */
  readonly keys: readonly string[];
  /** Whether the stack file marks it encrypted, rather than its key being secret as a whole. */
  readonly certain: boolean;
}

export interface Needles {
  readonly needles: readonly Needle[];
  /** Keys of encrypted leaves the rule cannot trace (too short, or a boolean). */
  readonly untraced: readonly string[];
}

export function needlesOf(leaves: readonly EncryptedLeaf[]): Needles {
  const needles = new Map<string, Needle>();
  const untraced: string[] = [];
  for (const leaf of leaves) {
    const text = String(leaf.value);
    if (typeof leaf.value === "boolean" || text.length < minimumTracedLength) {
      untraced.push(leaf.key);
      continue;
    }
    const numeric = typeof leaf.value === "number" || /^-?\d+(\.\d+)?$/.test(text);
    const known = needles.get(text);
    needles.set(text, {
      text,
      numeric,
      keys: [...(known?.keys ?? []), leaf.key],
      certain: (known?.certain ?? false) || leaf.certain,
    });
  }
  return { needles: [...needles.values()], untraced };
}

/** Whether a scalar carries one of the needles. */
export function scalarCarries(value: unknown, needles: readonly Needle[]): boolean {
  if (typeof value === "number") return needles.some((needle) => needle.text === String(value));
  if (typeof value !== "string") return false;
  return needles.some((needle) => (needle.numeric ? wholeNumberIn(value, needle.text) : value.includes(needle.text)));
}

/**
 * The needle a resource name carries, compared on letters and digits only:
 * names are built from values with their punctuation replaced
 * (`10.1.0.0/16` as `10.1.0.0_16`), and a name can never be secret.
 */
export function nameCarries(name: string, needles: readonly Needle[]): Needle | undefined {
  const letters = (text: string) => text.replace(/[^A-Za-z0-9]/g, "").toLowerCase();
  const plainName = letters(name);
  return needles.find(
    (needle) => letters(needle.text).length >= minimumTracedLength && plainName.includes(letters(needle.text)),
  );
}

function wholeNumberIn(text: string, number: string): boolean {
  for (let at = text.indexOf(number); at >= 0; at = text.indexOf(number, at + 1)) {
    const before = text[at - 1];
    const after = text[at + number.length];
    if (
      !/[\d.]/.test(before ?? "") &&
      !/\d/.test(after ?? "") &&
      !(after === "." && /\d/.test(text[at + number.length + 1] ?? ""))
    )
      return true;
  }
  return false;
}

/** Whether a plain value (scalars, arrays, plain objects) carries one of the needles anywhere; other objects (resources, outputs) are not looked into. */
export function carries(value: unknown, needles: readonly Needle[], seen = new WeakSet<object>()): boolean {
  if (value === null || typeof value !== "object") return scalarCarries(value, needles);
  if (!isPlain(value) || seen.has(value)) return false;
  seen.add(value);
  return Object.values(value).some((item) => carries(item, needles, seen));
}

export function isPlain(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return Array.isArray(value) || prototype === Object.prototype || prototype === null;
}
