import * as path from "node:path";
import { existsSync, readdirSync } from "node:fs";
import { configNamespace, formatIssues, maskSecretValues, parseStackConfig, type StackConfig } from "../../config";
import { decodeNamespace, withDecodeIssues } from "../../config/decode";
import { recordGraph, type RecordedGraph } from "../../recording/recorder";
import { readStackFile } from "../../config/stackFile";
import { templateStack } from "../devCommands";
import { isEphemeralStack } from "../devExpiry";
import { stackFileVariable } from "../../secrets/stackSecrets";

const projectRoot = path.resolve(__dirname, "..", "..");

export type StackGraph =
  | {
      readonly ok: true;
      readonly stack: string;
      readonly config: StackConfig;
      readonly graph: RecordedGraph;
      /** Set when the stack has no file yet and its config came from the dev template. */
      readonly note?: string;
    }
  /** `exitCode` 2 for a usage problem (no such stack), 1 for invalid config. */
  | { readonly ok: false; readonly exitCode: 1 | 2; readonly message: string };

/**
 * Validates a stack's config and records index.ts's graph for it, offline.
 * `target` is a stack with a `Pulumi.<stack>.yaml` here, or a path to one.
 */
export async function recordStackGraph(target: string): Promise<StackGraph> {
  const ownFile = target.endsWith(".yaml") ? path.resolve(target) : path.join(projectRoot, `Pulumi.${target}.yaml`);
  const stack = path.basename(ownFile).replace(/^Pulumi\.|\.yaml$/g, "");
  // A new dev-<name> stack is what `npm run dev:up` would create: the dev template under its own name.
  const fromTemplate = !existsSync(ownFile) && !target.endsWith(".yaml") && isEphemeralStack(stack);
  const stackFile = fromTemplate ? path.join(projectRoot, `Pulumi.${templateStack}.yaml`) : ownFile;
  if (!existsSync(stackFile))
    return {
      ok: false,
      exitCode: 2,
      message: `No stack file ${path.basename(stackFile)}; stacks with a file: ${stackFiles().join(", ")}`,
    };
  const { config, secretKeys } = readStackFile(stackFile);
  const decoded = decodeNamespace(config, configNamespace);
  const parsed = parseStackConfig(decoded.values, { awsRegion: config["aws:region"] });
  if (!parsed.ok || decoded.issues.length > 0) {
    const secret = new Set(secretKeys);
    return {
      ok: false,
      exitCode: 1,
      message: formatIssues(maskSecretValues(withDecodeIssues(decoded.issues, parsed.ok ? [] : parsed.issues), secret)),
    };
  }
  // The program reads the stack file for which leaves are encrypted (secrets/stackSecrets.ts); this may be a file elsewhere.
  process.env[stackFileVariable] = stackFile;
  const graph = await recordGraph({
    project: "pgplat",
    stack,
    config,
    secretKeys,
    program: () => require(path.join(projectRoot, "index.ts")),
  });
  const note = fromTemplate
    ? `No Pulumi.${stack}.yaml yet: planning ${stack} from Pulumi.${templateStack}.yaml, as npm run dev:up would create it.`
    : undefined;
  return { ok: true, stack, config: parsed.config, graph, ...(note ? { note } : {}) };
}

function stackFiles(): string[] {
  return readdirSync(projectRoot)
    .filter((file) => /^Pulumi\..+\.yaml$/.test(file))
    .map((file) => file.replace(/^Pulumi\.|\.yaml$/g, ""));
}
