export * from "./tuning";
export * from "./confFormat";
export * from "./postgresqlConf";
export * from "./pgHba";
export * from "./pgbouncer";
export * from "./redisConf";
export * from "./platformFiles";
export * from "./restoreCredentials";
