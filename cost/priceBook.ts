import { z } from "zod";
import type { FixedUsage, UsageLine, VariableUsage } from "./usage";

/**
 * A price book: on-demand unit prices of one region at one date, keyed by the
 * meters of cost/awsUsage.ts. pgplat ships none: prices change and differ per
 * region, and an estimate is only as honest as the date and source of its
 * prices, so whoever prices a stack writes both down.
 */
export const priceBookSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as eu-west-1"),
    currency: z.literal("USD"),
    asOf: z.iso.date("must be the date the prices were read, as YYYY-MM-DD"),
    source: z.string().min(1, "must say where the prices come from"),
    prices: z.record(z.string(), z.number().nonnegative()),
  })
  .strict();

export type PriceBook = z.infer<typeof priceBookSchema>;

export function parsePriceBook(json: unknown, file: string): PriceBook {
  const result = priceBookSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  throw new Error(`${file} is not a price book:\n${problems.join("\n")}`);
}

export interface PricedUsage {
  readonly line: FixedUsage;
  /** Undefined when the line's region has no book or its book lacks the meter. */
  readonly unitPrice: number | undefined;
  readonly monthly: number | undefined;
}

export interface Estimate {
  readonly priced: readonly PricedUsage[];
  readonly variable: readonly VariableUsage[];
  /** Sum of the priced fixed charges. */
  readonly total: number;
  /** Fixed charges without a price, so the total is a floor. */
  readonly unpriced: readonly FixedUsage[];
  readonly books: readonly PriceBook[];
}

/** Prices each fixed line with its region's book; charges that depend on use stay out of the total. */
export function priceUsage(lines: readonly UsageLine[], books: readonly PriceBook[]): Estimate {
  const bookByRegion = new Map<string, PriceBook>();
  for (const book of books) {
    if (bookByRegion.has(book.region)) throw new Error(`two price books for ${book.region}; give one per region`);
    bookByRegion.set(book.region, book);
  }
  const priced = lines
    .filter((line): line is FixedUsage => line.kind === "fixed")
    .map((line) => {
      const unitPrice = bookByRegion.get(line.region)?.prices[line.meter];
      return { line, unitPrice, monthly: unitPrice === undefined ? undefined : unitPrice * line.quantity };
    });
  return {
    priced,
    variable: lines.filter((line): line is VariableUsage => line.kind === "variable"),
    total: priced.reduce((sum, item) => sum + (item.monthly ?? 0), 0),
    unpriced: priced.filter((item) => item.unitPrice === undefined).map((item) => item.line),
    books,
  };
}
