import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { renderAlertRules } from "../../render/alertRules";
import { renderExporterQueries } from "../../render/exporterQueries";
import { renderPrometheusConfig } from "../../render/prometheusConfig";
import type { Thresholds } from "../../config/thresholds";
import { publishedPort } from "./postgres";

/** Where things live inside the monitoring containers, and the exporters' own ports. */
export const monitoringLayout = Object.freeze({
  postgresExporterPort: 9187,
  pgbouncerExporterPort: 9127,
  redisExporterPort: 9121,
  prometheusPort: 9090,
  queriesFile: "/etc/postgres_exporter/queries.yaml",
  prometheusConfig: "/etc/prometheus/prometheus.yml",
  rulesFile: "/etc/prometheus/pgplat-rules.yml",
});

export interface MonitoringImages {
  readonly postgresExporter: string;
  readonly pgbouncerExporter: string;
  readonly redisExporter: string;
  readonly prometheus: string;
}

export interface DockerMonitoringArgs {
  readonly namePrefix: string;
  readonly networkName: pulumi.Input<string>;
  readonly images: MonitoringImages;
  readonly thresholds: Thresholds;
  /** Secret: the monitoring login, straight to PostgreSQL on the stack network. */
  readonly postgresDsn: pulumi.Input<string>;
  /** Secret: the monitoring login (PgBouncer's stats user), the `pgbouncer` console database. */
  readonly pgbouncerDsn: pulumi.Input<string>;
  readonly redisAddress: string;
  readonly redisUser: string;
  /** Secret. */
  readonly redisPassword: pulumi.Input<string>;
  readonly bindAddress: string;
  /** Host port for Prometheus.
   * @default a free port Docker assigns
   */
  readonly prometheusHostPort?: number;
  /** Exporters start once these are healthy. */
  readonly dependsOn: pulumi.Resource[];
}

/**
 * Prometheus and one exporter per server, on the stack network. Exporters log
 * in as the monitoring logins (credentials in the environment, as secrets);
 * only Prometheus is published, on the loopback bind address.
 */
export class DockerMonitoring extends pulumi.ComponentResource {
  readonly containers: Readonly<
    Record<"postgresExporter" | "pgbouncerExporter" | "redisExporter" | "prometheus", docker.Container>
  >;
  readonly prometheusPort: pulumi.Output<number>;

  constructor(name: string, args: DockerMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:docker:Monitoring", name, {}, opts);
    const layout = monitoringLayout;
    const container = (
      key: keyof MonitoringImages,
      alias: string,
      inputs: Omit<docker.ContainerArgs, "name" | "image" | "networksAdvanced" | "restart">,
      dependsOn: pulumi.Resource[],
    ) => {
      const image = new docker.RemoteImage(
        `${name}-${alias}-image`,
        { name: args.images[key], keepLocally: true },
        { parent: this },
      );
      return new docker.Container(
        `${name}-${alias}`,
        {
          name: `${args.namePrefix}-${alias}`,
          image: image.imageId,
          networksAdvanced: [{ name: args.networkName, aliases: [alias] }],
          restart: "unless-stopped",
          ...inputs,
        },
        { parent: this, deleteBeforeReplace: true, dependsOn },
      );
    };
    const postgresExporter = container(
      "postgresExporter",
      "postgres-exporter",
      {
        command: [`--extend.query-path=${layout.queriesFile}`],
        envs: [pulumi.secret(pulumi.interpolate`DATA_SOURCE_NAME=${args.postgresDsn}`)],
        uploads: [{ file: layout.queriesFile, content: renderExporterQueries() }],
      },
      args.dependsOn,
    );
    const pgbouncerExporter = container(
      "pgbouncerExporter",
      "pgbouncer-exporter",
      { envs: [pulumi.secret(pulumi.interpolate`PGBOUNCER_EXPORTER_CONNECTION_STRING=${args.pgbouncerDsn}`)] },
      args.dependsOn,
    );
    const redisExporter = container(
      "redisExporter",
      "redis-exporter",
      {
        envs: [
          pulumi.secret(pulumi.interpolate`REDIS_PASSWORD=${args.redisPassword}`),
          `REDIS_ADDR=${args.redisAddress}`,
          `REDIS_USER=${args.redisUser}`,
        ],
      },
      args.dependsOn,
    );
    const targets = {
      postgres: `postgres-exporter:${layout.postgresExporterPort}`,
      pgbouncer: `pgbouncer-exporter:${layout.pgbouncerExporterPort}`,
      redis: `redis-exporter:${layout.redisExporterPort}`,
    };
    const prometheus = container(
      "prometheus",
      "prometheus",
      {
        command: [`--config.file=${layout.prometheusConfig}`, "--storage.tsdb.path=/prometheus"],
        uploads: [
          { file: layout.prometheusConfig, content: renderPrometheusConfig({ targets, ruleFile: layout.rulesFile }) },
          { file: layout.rulesFile, content: renderAlertRules(args.thresholds) },
        ],
        ports: [{ internal: layout.prometheusPort, external: args.prometheusHostPort, ip: args.bindAddress }],
      },
      [postgresExporter, pgbouncerExporter, redisExporter],
    );
    this.containers = { postgresExporter, pgbouncerExporter, redisExporter, prometheus };
    this.prometheusPort = publishedPort(prometheus, layout.prometheusPort);
    this.registerOutputs({ prometheusPort: this.prometheusPort });
  }
}
