import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { DockerPlatform } from "./docker/dockerPlatform";
import type { PlatformEndpoints } from "./endpoints";

export interface PlatformArgs {
  readonly config: StackConfig;
  /** Prefix of every named cloud or Docker object; carries project and stack, e.g. `pgplat-dev`. */
  readonly namePrefix: string;
}

export interface PlatformOutputs {
  readonly target: string;
  readonly postgres: { readonly host: pulumi.Output<string>; readonly port: pulumi.Output<number> };
  readonly pgbouncer: { readonly host: pulumi.Output<string>; readonly port: pulumi.Output<number> };
  readonly redis: { readonly host: pulumi.Output<string>; readonly port: pulumi.Output<number> };
  readonly connectionUris: pulumi.Output<Record<string, string>>;
  readonly redisUri: pulumi.Output<string>;
  readonly volumes?: Readonly<Record<string, pulumi.Output<string>>>;
  readonly images?: Readonly<Record<string, string>>;
}

/** The root component: picks the target from config and exposes the same outputs for every target. */
export class Platform extends pulumi.ComponentResource {
  readonly outputs: PlatformOutputs;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:index:Platform", name, {}, opts);
    if (args.config.target !== "docker") {
      throw new pulumi.RunError(`target "${args.config.target}" is not built yet: the AWS components land with the prod-stack issue; use target "docker"`);
    }
    const target = new DockerPlatform(`${name}-docker`, { config: args.config, namePrefix: args.namePrefix }, { parent: this });
    this.outputs = {
      ...endpointOutputs(target),
      target: "docker",
      volumes: {
        postgresData: target.storage.postgresData.name,
        walArchive: target.storage.walArchive.name,
        backups: target.storage.backups.name,
        redisData: target.storage.redisData.name,
      },
      images: { postgres: args.config.docker.postgresImage, pgbouncer: args.config.docker.pgbouncerImage, redis: args.config.docker.redisImage },
    };
    this.registerOutputs({});
  }
}

function endpointOutputs(endpoints: PlatformEndpoints): Omit<PlatformOutputs, "target"> {
  return { postgres: endpoints.postgres, pgbouncer: endpoints.pgbouncer, redis: endpoints.redis, connectionUris: endpoints.connectionUris, redisUri: endpoints.redisUri };
}
