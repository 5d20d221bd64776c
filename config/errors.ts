import type { ConfigIssue } from "./types";

const secretPlaceholder = "[secret]";
const maxValueLength = 120;

/** Thrown before any resource is created; the message lists every issue. */
export class StackConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = "StackConfigError";
  }
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  const plural = issues.length === 1 ? "problem" : "problems";
  return [`Invalid stack config (${issues.length} ${plural}); nothing was created:`, ...issues.map((issue) => `  - ${formatIssue(issue)}`)].join("\n");
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.key} = ${formatValue(issue.value)}: ${issue.allowed}`;
}

/** Replaces the values of secret keys so an error message never carries a secret. */
export function maskSecretValues(issues: readonly ConfigIssue[], secretKeys: ReadonlySet<string>): ConfigIssue[] {
  return issues.map((issue) => ([...secretKeys].some((secretKey) => issue.key === secretKey || issue.key.startsWith(`${secretKey}.`) || issue.key.startsWith(`${secretKey}[`)) ? { ...issue, value: secretPlaceholder } : issue));
}

function formatValue(value: unknown): string {
  if (value === secretPlaceholder) return secretPlaceholder;
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > maxValueLength ? `${text.slice(0, maxValueLength)}…` : text;
}
