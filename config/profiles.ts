/**
 * Size profiles: the one place where size-derived defaults live. Any field of
 * a profile can be overridden per stack (e.g. `pgplat:postgres.memoryMb`).
 */
export const sizeProfileNames = ["dev", "small", "medium", "large"] as const;
export type SizeProfileName = (typeof sizeProfileNames)[number];

export interface SizeProfile {
  /** Memory given to PostgreSQL (container limit on Docker, instance memory on RDS). */
  readonly memoryMb: number;
  readonly vcpus: number;
  readonly storageGb: number;
  readonly maxConnections: number;
  readonly redisMaxmemoryMb: number;
  /** RDS instance class whose memory and vCPUs match `memoryMb` and `vcpus`. */
  readonly rdsInstanceClass: string;
  readonly cacheNodeType: string;
}

export const sizeProfiles: Readonly<Record<SizeProfileName, SizeProfile>> = Object.freeze({
  dev: {
    memoryMb: 1024,
    vcpus: 2,
    storageGb: 20,
    maxConnections: 100,
    redisMaxmemoryMb: 128,
    rdsInstanceClass: "db.t4g.micro",
    cacheNodeType: "cache.t4g.micro",
  },
  small: {
    memoryMb: 4096,
    vcpus: 2,
    storageGb: 50,
    maxConnections: 200,
    redisMaxmemoryMb: 512,
    rdsInstanceClass: "db.t4g.medium",
    cacheNodeType: "cache.t4g.small",
  },
  medium: {
    memoryMb: 16384,
    vcpus: 4,
    storageGb: 200,
    maxConnections: 400,
    redisMaxmemoryMb: 2048,
    rdsInstanceClass: "db.m7g.xlarge",
    cacheNodeType: "cache.r7g.large",
  },
  large: {
    memoryMb: 65536,
    vcpus: 16,
    storageGb: 1000,
    maxConnections: 800,
    redisMaxmemoryMb: 8192,
    rdsInstanceClass: "db.m7g.4xlarge",
    cacheNodeType: "cache.r7g.xlarge",
  },
});
