import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { isSecretKey } from "../config/load";
import { encryptedLeaves } from "./encryptedLeaves";
import { nameCarries, needlesOf, type Needle } from "./traceRule";
import { secretWhereCarried, traceIntoResources } from "./keepSecret";

/** Set to the stack file when it is not `Pulumi.<stack>.yaml` in the project (`pulumi up --config-file`, or the plan of a file elsewhere). */
export const stackFileVariable = "PGPLAT_STACK_FILE";

export interface StackSecrets {
  /** The stack outputs with every value that carries an encrypted config value made secret. */
  readonly outputs: <T>(outputs: T) => T;
  /** Encrypted keys whose value is too short to trace (see secrets/traceRule.ts). */
  readonly untraced: readonly string[];
}

let traced: readonly Needle[] = [];

/** Whether `text` may become part of a resource name: it carries no encrypted config value (names cannot be secret). */
export function nameable(text: string): boolean {
  return nameCarries(text, traced) === undefined;
}

/**
 * Learns which config values this stack encrypts and keeps them secret in
 * every resource created afterwards and in the outputs passed through
 * `outputs`. Call once, before the program creates resources.
 */
export function keepEncryptedConfigSecret(): StackSecrets {
  const config = pulumi.runtime.allConfig();
  const secretKeys = Object.keys(config).filter(isSecretKey);
  const { needles, untraced } = needlesOf(
    encryptedLeaves({ config, secretKeys, stackFileConfig: secretKeys.length > 0 ? stackFileConfig() : undefined }),
  );
  traced = needles;
  traceIntoResources(needles);
  if (untraced.length > 0) {
    pulumi.log.warn(
      `Encrypted but too short to trace (fewer than 4 characters, or true/false): ${untraced.join(", ")}. pgplat keeps longer encrypted values secret wherever they end up; values this short are not told apart from the ones it writes itself.`,
    );
  }
  return { outputs: <T>(outputs: T) => secretWhereCarried(outputs, needles) as T, untraced };
}

/** The stack file's `config:` block, or undefined when it cannot be read (then every leaf of a secret key counts as encrypted). */
function stackFileConfig(): Record<string, unknown> | undefined {
  const root = pulumi.runtime.getRootDirectory() || process.cwd();
  const file = process.env[stackFileVariable] || path.join(root, `Pulumi.${pulumi.getStack()}.yaml`);
  try {
    const document: unknown = parse(readFileSync(file, "utf8"));
    const block =
      document !== null && typeof document === "object" ? (document as { config?: unknown }).config : undefined;
    return block !== null && typeof block === "object" ? (block as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
