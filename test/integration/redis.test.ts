import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redisAppUser, redisHealthcheckUser } from "../../render/platformFiles";
import { redisBinary, startRedis, type RedisServer } from "../support/redisServer";
import { RespClient } from "../support/resp";
import { repositoryStackConfig } from "../support/stackConfig";

const config = repositoryStackConfig("dev");
const appPassword = "Redis0AppPassword0ForTests";
let server: RedisServer;
const clients: RespClient[] = [];

async function connect(): Promise<RespClient> {
  const client = await RespClient.connect(server.port);
  clients.push(client);
  return client;
}

async function app(): Promise<RespClient> {
  const client = await connect();
  expect(await client.command("AUTH", redisAppUser, appPassword)).toBe("OK");
  return client;
}

describe.skipIf(!redisBinary.path)(
  `Redis (OS package) with the rendered redis.conf ${redisBinary.path ? "" : `— SKIPPED: ${redisBinary.skipReason}`}`,
  () => {
    beforeAll(async () => {
      server = await startRedis(config, appPassword);
    });
    afterEach(() => clients.splice(0).forEach((client) => client.close()));
    afterAll(async () => {
      await server?.stop();
    });

    it("refuses unauthenticated commands", async () => {
      const anonymous = await connect();
      expect(await anonymous.command("SET", "k", "v")).toEqual({ error: expect.stringMatching(/^NOAUTH/) });
      expect(await anonymous.command("GET", "k")).toEqual({ error: expect.stringMatching(/^NOAUTH/) });
    });

    it("refuses the default user and a wrong app password", async () => {
      const client = await connect();
      expect(await client.command("AUTH", "default", "")).toEqual({ error: expect.stringMatching(/^WRONGPASS/) });
      expect(await client.command("AUTH", redisAppUser, "wrong")).toEqual({
        error: expect.stringMatching(/^WRONGPASS/),
      });
    });

    it("lets the app user read and write", async () => {
      const client = await app();
      expect(await client.command("SET", "greeting", "hello")).toBe("OK");
      expect(await client.command("GET", "greeting")).toBe("hello");
      expect(await client.command("ACL", "WHOAMI")).toBe(redisAppUser);
    });

    it.each([
      ["FLUSHALL"],
      ["FLUSHDB"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["KEYS", "*"],
      ["SHUTDOWN"],
      ["ACL", "SETUSER", "default", "on"],
    ])("refuses the dangerous command %s to the app user", async (...command) => {
      const client = await app();
      expect(await client.command(...command)).toEqual({ error: expect.stringMatching(/^NOPERM/) });
    });

    it("refuses DEBUG to everyone", async () => {
      const client = await app();
      expect(await client.command("DEBUG", "SLEEP", "0")).toEqual({
        error: expect.stringMatching(/^(NOPERM|ERR DEBUG command not allowed)/),
      });
    });

    it("lets the healthcheck user PING and nothing else", async () => {
      const client = await connect();
      expect(await client.command("AUTH", redisHealthcheckUser, "any-password")).toBe("OK");
      expect(await client.command("PING")).toBe("PONG");
      expect(await client.command("GET", "greeting")).toEqual({ error: expect.stringMatching(/^NOPERM/) });
    });

    it("enforces the maxmemory limit with the configured policy", async () => {
      const client = await app();
      const filler = "x".repeat(64 * 1024);
      const maxmemory = config.redis.maxmemoryMb * 1024 * 1024;
      // Write 1.5× maxmemory: under allkeys-lru every write succeeds and old keys are evicted
      // (noeviction would answer OOM, the volatile-* policies would find nothing to evict).
      const writes = Math.ceil((maxmemory * 1.5) / filler.length);
      for (let index = 0; index < writes; index++)
        expect(await client.command("SET", `fill:${index}`, filler)).toBe("OK");
      const keys = Number(await client.command("DBSIZE"));
      expect(keys).toBeLessThan(writes);
      expect(keys * filler.length).toBeLessThanOrEqual(maxmemory);
    });

    it("persists through the append-only file", () => {
      expect(existsSync(path.join(server.dir, "appendonlydir"))).toBe(true);
    });
  },
);

describe.skipIf(!redisBinary.path)("Redis with maxmemoryPolicy noeviction", () => {
  const strict = repositoryStackConfig("dev");
  let noeviction: RedisServer;
  beforeAll(async () => {
    noeviction = await startRedis(
      { ...strict, redis: { ...strict.redis, maxmemoryMb: 16, maxmemoryPolicy: "noeviction" } },
      appPassword,
    );
  });
  afterAll(async () => {
    await noeviction?.stop();
  });

  it("refuses writes past maxmemory instead of evicting", async () => {
    const client = await RespClient.connect(noeviction.port);
    try {
      expect(await client.command("AUTH", redisAppUser, appPassword)).toBe("OK");
      const filler = "x".repeat(64 * 1024);
      let refused: unknown;
      for (let index = 0; index < 512 && refused === undefined; index++) {
        const reply = await client.command("SET", `fill:${index}`, filler);
        if (reply !== "OK") refused = reply;
      }
      expect(refused).toEqual({ error: expect.stringMatching(/^OOM/) });
      expect(await client.command("GET", "fill:0")).toBe(filler);
    } finally {
      client.close();
    }
  });
});
