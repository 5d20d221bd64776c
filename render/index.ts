export * from "./tuning";
export * from "./confFormat";
export * from "./postgresqlConf";
export * from "./pgHba";
export * from "./scram";
export * from "./pgbouncer";
export * from "./redisConf";
export * from "./platformFiles";
