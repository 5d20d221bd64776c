import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { configNamespace, parseStackConfig, type StackConfig } from "../../config";
import { SecretValue, type RecordedGraph, type RecordedResource } from "../../recording/recorder";
import { namespaceValues, readStackFile } from "../../config/stackFile";

const projectRoot = path.join(__dirname, "..", "..");

/**
 * Records index.ts's graph for a repository stack (or a stack file path), exactly as `npm run
 * plan` does. It runs in a child process under ts-node, the loader Pulumi
 * uses, because the dynamic provider must be serialized from plain CommonJS.
 */
export function recordStack(stackFile: string, stackName = stackFile): { graph: RecordedGraph; config: StackConfig } {
  const file = stackFile.endsWith(".yaml") ? stackFile : path.join(projectRoot, `Pulumi.${stackFile}.yaml`);
  const parsed = parseStackConfig(namespaceValues(readStackFile(file).config, configNamespace));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const child = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(__dirname, "recordStackChild.ts"), stackFile, stackName],
    {
      cwd: projectRoot,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`recording ${stackFile} failed: ${child.stderr}`);
  return { graph: revive(JSON.parse(child.stdout)) as RecordedGraph, config: parsed.config };
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length === 1 && "$secret" in record) return new SecretValue(revive(record.$secret));
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, revive(item)]));
}

export function resource(graph: RecordedGraph, name: string): RecordedResource {
  const found = graph.resources.filter((candidate) => candidate.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one resource named ${name}, found ${found.length}: ${graph.resources.map((r) => r.name).join(", ")}`,
    );
  return found[0];
}

export function secretText(value: unknown): string {
  if (!(value instanceof SecretValue)) throw new Error(`expected a secret, got ${JSON.stringify(value)}`);
  if (typeof value.value !== "string") throw new Error("expected a secret string");
  return value.value;
}
