import * as pulumi from "@pulumi/pulumi";
import { configNamespace, parseStackConfig } from "./validate";
import { maskSecretValues, StackConfigError } from "./errors";
import type { StackConfig } from "./types";
import { decodeNamespace, withDecodeIssues } from "./decode";

/**
 * Reads the `pgplat:` keys of the current stack once, validates them and
 * resolves defaults. Throws `StackConfigError` (listing every problem) before
 * the program creates anything.
 */
export function loadStackConfig(): StackConfig {
  const allConfig = pulumi.runtime.allConfig();
  const secretKeys = new Set(
    Object.keys(allConfig).filter((fullKey) => fullKey.startsWith(`${configNamespace}:`) && isSecretKey(fullKey)),
  );
  const decoded = decodeNamespace(allConfig, configNamespace);
  const result = parseStackConfig(decoded.values, { awsRegion: allConfig["aws:region"] });
  if (!result.ok || decoded.issues.length > 0)
    throw new StackConfigError(
      maskSecretValues(withDecodeIssues(decoded.issues, result.ok ? [] : result.issues), secretKeys),
    );
  return result.config;
}

/** Pulumi hands structured values over as JSON text and scalars as plain text. */
export function decodeConfigValue(text: string): unknown {
  const decoded = decodeNamespace({ "value:x": text }, "value");
  return decoded.issues.length > 0 ? text : decoded.values.x;
}

/** `isConfigSecret` is exported by the runtime but marked internal, so it is looked up defensively. */
export function isSecretKey(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  if (typeof runtime.isConfigSecret === "function") return runtime.isConfigSecret(fullKey);
  const fromEnvironment: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
  return Array.isArray(fromEnvironment) && fromEnvironment.includes(fullKey);
}
