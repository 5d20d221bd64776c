import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";

export interface DockerStorageArgs {
  /** Prefix of every Docker object name; carries the stack name so stacks coexist on one host. */
  readonly namePrefix: string;
}

/** The stack's private network and its named volumes. */
export class DockerStorage extends pulumi.ComponentResource {
  readonly network: docker.Network;
  readonly postgresData: docker.Volume;
  readonly walArchive: docker.Volume;
  readonly backups: docker.Volume;
  readonly redisData: docker.Volume;

  constructor(name: string, args: DockerStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:docker:Storage", name, {}, opts);
    const labels = [{ label: "pgplat.stack", value: args.namePrefix }];
    this.network = new docker.Network(
      `${name}-network`,
      { name: `${args.namePrefix}-net`, driver: "bridge", labels },
      { parent: this },
    );
    const volume = (suffix: string) =>
      new docker.Volume(`${name}-${suffix}`, { name: `${args.namePrefix}-${suffix}`, labels }, { parent: this });
    this.postgresData = volume("pgdata");
    this.walArchive = volume("wal-archive");
    this.backups = volume("backups");
    this.redisData = volume("redis-data");
    this.registerOutputs({});
  }
}
