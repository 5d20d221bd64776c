import * as pulumi from "@pulumi/pulumi";
import { isSecretKey } from "./load";
import { configNamespace } from "./validate";

/**
 * `value` as a Pulumi secret when the stack encrypts the config key it came
 * from, else as is. Pulumi encrypts a whole top-level key (`pgplat:aws` when
 * `aws.adminHost` is `secure:`), so the section's key decides. Use it for every
 * config value pgplat hands to a provider or an output, so what the stack
 * encrypts stays secret in inputs, outputs and state.
 */
export function asConfigured<T extends string | number | boolean>(path: string, value: T): pulumi.Input<T> {
  return isSecretKey(`${configNamespace}:${path.split(".")[0]}`) ? (pulumi.secret(value) as pulumi.Output<T>) : value;
}
