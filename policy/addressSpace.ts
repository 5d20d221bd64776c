/**
 * CIDR arithmetic for guardrails and config validation: parses IPv4 and IPv6
 * CIDRs as AWS and PostgreSQL accept them, and tells whether a set of ranges
 * covers a whole address family together (so `0.0.0.0/1` + `128.0.0.0/1` is
 * the internet, like `0.0.0.0/0`).
 */
export interface Cidr {
  readonly family: 4 | 6;
  /** First address of the range (host bits cleared). */
  readonly first: bigint;
  /** Last address of the range. */
  readonly last: bigint;
  readonly prefix: number;
}

const familyBits = { 4: 32, 6: 128 } as const;

/** Parses `a.b.c.d/n` or an IPv6 address `/n`; returns why not when it is neither. */
export function parseCidr(text: string): Cidr | { readonly error: string } {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return { error: "must be an address and a prefix length, such as 10.0.0.0/16 or 2001:db8::/32" };
  const [, addressText, prefixText] = match;
  const family = addressText.includes(":") ? 6 : 4;
  const address = family === 4 ? parseIpv4(addressText) : parseIpv6(addressText);
  if (address === undefined) return { error: `${addressText} is not an IPv${family} address` };
  const prefix = Number(prefixText);
  const bits = familyBits[family];
  if (prefix > bits) return { error: `the prefix length of an IPv${family} CIDR is 0 to ${bits}, not ${prefix}` };
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const first = address & ~hostMask;
  return { family, first, last: first | hostMask, prefix };
}

export function isCidr(parsed: ReturnType<typeof parseCidr>): parsed is Cidr {
  return !("error" in parsed);
}

/** Whether the ranges together cover every address of `family`. */
export function coversWholeFamily(ranges: readonly Cidr[], family: 4 | 6): boolean {
  const sorted = ranges
    .filter((range) => range.family === family)
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let next = 0n;
  for (const range of sorted) {
    if (range.first > next) return false;
    if (range.last + 1n > next) next = range.last + 1n;
  }
  return next === 1n << BigInt(familyBits[family]);
}

/** The families (4, 6) the ranges cover entirely. */
export function wholeFamiliesCovered(cidrs: readonly string[]): (4 | 6)[] {
  const ranges = cidrs.map(parseCidr).filter(isCidr);
  return ([4, 6] as const).filter((family) => coversWholeFamily(ranges, family));
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return parts.reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  let head = groups(halves[0]);
  let tail = halves.length === 2 ? groups(halves[1]) : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const last = (halves.length === 2 ? tail : head).at(-1);
  if (last?.includes(".")) {
    const v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    const embedded = [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
    if (halves.length === 2) tail = [...tail.slice(0, -1), ...embedded];
    else head = [...head.slice(0, -1), ...embedded];
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}
