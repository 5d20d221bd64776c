/** Strict flag parsing for the project's CLIs: an unknown or repeated flag, or one missing its value, is an error. */
export type FlagKind = "value" | "switch";

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
  readonly positional: readonly string[];
}

export class UsageError extends Error {}

export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, FlagKind>>): ParsedFlags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (!argument.startsWith("--")) {
      positional.push(argument);
      continue;
    }
    const [flag, inline] = argument.includes("=") ? [argument.slice(0, argument.indexOf("=")), argument.slice(argument.indexOf("=") + 1)] : [argument, undefined];
    const kind = spec[flag];
    if (kind === undefined) throw new UsageError(`unknown option ${flag}`);
    if (values.has(flag) || switches.has(flag)) throw new UsageError(`${flag} given twice`);
    if (kind === "switch") {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      switches.add(flag);
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined || (inline === undefined && value.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
    values.set(flag, value);
  }
  return { values, switches, positional };
}

export function required(flags: ParsedFlags, flag: string): string {
  const value = flags.values.get(flag);
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}
