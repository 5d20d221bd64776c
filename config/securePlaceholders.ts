import type { z } from "zod";
import { stackConfigSchema } from "./schema";

/**
 * Stand-ins for values encrypted in the stack file, which cannot be read
 * offline. The first one fits a string with no shape, an e-mail or a host
 * name; where the schema wants another shape (a CIDR, a port, one of a list),
 * `fitPlaceholders` picks the first stand-in it accepts, so an encrypted value
 * can be planned whatever its key. The real value is checked when Pulumi
 * decrypts it.
 */
export const securePlaceholder = "secure-value@placeholder.invalid";
const shapedStrings = [
  securePlaceholder,
  "192.0.2.0/24",
  "192.0.2.1",
  "arn:aws:acm:eu-west-1:000000000000:certificate/secure-placeholder",
];
/** A number long enough to be traced as a secret (secrets/traceRule.ts), when the key's range allows it. */
const placeholderNumber = 6543;
const maxAttempts = 8;

/**
 * `values` (keys without the namespace, decoded) with the stand-in at each of
 * `paths` replaced by one the schema accepts there, when one is found.
 */
export function fitPlaceholders(
  values: Readonly<Record<string, unknown>>,
  paths: readonly (readonly PropertyKey[])[],
): Record<string, unknown> {
  const fitted = structuredClone(values) as Record<string, unknown>;
  for (const path of paths) {
    const tried = new Set<unknown>([securePlaceholder]);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const result = stackConfigSchema.safeParse(fitted);
      const issue = result.success
        ? undefined
        : result.error.issues.find((candidate) => samePath(candidate.path, path));
      const next = issue && nextCandidate(issue, tried);
      if (next === undefined) break;
      tried.add(next);
      setAt(fitted, path, next);
    }
  }
  return fitted;
}

function nextCandidate(issue: z.core.$ZodIssue, tried: ReadonlySet<unknown>): unknown {
  const fresh = (value: unknown) => (tried.has(value) ? undefined : value);
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "number" || issue.expected === "int") return fresh(placeholderNumber);
      if (issue.expected === "boolean") return fresh(true);
      return undefined;
    case "too_small":
      return issue.origin === "number" ? fresh(Number(issue.minimum)) : undefined;
    case "too_big":
      return issue.origin === "number" ? fresh(Number(issue.maximum)) : undefined;
    case "invalid_value":
      return fresh(issue.values[0]);
    default:
      return shapedStrings.find((candidate) => !tried.has(candidate));
  }
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((segment, index) => String(segment) === String(b[index]));
}

function setAt(root: Record<string, unknown>, path: readonly PropertyKey[], value: unknown): void {
  let node: Record<PropertyKey, unknown> = root;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<PropertyKey, unknown>;
  node[path[path.length - 1]] = value;
}
