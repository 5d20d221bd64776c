/**
 * The monthly bill of quantities of a recorded stack: what AWS meters for each
 * resource the program declares. Quantities come from the resources' own
 * inputs, so the estimate follows the graph, not a hand-kept list.
 */

/** A declared resource as the recording engine saw it (RecordedResource satisfies this). */
export interface BillableResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Names of the resources it depends on, explicitly or through its inputs. */
  readonly dependsOn: readonly string[];
}

/** AWS bills hourly meters for 730 hours a month (its calculator's convention). */
export const hoursPerMonth = 730;

interface UsageBase {
  /** Name of the resource the charge belongs to. */
  readonly resource: string;
  readonly region: string;
  /** What is being paid for, in words. */
  readonly what: string;
}

/** A charge whose monthly quantity follows from the declared resources alone. */
export interface FixedUsage extends UsageBase {
  readonly kind: "fixed";
  /** Price-book key, e.g. `rds:postgres:db.m7g.xlarge:multi-az`. */
  readonly meter: string;
  readonly unit: string;
  readonly quantity: number;
}

/** A charge that depends on traffic or data size, which a graph cannot know. */
export interface VariableUsage extends UsageBase {
  readonly kind: "variable";
  /** What the amount depends on. */
  readonly drivenBy: string;
}

export type UsageLine = FixedUsage | VariableUsage;

export interface UsageContext {
  /** The stack's AWS region; resources may name another (`region` input). */
  readonly region: string;
  readonly byName: ReadonlyMap<string, BillableResource>;
}

export type UsageRule = (resource: BillableResource, context: UsageContext) => readonly UsageLine[];

/** Applies `rules` (by resource type) to every resource; types without a rule add no line. */
export function monthlyUsage(
  resources: readonly BillableResource[],
  region: string,
  rules: Readonly<Record<string, UsageRule>>,
): UsageLine[] {
  const context: UsageContext = { region, byName: new Map(resources.map((resource) => [resource.name, resource])) };
  return resources.flatMap((resource) => rules[resource.type]?.(resource, context) ?? []);
}
