import type { ConfigIssue } from "./types";

const secretPlaceholder = "[secret]";
const hiddenCredential = "[hidden: looks like a credential]";
const maxValueLength = 120;
/** A key that names a credential, even misspelled or in the wrong place (`adminPasword`, `aws.authToken`). */
const credentialKey = /pas+w|pwd|secret|token|credential|private|auth|api_?key|access_?key/i;
/** Values that are credentials whatever their key: a URI with a password, AWS access key ids, PEM keys, long random-looking strings. */
const credentialValues = [
  /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^@\s]+@/i,
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[^\s]{20,}$/,
];

/** Whether a config value must not be printed: its key or its content looks like a credential. */
export function looksLikeCredential(key: string, value: unknown): boolean {
  // A switch or a count under a credential-sounding key (iamDatabaseAuth) is safe to show.
  if (typeof value === "boolean" || typeof value === "number") return false;
  if (credentialKey.test(key.replace(/^[^:]*:/, ""))) return true;
  const texts: string[] = [];
  const collect = (node: unknown): void => {
    if (typeof node === "string") texts.push(node);
    else if (node !== null && typeof node === "object") Object.values(node).forEach(collect);
  };
  collect(value);
  return texts.some((text) => credentialValues.some((pattern) => pattern.test(text)));
}

/** Thrown before any resource is created; the message lists every issue. */
export class StackConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = "StackConfigError";
  }
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  const plural = issues.length === 1 ? "problem" : "problems";
  return [
    `Invalid stack config (${issues.length} ${plural}); nothing was created:`,
    ...issues.map((issue) => `  - ${formatIssue(issue)}`),
  ].join("\n");
}

export function formatIssue(issue: ConfigIssue): string {
  const value =
    issue.value !== secretPlaceholder && issue.value !== undefined && looksLikeCredential(issue.key, issue.value)
      ? hiddenCredential
      : formatValue(issue.value);
  return `${issue.key} = ${value}: ${issue.allowed}`;
}

/** Replaces the values of secret keys so an error message never carries a secret. */
export function maskSecretValues(issues: readonly ConfigIssue[], secretKeys: ReadonlySet<string>): ConfigIssue[] {
  return issues.map((issue) =>
    [...secretKeys].some(
      (secretKey) =>
        issue.key === secretKey || issue.key.startsWith(`${secretKey}.`) || issue.key.startsWith(`${secretKey}[`),
    )
      ? { ...issue, value: secretPlaceholder }
      : issue,
  );
}

function formatValue(value: unknown): string {
  if (value === secretPlaceholder || value === hiddenCredential) return value;
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > maxValueLength ? `${text.slice(0, maxValueLength)}…` : text;
}
