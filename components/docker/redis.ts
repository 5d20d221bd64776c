import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { redisHealthcheckUser } from "../../render/platformFiles";
import { publishedPort } from "./postgres";

export const redisContainerLayout = Object.freeze({
  bind: "0.0.0.0",
  port: 6379,
  dir: "/data",
  configFile: "/usr/local/etc/redis/redis.conf",
});

export interface RedisContainerArgs {
  readonly namePrefix: string;
  readonly image: string;
  readonly networkName: pulumi.Input<string>;
  readonly dataVolume: pulumi.Input<string>;
  /** Secret: holds the hash of the app password. */
  readonly redisConf: pulumi.Input<string>;
  readonly maxmemoryMb: number;
  readonly bindAddress: string;
  /** Host port (TCP). @default a free port Docker assigns */
  readonly hostPort?: number;
}

export class RedisContainer extends pulumi.ComponentResource {
  readonly image: docker.RemoteImage;
  readonly container: docker.Container;
  readonly hostPort: pulumi.Output<number>;

  constructor(name: string, args: RedisContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:docker:Redis", name, {}, opts);
    const layout = redisContainerLayout;
    this.image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: `${args.namePrefix}-redis`,
        image: this.image.imageId,
        command: ["redis-server", layout.configFile],
        uploads: [{ file: layout.configFile, content: pulumi.secret(args.redisConf) }],
        volumes: [{ volumeName: args.dataVolume, containerPath: layout.dir }],
        networksAdvanced: [{ name: args.networkName, aliases: ["redis"] }],
        ports: [{ internal: layout.port, external: args.hostPort, ip: args.bindAddress }],
        healthcheck: {
          // The healthcheck user may run PING and nothing else, so it needs no secret.
          tests: [
            "CMD-SHELL",
            `redis-cli --user ${redisHealthcheckUser} --pass unused --no-auth-warning ping | grep -q PONG`,
          ],
          interval: "5s",
          timeout: "3s",
          retries: 6,
          startPeriod: "5s",
        },
        // Headroom over maxmemory for fragmentation and the fork that rewrites the AOF.
        memory: args.maxmemoryMb * 2 + 64,
        restart: "unless-stopped",
        wait: true,
        waitTimeout: 60,
      },
      { parent: this, deleteBeforeReplace: true },
    );
    this.hostPort = publishedPort(this.container, layout.port);
    this.registerOutputs({ hostPort: this.hostPort });
  }
}
