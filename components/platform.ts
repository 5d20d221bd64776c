import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import type { AwsPlatform } from "./aws/awsPlatform";
import type { DockerPlatform } from "./docker/dockerPlatform";
import type { Endpoint, PlatformEndpoints } from "./endpoints";

export interface PlatformArgs {
  readonly config: StackConfig;
  /** Prefix of every named cloud or Docker object; carries project and stack, e.g. `pgplat-dev`. */
  readonly namePrefix: string;
}

export interface PlatformOutputs extends PlatformEndpoints {
  /** Alias of `pooler` without its kind (the name before RDS Proxy could be the pooler). @deprecated read `pooler` */
  readonly pgbouncer?: Endpoint;
  readonly target: StackConfig["target"];
  /** Docker volume names (docker target). */
  readonly volumes?: Readonly<Record<string, pulumi.Output<string>>>;
  /** Secret: Redis as the statistics-only monitoring user (docker target; on AWS the auth token in redisUri reads statistics). */
  readonly redisMonitorUri?: pulumi.Output<string>;
  /** Prometheus with the pgplat alert rules (docker target). */
  readonly prometheus?: { readonly host: string; readonly port: pulumi.Output<number> };
  /** Pinned images (docker target). */
  readonly images?: Readonly<Record<string, string>>;
}

/** The root component: picks the target from config and exposes the same outputs for every target. */
export class Platform extends pulumi.ComponentResource {
  readonly outputs: PlatformOutputs;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:index:Platform", name, {}, opts);
    const { config, namePrefix } = args;
    this.outputs =
      config.target === "docker"
        ? dockerOutputs(
            new (dockerTarget().DockerPlatform)(`${name}-docker`, { config, namePrefix }, { parent: this }),
            config,
          )
        : awsOutputs(new (awsTarget().AwsPlatform)(`${name}-aws`, { config, namePrefix }, { parent: this }));
    this.registerOutputs({});
  }
}

// A target's modules, and the provider SDK they import, load only when that target is
// planned: @pulumi/aws alone takes about half a second to load.
const awsTarget = (): typeof import("./aws/awsPlatform") => require("./aws/awsPlatform");
const dockerTarget = (): typeof import("./docker/dockerPlatform") => require("./docker/dockerPlatform");

/**
 * The outputs every target has. `pooler` is the endpoint pooled logins use,
 * whichever pooler runs it (`kind`: PgBouncer, or RDS Proxy on AWS);
 * `pgbouncer` is its older name, kept as an alias (`{ host, port }`) so
 * existing readers keep working.
 */
function endpoints(target: PlatformEndpoints): PlatformEndpoints & { readonly pgbouncer?: Endpoint } {
  const pooler = target.pooler;
  return {
    postgres: target.postgres,
    pooler,
    pgbouncer: pooler && { host: pooler.host, port: pooler.port },
    redis: target.redis,
    connectionUris: target.connectionUris,
    redisUri: target.redisUri,
  };
}

function dockerOutputs(target: DockerPlatform, config: StackConfig): PlatformOutputs {
  return {
    ...endpoints(target),
    redisMonitorUri: target.redisMonitorUri,
    prometheus: { host: config.docker.bindAddress, port: target.monitoring.prometheusPort },
    target: "docker",
    volumes: {
      postgresData: target.storage.postgresData.name,
      walArchive: target.storage.walArchive.name,
      backups: target.storage.backups.name,
      redisData: target.storage.redisData.name,
    },
    images: {
      postgres: config.docker.postgresImage,
      pgbouncer: config.docker.pgbouncerImage,
      redis: config.docker.redisImage,
    },
  };
}

function awsOutputs(target: AwsPlatform): PlatformOutputs {
  return { ...endpoints(target), target: "aws" };
}
