import type { CheckResult, CheckThreshold, Report, UnknownReport } from "./report";

function unit(threshold: CheckThreshold | null): string {
  if (!threshold || threshold.unit === "count") return "";
  return threshold.unit === "%" ? " %" : ` ${threshold.unit}`;
}

function thresholdText(threshold: CheckThreshold | null): string {
  if (!threshold) return "(pass/fail)";
  const sign = threshold.direction === "above" ? ">" : "<";
  const critical = threshold.critical === null ? "" : `, critical ${sign} ${threshold.critical}${unit(threshold)}`;
  return `(warning ${sign} ${threshold.warning}${unit(threshold)}${critical})`;
}

/** One line per check: status, name, value, threshold, detail; then the overall status. */
export function formatText(report: Report | UnknownReport): string {
  const lines = report.checks.map((check: CheckResult) => {
    const value = check.value === null ? "-" : `${check.value}${unit(check.threshold)}`;
    return `${check.status.padEnd(9)}${check.name.padEnd(28)}${value.padEnd(14)}${thresholdText(check.threshold).padEnd(42)}${check.detail}`;
  });
  const count = (status: CheckResult["status"]) => report.checks.filter((check) => check.status === status).length;
  const summary =
    report.status === "unknown"
      ? `status: unknown — could not check: ${report.error}`
      : `status: ${report.status} — ${count("critical")} critical, ${count("warning")} warning, ${count("ok")} ok`;
  return [...lines, summary].join("\n");
}

export function formatJson(report: Report | UnknownReport): string {
  return JSON.stringify(report, null, 2);
}
