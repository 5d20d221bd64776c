import { nearest } from "../../config/keyHints";

/** How each option of a command is written: a switch, an option with one value, or one that may repeat. */
export type OptionKinds = Readonly<Record<string, "switch" | "value" | "values">>;

export interface CliArguments {
  readonly positional: readonly string[];
  readonly switches: ReadonlySet<string>;
  readonly values: Readonly<Record<string, readonly string[]>>;
  /** `--help` or `-h` was given: print the usage and exit 0. */
  readonly help: boolean;
}

/** A command line the command does not accept; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** Parses `argv` against `options`; an unknown option or a missing value is a UsageError naming it. */
export function parseCliArguments(argv: readonly string[], options: OptionKinds): CliArguments {
  const positional: string[] = [];
  const switches = new Set<string>();
  const values: Record<string, string[]> = {};
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const kind = options[name];
    if (kind === undefined) {
      const close = nearest(name, Object.keys(options));
      throw new UsageError(`unknown option ${name}${close === undefined ? "" : ` (did you mean ${close}?)`}`);
    }
    if (kind === "switch") {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      switches.add(name);
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined || (inline === undefined && value.startsWith("--")))
      throw new UsageError(`${name} needs a value`);
    if (kind === "value" && values[name]) throw new UsageError(`${name} given twice`);
    values[name] = [...(values[name] ?? []), value];
  }
  return { positional, switches, values, help };
}
