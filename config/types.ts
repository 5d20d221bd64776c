import type { ParsedStackConfig } from "./schema";
import type { SizeProfile } from "./profiles";
import type { Thresholds } from "./thresholds";

type Resolved<T, K extends keyof T> = Readonly<Omit<T, K> & { readonly [P in K]-?: NonNullable<T[P]> }>;

/** The validated stack config with every default resolved; frozen. */
export interface StackConfig {
  readonly target: ParsedStackConfig["target"];
  readonly size: ParsedStackConfig["size"];
  readonly environment: ParsedStackConfig["environment"];
  readonly profile: SizeProfile;
  readonly postgres: Resolved<ParsedStackConfig["postgres"], "maxConnections" | "memoryMb" | "vcpus" | "storageGb">;
  readonly pgbouncer: Readonly<ParsedStackConfig["pgbouncer"]>;
  readonly redis: Resolved<ParsedStackConfig["redis"], "maxmemoryMb">;
  readonly backups: Readonly<ParsedStackConfig["backups"]>;
  readonly roles: Readonly<ParsedStackConfig["roles"]>;
  readonly migrations: Readonly<ParsedStackConfig["migrations"]>;
  readonly alarms: Readonly<ParsedStackConfig["alarms"]>;
  readonly thresholds: Thresholds;
  readonly docker: Readonly<ParsedStackConfig["docker"]>;
  readonly restore?: Readonly<NonNullable<ParsedStackConfig["restore"]>>;
  readonly aws?: Resolved<NonNullable<ParsedStackConfig["aws"]>, "maxStorageGb">;
}

/** One problem with the stack config: the full key, the value given, and what is allowed. */
export interface ConfigIssue {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
}
