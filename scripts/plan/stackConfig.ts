import { readFileSync } from "node:fs";
import { parse, YAMLError } from "yaml";
import { decodeNamespace } from "../../config/decode";

/**
 * Stand-in for values encrypted in the stack file, which cannot be read
 * offline. Shaped to pass the string checks an encrypted value may face (an
 * e-mail, a host name): the real value is checked when Pulumi decrypts it.
 */
export const securePlaceholder = "secure-value@placeholder.invalid";

export interface StackFileConfig {
  /** Full config keys to the text the engine would pass to the program. */
  readonly config: Record<string, string>;
  readonly secretKeys: readonly string[];
}

/**
 * Reads `Pulumi.<stack>.yaml` the way the engine hands config to a program:
 * structured values as JSON text, scalars as text. Encrypted (`secure:`)
 * values become a placeholder and their keys are marked secret.
 */
export function readStackFile(file: string): StackFileConfig {
  const document = (parseYaml(file) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(document.config ?? {})) {
    const { plain, secret } = replaceSecure(value);
    config[key] = typeof plain === "object" && plain !== null ? JSON.stringify(plain) : String(plain);
    if (secret) secretKeys.push(key);
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

function replaceSecure(value: unknown): { plain: unknown; secret: boolean } {
  if (Array.isArray(value)) {
    const items = value.map(replaceSecure);
    return { plain: items.map((item) => item.plain), secret: items.some((item) => item.secret) };
  }
  if (value === null || typeof value !== "object") return { plain: value, secret: false };
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length === 1 && typeof record.secure === "string") return { plain: securePlaceholder, secret: true };
  const entries = Object.entries(record).map(([key, item]) => [key, replaceSecure(item)] as const);
  return { plain: Object.fromEntries(entries.map(([key, item]) => [key, item.plain])), secret: entries.some(([, item]) => item.secret) };
}

/** The `pgplat:` keys without their namespace, decoded, as `parseStackConfig` takes them (malformed ones left out; see decodeNamespace). */
export function namespaceValues(config: Readonly<Record<string, string>>, namespace: string): Record<string, unknown> {
  return decodeNamespace(config, namespace).values;
}
