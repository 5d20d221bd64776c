import { SecretValue, type RecordedResource } from "./recorder";

/**
 * Guardrails judge what would be deployed, secret or not, as the policy pack
 * does (CrossGuard hands policies secrets unwrapped): an encrypted
 * `0.0.0.0/0` is still open to the world.
 */
export function withPlainInputs(resources: readonly RecordedResource[]): RecordedResource[] {
  return resources.map((resource) => ({ ...resource, inputs: reveal(resource.inputs) as Record<string, unknown> }));
}

/**
 * `text` with every value the graph holds only as a secret (of 4 characters
 * or more) replaced by [secret], for violation messages built from plain
 * inputs. A value that also appears in plain text somewhere (pgplat's own
 * 5432 next to a secret connection) is not a secret and stays readable.
 */
export function maskGraphSecrets(text: string, resources: readonly RecordedResource[]): string {
  const secret = new Set<string>();
  const plain = new Set<string>();
  const collect = (value: unknown, inSecret: boolean): void => {
    if (value instanceof SecretValue) return collect(value.value, true);
    if (Array.isArray(value)) return value.forEach((item) => collect(item, inSecret));
    if (value !== null && typeof value === "object")
      return Object.values(value).forEach((item) => collect(item, inSecret));
    if ((typeof value === "string" || typeof value === "number") && String(value).length >= 4)
      (inSecret ? secret : plain).add(String(value));
  };
  resources.forEach((resource) => collect(resource.inputs, false));
  return [...secret]
    .filter((value) => !plain.has(value))
    .sort((a, b) => b.length - a.length)
    .reduce((masked, value) => masked.split(value).join("[secret]"), text);
}

function reveal(value: unknown): unknown {
  if (value instanceof SecretValue) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, reveal(item)]));
  return value;
}
