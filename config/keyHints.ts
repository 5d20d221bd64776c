/** Hints for a config key that is not in the schema: the nearest valid key, or how to write a flat key nested. */

/** The candidate closest to `text` by edit distance, when close enough to be a typo (at most a third of its length). */
export function nearest(text: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(text.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(text.length / 3)) ? best.candidate : undefined;
}

/**
 * `pgplat:postgres.maxConnections` is one key named "postgres.maxConnections"
 * to Pulumi; pgplat reads sections as objects. Says how to write it instead.
 */
export function flatKeyHint(key: string, namespace: string, sections: readonly string[]): string | undefined {
  const [section, ...rest] = key.split(".");
  if (rest.length === 0 || !sections.includes(section)) return undefined;
  const field = rest.join(".");
  return `a dotted key is one flat key to Pulumi; nest it under ${namespace}:${section} in the stack file (${namespace}:${section}: {${field}: …}) or set it with \`pulumi config set --path '${namespace}:${key}' <value>\``;
}

/** Edit distance counting a swap of neighbours as one edit (`maxConection`, `--dri`). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j], rows[i - 2][j - 2] + 1);
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}
