import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/load";
import { StackConfigError } from "./config/errors";
import { Platform } from "./components/platform";
import { keepEncryptedConfigSecret } from "./secrets/stackSecrets";

// Config is read and validated once, before anything is created.
function readConfig() {
  try {
    return loadStackConfig();
  } catch (error) {
    // RunError prints the message alone: the list of config problems, without a stack trace.
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const config = readConfig();
// Before any resource: whatever the stack encrypts stays secret in every input, output and state that carries it.
const secrets = keepEncryptedConfigSecret();
const platform = new Platform("pgplat", { config, namePrefix: `${pulumi.getProject()}-${pulumi.getStack()}` });

// The whole outputs object is the stack's outputs, so a target exports only what it has
// (the Docker-only volumes and images are absent on AWS rather than undefined).
export = secrets.outputs(platform.outputs);
