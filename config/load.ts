import * as pulumi from "@pulumi/pulumi";
import { configNamespace, parseStackConfig } from "./validate";
import { maskSecretValues, StackConfigError } from "./errors";
import type { StackConfig } from "./types";

/**
 * Reads the `pgplat:` keys of the current stack once, validates them and
 * resolves defaults. Throws `StackConfigError` (listing every problem) before
 * the program creates anything.
 */
export function loadStackConfig(): StackConfig {
  const prefix = `${configNamespace}:`;
  const raw: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  const allConfig = pulumi.runtime.allConfig();
  for (const [fullKey, text] of Object.entries(allConfig)) {
    if (!fullKey.startsWith(prefix)) continue;
    raw[fullKey.slice(prefix.length)] = decodeConfigValue(text);
    if (isSecretKey(fullKey)) secretKeys.add(fullKey);
  }
  const result = parseStackConfig(raw, { awsRegion: allConfig["aws:region"] });
  if (!result.ok) throw new StackConfigError(maskSecretValues(result.issues, secretKeys));
  return result.config;
}

/** Pulumi hands structured values over as JSON text and scalars as plain text. */
export function decodeConfigValue(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

/** `isConfigSecret` is exported by the runtime but marked internal, so it is looked up defensively. */
export function isSecretKey(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  if (typeof runtime.isConfigSecret === "function") return runtime.isConfigSecret(fullKey);
  const fromEnvironment: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
  return Array.isArray(fromEnvironment) && fromEnvironment.includes(fullKey);
}
