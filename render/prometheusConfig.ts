import { stringify } from "yaml";

export interface PrometheusConfigArgs {
  /** Job name → `host:port` of its exporter. */
  readonly targets: Readonly<Record<string, string>>;
  /** Path of the rendered alert rules (render/alertRules.ts) as Prometheus sees it. */
  readonly ruleFile: string;
  /** @default 15 */
  readonly scrapeIntervalSeconds?: number;
}

/** prometheus.yml: scrape the exporters and evaluate the pgplat rules at the same interval. */
export function renderPrometheusConfig(args: PrometheusConfigArgs): string {
  const interval = `${args.scrapeIntervalSeconds ?? 15}s`;
  const document = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: [args.ruleFile],
    scrape_configs: Object.entries(args.targets).map(([job, target]) => ({
      job_name: job,
      static_configs: [{ targets: [target] }],
    })),
  };
  return `# Rendered by pgplat (render/prometheusConfig.ts).\n${stringify(document, { lineWidth: 0 })}`;
}
