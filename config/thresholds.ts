import { z } from "zod";
import type { ConfigIssue } from "./types";

/**
 * Every operating threshold, declared once: the health report, the Prometheus
 * alert rules and the CloudWatch alarms all read these. A check is at warning
 * when its value passes `warning` and critical when it passes `critical`
 * ("passes" is `>` for thresholds that watch for too much and `<` for those
 * that watch for too little, such as the cache hit ratio). Stacks override
 * them under `pgplat:thresholds`, one run with `--threshold name.level=value`.
 *
 * Anchors: pghero (long queries 60 s, cache hit 99 %, sequences 90 %),
 * check_postgres (wraparound, connections 80/90 %), the postgres_exporter
 * mixin and CloudNativePG's default alerts (archiver, replication lag).
 */
export interface ThresholdDefinition {
  readonly unit: "%" | "s" | "h" | "ms" | "MiB" | "count" | "per 5 min";
  /** `above`: more is worse; `below`: less is worse. */
  readonly direction: "above" | "below";
  readonly warning: number;
  /** Absent: the check never goes critical unless the stack sets one. */
  readonly critical?: number;
  readonly max?: number;
  /** The defaults follow from other config (`config/validate.ts`); `warning`/`critical` show the default config's values. */
  readonly derived?: boolean;
  readonly meaning: string;
}

