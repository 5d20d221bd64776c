import * as pulumi from "@pulumi/pulumi";
import { carries, isPlain, nameCarries, scalarCarries, type Needle } from "./traceRule";

/**
 * `value` with every part that carries an encrypted config value (see
 * traceRule.ts) made a Pulumi secret, at the finest level it can: a string or
 * number in a plain structure, or a whole output, which is only known once it
 * resolves. Parts that carry none are returned as they are.
 */
export function secretWhereCarried(value: unknown, needles: readonly Needle[]): unknown {
  if (needles.length === 0 || value === null || value === undefined) return value;
  if (pulumi.Output.isInstance(value) || value instanceof Promise) {
    return pulumi.output(value).apply((resolved) => (carries(resolved, needles) ? pulumi.secret(resolved) : resolved));
  }
  if (typeof value !== "object") return scalarCarries(value, needles) ? pulumi.secret(value) : value;
  if (!isPlain(value)) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => secretWhereCarried(item, needles));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  const entries = Object.entries(value).map(([name, item]) => [name, secretWhereCarried(item, needles)] as const);
  return entries.some(([name, item]) => item !== (value as Record<string, unknown>)[name])
    ? Object.fromEntries(entries)
    : value;
}

interface OutputsOwner {
  registerOutputs(outputs?: unknown): void;
}

/**
 * Makes every resource created from now on take its inputs through
 * `secretWhereCarried`, and every component its registered outputs, so what
 * the stack encrypts stays secret in provider inputs and in state whichever
 * component uses it and however it is rendered.
 *
 * A stack transformation (`registerStackTransformation`) rather than a
 * resource transform: it runs in this process, so it also runs under the SDK's
 * mocks and the plan's recording engine, which have no callback server.
 */
export function traceIntoResources(needles: readonly Needle[]): void {
  if (needles.length === 0) return;
  pulumi.runtime.registerStackTransformation(({ resource, type, name, props, opts }) => {
    // Names are in URNs, logs and state in plain text: refuse rather than leak (the message names the key, not the value).
    // Only for values the stack file marks encrypted: one merely under a secret key may be plain, and must not block a deploy.
    const named = nameCarries(
      name,
      needles.filter((needle) => needle.certain),
    );
    if (named)
      throw new pulumi.RunError(
        `A ${type} would be named after the encrypted value of ${named.keys.join(", ")}, and Pulumi cannot keep resource names secret; leave that value unencrypted or report this as a pgplat bug.`,
      );
    if (resource instanceof pulumi.ComponentResource) {
      const owner = resource as unknown as OutputsOwner;
      const register = owner.registerOutputs.bind(owner);
      owner.registerOutputs = (outputs) => register(secretWhereCarried(outputs, needles));
    }
    return { props: secretWhereCarried(props, needles) as pulumi.Inputs, opts };
  });
}
