import * as path from "node:path";
import { configNamespace, parseStackConfig, type StackConfig } from "../../config";
import { namespaceValues, readStackFile } from "../../config/stackFile";

/** A valid config for tests, from raw stack values (keys without `pgplat:`). */
export function stackConfig(raw: Record<string, unknown> = {}): StackConfig {
  const result = parseStackConfig({ target: "docker", ...raw });
  if (!result.ok) throw new Error(`test config is invalid: ${JSON.stringify(result.issues)}`);
  return result.config;
}

/** The config of a stack file in the repository (e.g. `dev`), as the program would get it. */
export function repositoryStackConfig(stack: string): StackConfig {
  const { config } = readStackFile(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`));
  const result = parseStackConfig(namespaceValues(config, configNamespace));
  if (!result.ok) throw new Error(`Pulumi.${stack}.yaml is invalid: ${JSON.stringify(result.issues)}`);
  return result.config;
}
