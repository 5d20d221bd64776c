import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { configNamespace, formatIssues, maskSecretValues, parseStackConfig, type StackConfig } from "../config";
import { decodeNamespace, withDecodeIssues } from "../config/decode";
import { readStackFile } from "../config/stackFile";
import { templateStack } from "../scripts/devCommands";
import { isEphemeralStack } from "../scripts/devExpiry";

const projectRoot = path.join(__dirname, "..");

/** A stack's validated config, or why it cannot run. */
export type LocalStack =
  | { readonly ok: true; readonly stack: string; readonly config: StackConfig; readonly file: string }
  /** `exitCode` 2 for a usage problem (no such stack), 1 for invalid config. */
  | { readonly ok: false; readonly exitCode: 1 | 2; readonly message: string };

/**
 * Reads and validates `Pulumi.<stack>.yaml` (or a stack file given by path)
 * with the same rules as `pulumi up`, so a bad config is refused before
 * anything starts. A new dev-<name> stack runs the dev template, as dev:up would.
 */
export function loadLocalStack(target: string): LocalStack {
  const ownFile = target.endsWith(".yaml") ? path.resolve(target) : path.join(projectRoot, `Pulumi.${target}.yaml`);
  const stack = path.basename(ownFile).replace(/^Pulumi\.|\.yaml$/g, "");
  if (!/^[a-z0-9][a-z0-9-]*$/.test(stack))
    return {
      ok: false,
      exitCode: 2,
      message: `stack name "${stack}" is not allowed: use lower-case letters, digits and dashes, e.g. dev-alice`,
    };
  const fromTemplate = !existsSync(ownFile) && !target.endsWith(".yaml") && isEphemeralStack(stack);
  const file = fromTemplate ? path.join(projectRoot, `Pulumi.${templateStack}.yaml`) : ownFile;
  if (!existsSync(file))
    return {
      ok: false,
      exitCode: 2,
      message: `No stack file ${path.basename(file)}; stacks with a file: ${stackNames().join(", ")}`,
    };
  let read: ReturnType<typeof readStackFile>;
  try {
    read = readStackFile(file);
  } catch (error) {
    return { ok: false, exitCode: 1, message: (error as Error).message };
  }
  const decoded = decodeNamespace(read.config, configNamespace);
  const parsed = parseStackConfig(decoded.values, { awsRegion: read.config["aws:region"] });
  if (!parsed.ok || decoded.issues.length > 0) {
    return {
      ok: false,
      exitCode: 1,
      message: formatIssues(
        maskSecretValues(withDecodeIssues(decoded.issues, parsed.ok ? [] : parsed.issues), new Set(read.secretKeys)),
      ),
    };
  }
  return { ok: true, stack, config: parsed.config, file };
}

function stackNames(): string[] {
  return readdirSync(projectRoot)
    .filter((file) => /^Pulumi\..+\.yaml$/.test(file))
    .map((file) => file.replace(/^Pulumi\.|\.yaml$/g, ""));
}
