import {
  passes,
  thresholdDefinitions,
  type ThresholdDefinition,
  type ThresholdName,
  type Thresholds,
} from "../config/thresholds";

export type CheckStatus = "ok" | "warning" | "critical";
export type ReportStatus = "healthy" | "degraded" | "unhealthy";

export interface CheckThreshold {
  readonly warning: number;
  /** null: this check never goes critical. */
  readonly critical: number | null;
  readonly unit: ThresholdDefinition["unit"];
  readonly direction: ThresholdDefinition["direction"];
}

/** One line of the report; the JSON form has exactly these fields. */
export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  /** null when there is nothing to measure (no replicas, archiving off). */
  readonly value: number | null;
  /** null for checks that are pass/fail (a failing archive_command, AOF errors). */
  readonly threshold: CheckThreshold | null;
  readonly detail: string;
}

export interface Report {
  readonly status: ReportStatus;
  readonly checks: readonly CheckResult[];
}

/** What the report prints when it could not check: exit 3. */
export interface UnknownReport {
  readonly status: "unknown";
  readonly error: string;
  /** The checks that did run before the failure. */
  readonly checks: readonly CheckResult[];
}

/** Rounds for display; judging uses the exact value. */
function rounded(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Judges a measured value against its threshold from the one declaration. */
export function judge(
  name: string,
  threshold: ThresholdName,
  value: number | null,
  thresholds: Thresholds,
  detail: string,
): CheckResult {
  const levels = thresholds[threshold];
  const definition = thresholdDefinitions[threshold];
  const status: CheckStatus =
    value === null
      ? "ok"
      : passes(threshold, value, levels.critical)
        ? "critical"
        : passes(threshold, value, levels.warning)
          ? "warning"
          : "ok";
  return {
    name,
    status,
    value: value === null ? null : rounded(value),
    threshold: {
      warning: levels.warning,
      critical: levels.critical ?? null,
      unit: definition.unit,
      direction: definition.direction,
    },
    detail,
  };
}

/** A check whose query failed: what cannot be observed is not healthy. */
export function notEvaluated(name: string, reason: string): CheckResult {
  return { name, status: "warning", value: null, threshold: null, detail: `could not evaluate: ${reason}` };
}

const severity: Readonly<Record<CheckStatus, number>> = { ok: 0, warning: 1, critical: 2 };

export function reportOf(checks: readonly CheckResult[]): Report {
  const worst = checks.reduce((max, check) => Math.max(max, severity[check.status]), 0);
  return { status: worst === 2 ? "unhealthy" : worst === 1 ? "degraded" : "healthy", checks };
}

/** The CLI contract: 0 healthy, 1 degraded, 2 unhealthy, 3 could not check. */
export function exitCodeOf(report: Report | UnknownReport): 0 | 1 | 2 | 3 {
  return report.status === "healthy" ? 0 : report.status === "degraded" ? 1 : report.status === "unhealthy" ? 2 : 3;
}
