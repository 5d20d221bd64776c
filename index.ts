import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/load";
import { StackConfigError } from "./config/errors";
import { Platform } from "./components/platform";

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
const platform = new Platform("pgplat", { config, namePrefix: `${pulumi.getProject()}-${pulumi.getStack()}` });

export const target = platform.outputs.target;
export const postgres = platform.outputs.postgres;
export const pgbouncer = platform.outputs.pgbouncer;
export const redis = platform.outputs.redis;
export const connectionUris = platform.outputs.connectionUris;
export const redisUri = platform.outputs.redisUri;
export const volumes = platform.outputs.volumes;
export const images = platform.outputs.images;
