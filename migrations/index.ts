export * from "./files";
export * from "./statements";
export * from "./plan";
export * from "./connection";
export * from "./errors";
export * from "./engine";
export { historySchema, historyTable } from "./history";
export { migrationLockKey } from "./lock";
