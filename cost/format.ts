import type { Estimate, PricedUsage } from "./priceBook";

interface Row {
  readonly resources: string[];
  readonly region: string;
  readonly what: string;
  readonly meter: string;
  readonly unit: string;
  quantity: number;
  readonly unitPrice: number | undefined;
  monthly: number | undefined;
}

/** Lines for the same charge (region, meter and description) become one row, so twelve alarms read as one. */
function rows(priced: readonly PricedUsage[]): Row[] {
  const byCharge = new Map<string, Row>();
  for (const { line, unitPrice, monthly } of priced) {
    const key = [line.region, line.meter, line.what].join("\u0000");
    const row = byCharge.get(key);
    if (row) {
      row.resources.push(line.resource);
      row.quantity += line.quantity;
      if (row.monthly !== undefined && monthly !== undefined) row.monthly += monthly;
    } else {
      byCharge.set(key, {
        resources: [line.resource],
        region: line.region,
        what: line.what,
        meter: line.meter,
        unit: line.unit,
        quantity: line.quantity,
        unitPrice,
        monthly,
      });
    }
  }
  return [...byCharge.values()].sort(
    (a, b) => a.region.localeCompare(b.region) || a.meter.localeCompare(b.meter) || a.what.localeCompare(b.what),
  );
}

/** The estimate as Markdown: fixed charges (priced when books were given), then what depends on use. */
export function estimateMarkdown(estimate: Estimate): string {
  const withPrices = estimate.books.length > 0;
  const header = withPrices
    ? [
        "| Region | What | Resources | Meter | Quantity / month | Unit price (USD) | USD / month |",
        "| --- | --- | --- | --- | --- | --- | --- |",
      ]
    : ["| Region | What | Resources | Meter | Quantity / month |", "| --- | --- | --- | --- | --- |"];
  const table = rows(estimate.priced).map((row) => {
    const resources =
      row.resources.length === 1 ? row.resources[0] : `${row.resources.length} (${row.resources[0]}, …)`;
    const cells = [row.region, row.what, resources, `\`${row.meter}\``, `${quantity(row.quantity)} ${row.unit}`];
    if (withPrices)
      cells.push(
        row.unitPrice === undefined ? "no price" : String(row.unitPrice),
        row.monthly === undefined ? "–" : row.monthly.toFixed(2),
      );
    return `| ${cells.join(" | ")} |`;
  });
  const variable = estimate.variable.map(
    (line) => `- ${line.resource} (${line.region}): ${line.what}; depends on ${line.drivenBy}`,
  );
  return [
    ...header,
    ...table,
    "",
    ...(withPrices ? [...totalLines(estimate), ""] : []),
    "Charges that depend on use (in no total):",
    "",
    ...variable,
  ].join("\n");
}

function totalLines(estimate: Estimate): string[] {
  const missing = [...new Set(estimate.unpriced.map((line) => `${line.region} \`${line.meter}\``))];
  const sources = estimate.books.map((book) => `- ${book.region}: prices as of ${book.asOf}, from ${book.source}`);
  return [
    missing.length === 0
      ? `**Fixed charges: ${estimate.total.toFixed(2)} USD / month.**`
      : `**Fixed charges: at least ${estimate.total.toFixed(2)} USD / month**; no price for ${missing.join(", ")}.`,
    "",
    ...sources,
  ];
}

function quantity(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}
