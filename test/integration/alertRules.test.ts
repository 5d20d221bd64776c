import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { alertSpecs, renderAlertRules, type AlertSpec } from "../../render/alertRules";
import { osBinary } from "../support/processes";
import { stackConfig } from "../support/stackConfig";

/**
 * The rendered rules, checked and unit-tested by the real promtool: every
 * alert stays quiet below its level and at it, fires past it (after its `for`)
 * and resolves when the value comes back.
 */
const promtool = osBinary("promtool", "prometheus");
const dir = mkdtempSync(path.join(tmpdir(), "pgplat-rules-"));
const thresholds = stackConfig({
  thresholds: { connectionsPercent: { warning: 70, critical: 85 }, redisEvictions: { warning: 200, critical: 2000 } },
}).thresholds;
const specs = alertSpecs(thresholds);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtoolRun(args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(promtool.path!, args, { cwd: dir, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const minutes = 25;
/** 0–4 min quiet, 5–14 min at `firing`, 15–24 min quiet again; counters grow while firing. */
function probeValues(spec: AlertSpec, firing: number): string {
  const { quiet, kind } = spec.probe;
  return Array.from({ length: minutes }, (_, minute) => {
    if (kind === "counter") return firing * Math.min(Math.max(minute - 4, 0), 10);
    return minute >= 5 && minute <= 14 ? firing : quiet;
  }).join(" ");
}

function inputSeries(spec: AlertSpec, firing: number): { series: string; values: string }[] {
  const labels = spec.probe.metric.startsWith("pgbouncer_pools")
    ? '{instance="probe",database="app",user="app_user"}'
    : '{instance="probe"}';
  const series = [{ series: `${spec.probe.metric}${labels}`, values: probeValues(spec, firing) }];
  // Redis memory is used / max: with max at 100 bytes, used bytes read as percent.
  if (spec.probe.metric === "redis_memory_used_bytes")
    series.push({ series: 'redis_memory_max_bytes{instance="probe"}', values: Array(minutes).fill(100).join(" ") });
  return series;
}

function ruleTest(spec: AlertSpec, firing: number, fires: boolean) {
  const expected = [
    { exp_labels: { instance: "probe", severity: spec.severity }, exp_annotations: { summary: spec.summary } },
  ];
  return {
    interval: "1m",
    input_series: inputSeries(spec, firing),
    alert_rule_test: [
      { eval_time: "3m", alertname: spec.alert, exp_alerts: [] },
      { eval_time: "12m", alertname: spec.alert, exp_alerts: fires ? expected : [] },
      { eval_time: "24m", alertname: spec.alert, exp_alerts: [] },
    ],
  };
}

/** The level an alert's expression compares against, read back from the rendered expression. */
function levelOf(spec: AlertSpec): number | undefined {
  const match = /[<>] (\d+(?:\.\d+)?)$/.exec(spec.expr);
  return match ? Number(match[1]) : undefined;
}

describe.skipIf(!promtool.path)(
  "Prometheus alert rules rendered from pgplat:thresholds, with the real promtool",
  () => {
    it("pass promtool check rules", () => {
      writeFileSync(path.join(dir, "rules.yml"), renderAlertRules(thresholds));
      const { status, output } = promtoolRun(["check", "rules", "rules.yml"]);
      expect(output).toContain(`SUCCESS: ${specs.length} rules found`);
      expect(status).toBe(0);
    });

    it("every alert fires past its level and resolves; gauges stay quiet exactly at the level", () => {
      writeFileSync(path.join(dir, "rules.yml"), renderAlertRules(thresholds));
      const tests = specs.flatMap((spec) => {
        const level = levelOf(spec);
        const atLevel = spec.probe.kind === "gauge" && level !== undefined ? [ruleTest(spec, level, false)] : [];
        return [ruleTest(spec, spec.probe.firing, true), ...atLevel];
      });
      writeFileSync(
        path.join(dir, "rules.test.yml"),
        stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }, { lineWidth: 0 }),
      );
      const { status, output } = promtoolRun(["test", "rules", "rules.test.yml"]);
      expect(output).toContain("SUCCESS");
      expect(status).toBe(0);
      // The stack's levels are what the rules use: 70 and 85 % connections, 200 evictions per 5 minutes.
      expect(
        specs
          .filter((spec) => spec.alert.startsWith("PostgresConnections") || spec.alert === "RedisEvictionsWarning")
          .map((spec) => spec.expr),
      ).toEqual([
        "pgplat_connections_percent > 70",
        "pgplat_connections_percent > 85",
        "increase(redis_evicted_keys_total[5m]) > 200",
      ]);
    });

    it("the base backup age alerts come from backupAgeHours, and no recorded backup (+Inf) fires both", () => {
      writeFileSync(path.join(dir, "rules.yml"), renderAlertRules(thresholds));
      const backupAge = specs.filter((spec) => spec.alert.startsWith("PostgresBaseBackupAge"));
      expect(backupAge.map((spec) => [spec.alert, spec.expr])).toEqual([
        ["PostgresBaseBackupAgeWarning", `pgplat_base_backup_age_hours > ${thresholds.backupAgeHours.warning}`],
        ["PostgresBaseBackupAgeCritical", `pgplat_base_backup_age_hours > ${thresholds.backupAgeHours.critical}`],
      ]);
      const tests = backupAge.map((spec) => {
        const test = ruleTest(spec, spec.probe.firing, true);
        return {
          ...test,
          input_series: [
            {
              series: 'pgplat_base_backup_age_hours{instance="probe"}',
              values: [...Array(5).fill("1"), ...Array(10).fill("+Inf"), ...Array(10).fill("1")].join(" "),
            },
          ],
        };
      });
      writeFileSync(
        path.join(dir, "backup.test.yml"),
        stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }, { lineWidth: 0 }),
      );
      const { status, output } = promtoolRun(["test", "rules", "backup.test.yml"]);
      expect(output).toContain("SUCCESS");
      expect(status).toBe(0);
    });

    it("a rule whose level does not match the data fails promtool test (the check can fail)", () => {
      const spec = specs.find((candidate) => candidate.alert === "PostgresConnectionsWarning")!;
      writeFileSync(
        path.join(dir, "wrong.test.yml"),
        stringify(
          { rule_files: ["rules.yml"], evaluation_interval: "1m", tests: [ruleTest(spec, 60, true)] },
          { lineWidth: 0 },
        ),
      );
      const { status, output } = promtoolRun(["test", "rules", "wrong.test.yml"]);
      expect(output).toContain("FAILED");
      expect(status).toBe(1);
    });
  },
);