const definitions = {
  connectionsPercent: {
    unit: "%",
    direction: "above",
    warning: 80,
    critical: 90,
    max: 100,
    meaning: "Client connections in use as a share of max_connections.",
  },
  longQuerySeconds: {
    unit: "s",
    direction: "above",
    warning: 60,
    critical: 300,
    meaning: "Longest running statement.",
  },
  idleInTransactionSeconds: {
    unit: "s",
    direction: "above",
    warning: 30,
    critical: 300,
    meaning: "Longest time a session has sat idle inside an open transaction (holds locks and the xmin horizon).",
  },
  lockWaitSeconds: {
    unit: "s",
    direction: "above",
    warning: 10,
    critical: 60,
    meaning: "Longest time a session has been blocked by another session's lock.",
  },
  wraparoundPercent: {
    unit: "%",
    direction: "above",
    warning: 150,
    critical: 700,
    meaning:
      "Oldest unfrozen transaction ID age (any database) as a share of autovacuum_freeze_max_age; 100 % is where anti-wraparound vacuum starts, about 1,070 % (2^31) where PostgreSQL stops.",
  },
  replicationLagSeconds: {
    unit: "s",
    direction: "above",
    warning: 60,
    critical: 300,
    meaning: "Replay lag of the slowest replica.",
  },
  inactiveSlotWalMb: {
    unit: "MiB",
    direction: "above",
    warning: 0,
    critical: 10240,
    meaning: "WAL held back by replication slots nobody is consuming.",
  },
  archiveLagSeconds: {
    unit: "s",
    direction: "above",
    warning: 300,
    critical: 900,
    meaning:
      "Age of the last archived WAL segment while segments wait to be archived (a failing archive_command is critical at once).",
  },
  backupAgeHours: {
    unit: "h",
    direction: "above",
    warning: 25,
    critical: 49,
    derived: true,
    meaning:
      "Age of the newest complete base backup. Default: from the schedule, backups.baseBackupEveryHours + baseBackupGraceMinutes (warning) and twice the interval + grace (critical).",
  },
  cacheHitPercent: {
    unit: "%",
    direction: "below",
    warning: 99,
    critical: 95,
    max: 100,
    meaning: "Share of table and index block reads served from shared buffers.",
  },
  invalidIndexes: {
    unit: "count",
    direction: "above",
    warning: 0,
    meaning: "Indexes left invalid, e.g. by a failed CREATE INDEX CONCURRENTLY: maintained on every write, never used.",
  },
  unvalidatedConstraints: {
    unit: "count",
    direction: "above",
    warning: 0,
    meaning: "Constraints added NOT VALID and never validated.",
  },
  sequencePercent: {
    unit: "%",
    direction: "above",
    warning: 80,
    critical: 90,
    max: 100,
    meaning: "Most used sequence, as a share of its maximum (or its column type's, if smaller).",
  },
  duplicateIndexes: {
    unit: "count",
    direction: "above",
    warning: 0,
    meaning: "Sets of indexes with the same table, columns, expressions and predicate.",
  },
  unusedIndexMb: {
    unit: "MiB",
    direction: "above",
    warning: 100,
    meaning: "Size of non-unique indexes never scanned since statistics were reset.",
  },
  foreignKeysWithoutIndex: {
    unit: "count",
    direction: "above",
    warning: 0,
    meaning: "Foreign keys whose columns lead no index (deletes on the parent scan the child).",
  },
  deadTuplePercent: {
    unit: "%",
    direction: "above",
    warning: 20,
    critical: 50,
    max: 100,
    meaning: "Highest share of dead tuples in a table with enough dead tuples to matter.",
  },
  tablesNeverVacuumed: {
    unit: "count",
    direction: "above",
    warning: 0,
    meaning: "Tables with enough rows that were never vacuumed or never analyzed.",
  },
  statementMeanMs: {
    unit: "ms",
    direction: "above",
    warning: 250,
    critical: 2000,
    meaning: "Highest mean execution time among statements called often enough (pg_stat_statements).",
  },
  pgbouncerClientsWaiting: {
    unit: "count",
    direction: "above",
    warning: 10,
    critical: 50,
    meaning: "PgBouncer clients waiting for a server connection.",
  },
  pgbouncerMaxWaitSeconds: {
    unit: "s",
    direction: "above",
    warning: 1,
    critical: 5,
    meaning: "Longest current wait of a PgBouncer client.",
  },
  pgbouncerPoolsAtLimit: {
    unit: "count",
    direction: "above",
    warning: 0,
    meaning: "PgBouncer pools using all of their server connections.",
  },
  redisMemoryPercent: {
    unit: "%",
    direction: "above",
    warning: 90,
    critical: 98,
    max: 100,
    meaning: "Redis used memory as a share of maxmemory.",
  },
  redisEvictions: {
    unit: "per 5 min",
    direction: "above",
    warning: 1000,
    meaning: "Keys evicted for lack of memory, per 5 minutes (the health report averages since Redis started).",
  },
  redisRejectedConnections: {
    unit: "count",
    direction: "above",
    warning: 0,
    meaning:
      "Connections Redis refused (maxclients reached): since it started in the health report, per 5 minutes in the Prometheus alert.",
  },
} as const satisfies Record<string, ThresholdDefinition>;

export type ThresholdName = keyof typeof definitions;
export const thresholdDefinitions: Readonly<Record<ThresholdName, ThresholdDefinition>> = Object.freeze(definitions);
export const thresholdNames = Object.keys(definitions) as ThresholdName[];

export interface ThresholdLevels {
  readonly warning: number;
  readonly critical?: number;
}
export type Thresholds = Readonly<Record<ThresholdName, ThresholdLevels>>;

/**
 * Below these sample sizes a ratio says nothing (a fresh database has read a
 * few hundred blocks, a new table has no vacuum yet), so the check stays ok.
 */
export const checkSampleMinimums = Object.freeze({
  /** Block accesses before the cache hit ratio is judged. */
  cacheHitBlocks: 10_000,
  /** Dead tuples a table needs before its dead share is judged (autovacuum's own base threshold is 50). */
  deadTuples: 1_000,
  /** Rows a table needs before "never vacuumed/analyzed" counts. */
  neverVacuumedRows: 1_000,
  /** Calls a statement needs before its mean time is judged (pghero uses 100). */
  statementCalls: 100,
});

