import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { publishedPort } from "./postgres";

export const pgbouncerContainerLayout = Object.freeze({
  listenAddr: "0.0.0.0",
  listenPort: 6432,
  configFile: "/etc/pgbouncer/pgbouncer.ini",
  authFile: "/etc/pgbouncer/userlist.txt",
  // PgBouncer reaches PostgreSQL over the stack network; no TLS on that hop in dev.
  serverTlsSslmode: "disable",
} as const);

/** The pgbouncer user of the edoburu/pgbouncer image. */
const imageUid = "70";

export interface PgbouncerContainerArgs {
  readonly namePrefix: string;
  readonly image: string;
  readonly networkName: pulumi.Input<string>;
  readonly pgbouncerIni: string;
  /** Secret: SCRAM verifiers. */
  readonly userlist: pulumi.Input<string>;
  readonly fileDescriptorLimit: number;
  readonly bindAddress: string;
  /** Host port (TCP). @default a free port Docker assigns */
  readonly hostPort?: number;
  /** PgBouncer starts once PostgreSQL is healthy. */
  readonly postgres: pulumi.Resource;
}

export class PgbouncerContainer extends pulumi.ComponentResource {
  readonly image: docker.RemoteImage;
  readonly container: docker.Container;
  readonly hostPort: pulumi.Output<number>;

  constructor(name: string, args: PgbouncerContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:docker:Pgbouncer", name, {}, opts);
    const layout = pgbouncerContainerLayout;
    this.image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: `${args.namePrefix}-pgbouncer`,
        image: this.image.imageId,
        // Run PgBouncer on our file directly; the image's entrypoint would generate its own config.
        entrypoints: ["/usr/bin/pgbouncer"],
        command: [layout.configFile],
        uploads: [
          { file: layout.configFile, content: args.pgbouncerIni },
          {
            file: layout.authFile,
            content: pulumi.secret(args.userlist),
            owner: imageUid,
            group: imageUid,
            permissions: "0400",
          },
        ],
        ulimits: [{ name: "nofile", soft: args.fileDescriptorLimit, hard: args.fileDescriptorLimit }],
        networksAdvanced: [{ name: args.networkName, aliases: ["pgbouncer"] }],
        ports: [{ internal: layout.listenPort, external: args.hostPort, ip: args.bindAddress }],
        healthcheck: {
          tests: ["CMD", "pg_isready", "--host=127.0.0.1", `--port=${layout.listenPort}`],
          interval: "5s",
          timeout: "3s",
          retries: 6,
          startPeriod: "5s",
        },
        restart: "unless-stopped",
        wait: true,
        waitTimeout: 60,
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [args.postgres] },
    );
    this.hostPort = publishedPort(this.container, layout.listenPort);
    this.registerOutputs({ hostPort: this.hostPort });
  }
}
