import { beforeAll, describe, expect, it } from "vitest";
import type { StackConfig } from "../../config";
import { renderAlertRules } from "../../render/alertRules";
import { renderExporterQueries } from "../../render/exporterQueries";
import { renderPrometheusConfig } from "../../render/prometheusConfig";
import { SecretValue, type RecordedGraph } from "../../recording/recorder";
import { recordStack, resource, secretText } from "../support/graph";

let graph: RecordedGraph;
let config: StackConfig;
let monitoringPassword: string;
let redisMonitorPassword: string;

beforeAll(async () => {
  ({ graph, config } = recordStack("dev"));
  const uris = (graph.outputs.connectionUris as SecretValue).value as Record<string, string>;
  monitoringPassword = new URL(uris.app_monitoring).password;
  redisMonitorPassword = new URL((graph.outputs.redisMonitorUri as SecretValue).value as string).password;
});

const network = [{ name: "pgplat-dev-net" }];

describe("dev stack graph: exporters and Prometheus", () => {
  it("pulls the pinned images", () => {
    expect(
      ["postgres-exporter", "pgbouncer-exporter", "redis-exporter", "prometheus"].map(
        (alias) => resource(graph, `pgplat-docker-monitoring-${alias}-image`).inputs,
      ),
    ).toEqual([
      { name: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1", keepLocally: true },
      { name: "quay.io/prometheuscommunity/pgbouncer-exporter:v0.10.2", keepLocally: true },
      { name: "oliver006/redis_exporter:v1.67.0", keepLocally: true },
      { name: "prom/prometheus:v2.55.1", keepLocally: true },
    ]);
  });

  it("postgres_exporter logs in as the monitoring login straight to PostgreSQL, with the rendered custom queries", () => {
    const container = resource(graph, "pgplat-docker-monitoring-postgres-exporter");
    expect(container.inputs).toEqual({
      name: "pgplat-dev-postgres-exporter",
      image: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
      networksAdvanced: [{ ...network[0], aliases: ["postgres-exporter"] }],
      restart: "unless-stopped",
      command: ["--extend.query-path=/etc/postgres_exporter/queries.yaml"],
      envs: [expect.any(SecretValue)],
      uploads: [{ file: "/etc/postgres_exporter/queries.yaml", content: renderExporterQueries() }],
    });
    expect(secretText((container.inputs.envs as unknown[])[0])).toBe(
      `DATA_SOURCE_NAME=postgresql://app_monitoring:${monitoringPassword}@postgres:5432/app?sslmode=disable`,
    );
    expect(container.deleteBeforeReplace).toBe(true);
  });

  it("the PgBouncer exporter reads PgBouncer's console as the monitoring login (its stats user)", () => {
    const container = resource(graph, "pgplat-docker-monitoring-pgbouncer-exporter");
    expect(container.inputs).toEqual({
      name: "pgplat-dev-pgbouncer-exporter",
      image: "quay.io/prometheuscommunity/pgbouncer-exporter:v0.10.2",
      networksAdvanced: [{ ...network[0], aliases: ["pgbouncer-exporter"] }],
      restart: "unless-stopped",
      envs: [expect.any(SecretValue)],
    });
    expect(secretText((container.inputs.envs as unknown[])[0])).toBe(
      `PGBOUNCER_EXPORTER_CONNECTION_STRING=postgresql://app_monitoring:${monitoringPassword}@pgbouncer:6432/pgbouncer?sslmode=disable`,
    );
  });

  it("redis_exporter logs in as the statistics-only monitor user", () => {
    const container = resource(graph, "pgplat-docker-monitoring-redis-exporter");
    expect(container.inputs).toEqual({
      name: "pgplat-dev-redis-exporter",
      image: "oliver006/redis_exporter:v1.67.0",
      networksAdvanced: [{ ...network[0], aliases: ["redis-exporter"] }],
      restart: "unless-stopped",
      envs: [expect.any(SecretValue), "REDIS_ADDR=redis://redis:6379", "REDIS_USER=monitor"],
    });
    expect(secretText((container.inputs.envs as unknown[])[0])).toBe(`REDIS_PASSWORD=${redisMonitorPassword}`);
  });

  it("Prometheus scrapes the three exporters, loads the rules rendered from the stack's thresholds, and is published on loopback only", () => {
    const container = resource(graph, "pgplat-docker-monitoring-prometheus");
    expect(container.inputs).toEqual({
      name: "pgplat-dev-prometheus",
      image: "prom/prometheus:v2.55.1",
      networksAdvanced: [{ ...network[0], aliases: ["prometheus"] }],
      restart: "unless-stopped",
      command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"],
      uploads: [
        {
          file: "/etc/prometheus/prometheus.yml",
          content: renderPrometheusConfig({
            targets: {
              postgres: "postgres-exporter:9187",
              pgbouncer: "pgbouncer-exporter:9127",
              redis: "redis-exporter:9121",
            },
            ruleFile: "/etc/prometheus/pgplat-rules.yml",
          }),
        },
        { file: "/etc/prometheus/pgplat-rules.yml", content: renderAlertRules(config.thresholds) },
      ],
      ports: [{ internal: 9090, ip: "127.0.0.1" }],
    });
    expect(container.dependsOn).toEqual(
      expect.arrayContaining([
        "pgplat-docker-monitoring-pgbouncer-exporter",
        "pgplat-docker-monitoring-postgres-exporter",
        "pgplat-docker-monitoring-redis-exporter",
      ]),
    );
    // The exporters wait for the servers they log in to.
    expect(resource(graph, "pgplat-docker-monitoring-postgres-exporter").dependsOn).toEqual(
      expect.arrayContaining(["pgplat-docker-pgbouncer-container", "pgplat-docker-redis-container"]),
    );
    expect(graph.outputs.prometheus).toEqual({ host: "127.0.0.1", port: expect.any(Number) });
  });

  it("never puts the monitoring passwords into a plain input or output", () => {
    const plain = JSON.stringify({ resources: graph.resources.map((r) => r.inputs), outputs: graph.outputs });
    expect(plain).not.toContain(monitoringPassword);
    expect(plain).not.toContain(redisMonitorPassword);
  });
});
