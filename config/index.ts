export * from "./types";
export * from "./schema";
export * from "./profiles";
export * from "./roles";
export * from "./pools";
export * from "./validate";
export * from "./errors";
export * from "./thresholds";
