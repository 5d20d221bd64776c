import type { ConfigIssue } from "./types";

/** Stack config as the engine hands it to a program: every value as text, structured ones as JSON. */
export interface DecodedNamespace {
  /** Keys without the namespace, values decoded. */
  readonly values: Record<string, unknown>;
  /** One per value that looks structured but is not valid JSON; its key is left out of `values`. */
  readonly issues: readonly ConfigIssue[];
}

/**
 * Decodes the keys of `namespace` the one way both `index.ts` (through
 * config/load.ts) and `npm run plan` read them, so a malformed value names its
 * key in both instead of failing differently.
 */
export function decodeNamespace(config: Readonly<Record<string, string>>, namespace: string): DecodedNamespace {
  const prefix = `${namespace}:`;
  const values: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [fullKey, text] of Object.entries(config)) {
    if (!fullKey.startsWith(prefix)) continue;
    const trimmed = text.trim();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
      values[fullKey.slice(prefix.length)] = text;
      continue;
    }
    try {
      values[fullKey.slice(prefix.length)] = JSON.parse(trimmed);
    } catch (error) {
      issues.push({
        key: fullKey,
        value: text,
        allowed: `a valid JSON ${trimmed.startsWith("{") ? "object" : "list"} (${(error as Error).message}); in the stack file write it as YAML, or quote it for \`pulumi config set --path\``,
      });
    }
  }
  return { values, issues };
}

/** Issues of both steps, without a second one about a key whose value could not be decoded. */
export function withDecodeIssues(
  decodeIssues: readonly ConfigIssue[],
  parseIssues: readonly ConfigIssue[],
): ConfigIssue[] {
  const undecoded = decodeIssues.map((issue) => issue.key);
  return [
    ...decodeIssues,
    ...parseIssues.filter(
      (issue) =>
        !undecoded.some(
          (key) => issue.key === key || issue.key.startsWith(`${key}.`) || issue.key.startsWith(`${key}[`),
        ),
    ),
  ];
}