function levelsSchema(definition: ThresholdDefinition) {
  const value = z
    .number()
    .min(0)
    .max(definition.max ?? 1e12);
  const unit = definition.unit === "count" ? "" : ` (${definition.unit})`;
  if (definition.derived) {
    return z
      .strictObject({
        warning: value.optional().describe(`Warning level${unit}. Default: see meaning.`),
        critical: value.optional().describe(`Critical level${unit}. Default: see meaning.`),
      })
      .prefault({})
      .describe(definition.meaning);
  }
  return z
    .strictObject({
      warning: value.default(definition.warning).describe(`Warning level${unit}.`),
      critical:
        definition.critical === undefined
          ? value.optional().describe(`Critical level${unit}; unset: never critical.`)
          : value.default(definition.critical).describe(`Critical level${unit}.`),
    })
    .prefault({})
    .describe(definition.meaning);
}

export const thresholdsSection = z
  .strictObject(
    Object.fromEntries(thresholdNames.map((name) => [name, levelsSchema(definitions[name])])) as Record<
      ThresholdName,
      ReturnType<typeof levelsSchema>
    >,
  )
  .prefault({})
  .describe("Operating thresholds shared by the health report, the Prometheus alert rules and the CloudWatch alarms.");

/** The backup-age levels that follow from the Docker backup schedule, unless the stack sets them. */
export function backupAgeLevels(
  given: { readonly warning?: number; readonly critical?: number },
  everyHours: number,
  graceMinutes: number,
): ThresholdLevels {
  const grace = graceMinutes / 60;
  return { warning: given.warning ?? everyHours + grace, critical: given.critical ?? 2 * everyHours + grace };
}

/** Does `value` pass `level` in the direction that is worse for this threshold? */
export function passes(name: ThresholdName, value: number, level: number | undefined): boolean {
  if (level === undefined) return false;
  return definitions[name].direction === "above" ? value > level : value < level;
}

/** Warning must come before critical in the direction that is worse. */
export function thresholdIssues(thresholds: Thresholds, keyPrefix: string): ConfigIssue[] {
  return thresholdNames.flatMap((name): ConfigIssue[] => {
    const { warning, critical } = thresholds[name];
    if (critical === undefined || !passes(name, warning, critical)) return [];
    const relation = definitions[name].direction === "above" ? "at least" : "at most";
    return [
      {
        key: `${keyPrefix}${name}.critical`,
        value: critical,
        allowed: `${relation} ${name}.warning (${warning}): critical is the worse level`,
      },
    ];
  });
}

/**
 * Applies `name.warning=value` / `name.critical=value` overrides (the health
 * report's `--threshold`). Returns every problem at once.
 */
export function withThresholdOverrides(
  thresholds: Thresholds,
  overrides: readonly string[],
): { readonly thresholds: Thresholds } | { readonly problems: readonly string[] } {
  const result: Record<string, ThresholdLevels> = { ...thresholds };
  const problems: string[] = [];
  for (const override of overrides) {
    const match = /^([A-Za-z]+)\.(warning|critical)=(\d+(?:\.\d+)?)$/.exec(override);
    if (!match || !(match[1] in definitions)) {
      problems.push(
        `--threshold ${override}: expected <name>.warning|critical=<number ≥ 0>, name one of ${thresholdNames.join(", ")}`,
      );
      continue;
    }
    const name = match[1] as ThresholdName;
    const value = Number(match[3]);
    const max = (definitions[name] as ThresholdDefinition).max;
    if (max !== undefined && value > max) problems.push(`--threshold ${override}: at most ${max}`);
    else result[name] = { ...result[name], [match[2]]: value };
  }
  if (problems.length === 0)
    problems.push(
      ...thresholdIssues(result as Thresholds, "--threshold ").map(
        (issue) => `${issue.key}=${String(issue.value)}: ${issue.allowed}`,
      ),
    );
  return problems.length > 0 ? { problems } : { thresholds: Object.freeze(result) as Thresholds };
}
