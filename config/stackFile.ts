import { readFileSync } from "node:fs";
import { parse, YAMLError } from "yaml";
import { decodeNamespace } from "./decode";
import { configNamespace } from "./validate";
import { fitPlaceholders, securePlaceholder } from "./securePlaceholders";

export { securePlaceholder };

export interface StackFileConfig {
  /** Full config keys to the text the engine would pass to the program. */
  readonly config: Record<string, string>;
  readonly secretKeys: readonly string[];
}

/**
 * Reads `Pulumi.<stack>.yaml` the way the engine hands config to a program:
 * structured values as JSON text, scalars as text. Encrypted (`secure:`)
 * values become a placeholder of the shape their key needs
 * (securePlaceholders.ts) and their keys are marked secret.
 */
export function readStackFile(file: string): StackFileConfig {
  const document = (parseYaml(file) ?? {}) as { config?: Record<string, unknown> };
  const plainValues: Record<string, unknown> = {};
  const securePaths: PropertyKey[][] = [];
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(document.config ?? {})) {
    const paths: PropertyKey[][] = [];
    plainValues[key] = replaceSecure(value, [], paths);
    if (paths.length === 0) continue;
    secretKeys.push(key);
    if (key.startsWith(`${configNamespace}:`))
      securePaths.push(...paths.map((path) => [key.slice(configNamespace.length + 1), ...path]));
  }
  const namespaced = Object.fromEntries(
    Object.entries(plainValues)
      .filter(([key]) => key.startsWith(`${configNamespace}:`))
      .map(([key, value]) => [key.slice(configNamespace.length + 1), value]),
  );
  const fitted = securePaths.length > 0 ? fitPlaceholders(namespaced, securePaths) : namespaced;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(plainValues)) {
    const plain = key.startsWith(`${configNamespace}:`) ? fitted[key.slice(configNamespace.length + 1)] : value;
    config[key] = typeof plain === "object" && plain !== null ? JSON.stringify(plain) : String(plain);
  }
  return { config, secretKeys };
}

/** Parses the stack file; a syntax error names the file, line and reason but never quotes the line, which may hold a secure: value. */
function parseYaml(file: string): unknown {
  try {
    return parse(readFileSync(file, "utf8"));
  } catch (error) {
    if (!(error instanceof YAMLError)) throw error;
    const position = error.linePos?.[0];
    const reason = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    // No cause: the parser's own message quotes the line.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${file}${position ? `:${position.line}:${position.col}` : ""}: not valid YAML: ${reason}`);
  }
}

/** `value` with each `secure:` leaf replaced by the placeholder; their paths are added to `found`. */
function replaceSecure(value: unknown, at: PropertyKey[], found: PropertyKey[][]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => replaceSecure(item, [...at, index], found));
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length === 1 && typeof record.secure === "string") {
    found.push(at);
    return securePlaceholder;
  }
  return Object.fromEntries(
    Object.entries(record).map(([key, item]) => [key, replaceSecure(item, [...at, key], found)]),
  );
}

/** The `pgplat:` keys without their namespace, decoded, as `parseStackConfig` takes them (malformed ones left out; see decodeNamespace). */
export function namespaceValues(config: Readonly<Record<string, string>>, namespace: string): Record<string, unknown> {
  return decodeNamespace(config, namespace).values;
}
