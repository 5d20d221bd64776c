import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { SecretValue, type RecordedGraph } from "../../recording/recorder";
import { stackFileVariable } from "../../secrets/stackSecrets";
import { scratchDir } from "./scratch";

const projectRoot = path.join(__dirname, "..", "..");

export interface DecryptedStack {
  readonly graph: RecordedGraph;
  /** The stack file written, with `secure:` markers where the values are encrypted. */
  readonly stackFile: string;
  /** What `pulumi up` would print on stderr (warnings). */
  readonly stderr: string;
}

/**
 * Records index.ts as `pulumi up` runs it for a stack whose file encrypts the
 * leaves at `encrypted` (full key and path, e.g. `pgplat:aws.adminHost`,
 * `pgplat:aws.allowedCidrs[0]`): the program gets the decrypted values with
 * their top-level keys marked secret, and finds the stack file next to it.
 */
export function recordDecryptedStack(
  stack: string,
  config: Record<string, unknown>,
  encrypted: readonly string[],
): DecryptedStack {
  const stackFile = path.join(scratchDir("decrypted"), `Pulumi.${stack}.yaml`);
  const fileConfig = structuredClone(config);
  for (const leaf of encrypted) replaceAt(fileConfig, leaf, { secure: `v1:${Buffer.from(leaf).toString("base64")}` });
  writeFileSync(stackFile, stringify({ config: fileConfig }));
  const engineConfig = Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      typeof value === "object" && value !== null ? JSON.stringify(value) : String(value),
    ]),
  );
  const secretKeys = [...new Set(encrypted.map((leaf) => leaf.split(/[.[]/)[0]))];
  const child = spawnSync(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join(__dirname, "recordDecryptedChild.ts"),
      stack,
      JSON.stringify({ config: engineConfig, secretKeys }),
    ],
    {
      cwd: projectRoot,
      encoding: "utf8",
      env: { ...process.env, [stackFileVariable]: stackFile },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`recording ${stack} failed: ${child.stderr}`);
  return { graph: revive(JSON.parse(child.stdout)) as RecordedGraph, stackFile, stderr: child.stderr };
}

/** Sets the leaf at `pgplat:aws.allowedCidrs[0]`-style `leaf` in `config`. */
function replaceAt(config: Record<string, unknown>, leaf: string, value: unknown): void {
  const [topKey, ...rest] = leaf.split(/(?=[.[])/);
  const segments = rest.map((segment) => (segment.startsWith("[") ? Number(segment.slice(1, -1)) : segment.slice(1)));
  if (segments.length === 0) {
    config[topKey] = value;
    return;
  }
  let node = config[topKey] as Record<PropertyKey, unknown>;
  for (const segment of segments.slice(0, -1)) node = node[segment] as Record<PropertyKey, unknown>;
  if (!(segments[segments.length - 1] in node)) throw new Error(`no value at ${leaf}`);
  node[segments[segments.length - 1]] = value;
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length === 1 && "$secret" in record) return new SecretValue(revive(record.$secret));
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, revive(item)]));
}

/** Every place in the graph (inputs and outputs) where `text` appears outside a secret, as `resource.path`. */
export function plainOccurrences(graph: RecordedGraph, text: string): string[] {
  const found: string[] = [];
  const visit = (value: unknown, at: string): void => {
    if (value instanceof SecretValue) return;
    if (Array.isArray(value)) return value.forEach((item, index) => visit(item, `${at}[${index}]`));
    if (value !== null && typeof value === "object")
      return Object.entries(value).forEach(([key, item]) => visit(item, `${at}.${key}`));
    if (String(value).includes(text)) found.push(at);
  };
  for (const resource of graph.resources) {
    if (resource.name.includes(text) || resource.urn.includes(text)) found.push(`${resource.name} (its name)`);
    visit(resource.inputs, resource.name);
  }
  visit(graph.outputs, "outputs");
  return found;
}
