import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInLogins, groupRoles, pgbouncerAdminUser } from "../../config";
import { scramSha256Secret } from "../../components/database/scram";
import { userlistUsers } from "../../config";
import { pgbouncerBinary, startPgbouncer, type PgbouncerServer } from "../support/pgbouncerServer";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { repositoryStackConfig } from "../support/stackConfig";

const config = repositoryStackConfig("dev");
const database = config.postgres.database;
/** Plaintext passwords, known only to the test clients (like the apps that hold the connection URIs). */
const passwords = new Map(
  [...builtInLogins.map((login) => login.name), pgbouncerAdminUser].map((user) => [
    user,
    `Pw${randomBytes(12).toString("hex")}`,
  ]),
);
/** One random salt per user, so the role and the userlist share one verifier, as in the Credentials component. */
const verifiers = new Map(
  [...passwords].map(([user, password]) => [user, scramSha256Secret({ password, salt: randomBytes(16) })]),
);
const verifier = (user: string) => verifiers.get(user)!;

let postgres: PostgresServer;
let pgbouncer: PgbouncerServer;

describe.skipIf(!pgbouncerBinary.path)(
  `PgBouncer (OS package) with the rendered pgbouncer.ini and userlist.txt ${pgbouncerBinary.path ? "" : `— SKIPPED: ${pgbouncerBinary.skipReason}`}`,
  () => {
    beforeAll(async () => {
      postgres = await startPostgres(config);
      await postgres.query(`create database ${database}`);
      // The roles as the roles component creates them: groups, then logins whose password is pgplat's SCRAM verifier.
      for (const group of groupRoles)
        await postgres.query(
          `create role ${group.name} nologin ${group.memberOf.length ? `in role ${group.memberOf.join(", ")}` : ""}`,
        );
      for (const login of builtInLogins)
        await postgres.query(
          `create role ${login.name} login password '${verifier(login.name)}' in role ${login.memberOf.join(", ")}`,
        );
      const entries = userlistUsers(config).map((user) => ({ user, scramSecret: verifier(user) }));
      pgbouncer = await startPgbouncer(config, postgres.port, entries);
    });
    afterAll(async () => {
      await pgbouncer?.stop();
      await postgres?.stop();
    });

    const client = (user: string, password = passwords.get(user)) =>
      new Client({
        host: "127.0.0.1",
        port: pgbouncer.port,
        user,
        password,
        database,
        connectionTimeoutMillis: 10_000,
      });

    it("lets a SCRAM login through to PostgreSQL without holding its plaintext password", async () => {
      const app = client("app_user");
      await app.connect();
      try {
        const { rows } = await app.query<{ user: string; db: string }>(
          "select current_user as user, current_database() as db",
        );
        expect(rows).toEqual([{ user: "app_user", db: database }]);
      } finally {
        await app.end();
      }
    });

    it("refuses a wrong password", async () => {
      const intruder = client("app_user", "wrong-password");
      await expect(intruder.connect()).rejects.toThrow(/password authentication failed|SASL|authentication/i);
    });

    it("refuses a user that is not in the userlist", async () => {
      const stranger = client("app_migrator", "anything");
      await expect(stranger.connect()).rejects.toThrow();
    });

    it("gives the stats user and the admin the console", async () => {
      for (const user of ["app_monitoring", pgbouncerAdminUser]) {
        const console = new Client({
          host: "127.0.0.1",
          port: pgbouncer.port,
          user,
          password: passwords.get(user),
          database: "pgbouncer",
        });
        await console.connect();
        try {
          const { rows } = await console.query({ text: "SHOW POOLS", queryMode: "simple" } as never);
          expect(Array.isArray(rows)).toBe(true);
        } finally {
          await console.end();
        }
      }
    });

    it("runs the same way from the Fargate task's start script, with ini and userlist from the environment", async () => {
      const fargate = await startPgbouncer(
        config,
        postgres.port,
        userlistUsers(config).map((user) => ({ user, scramSecret: verifier(user) })),
        "fargate-start-script",
      );
      try {
        const app = new Client({
          host: "127.0.0.1",
          port: fargate.port,
          user: "app_user",
          password: passwords.get("app_user"),
          database,
        });
        await app.connect();
        try {
          expect((await app.query("select current_user as user")).rows).toEqual([{ user: "app_user" }]);
        } finally {
          await app.end();
        }
      } finally {
        await fargate.stop();
      }
    });

    it("serves many concurrent clients with at most the pool size of server connections", async () => {
      const clients = 200;
      const poolSize = config.pgbouncer.defaultPoolSize + config.pgbouncer.reservePoolSize;
      let peak = 0;
      // One sample at a time, awaited before the test ends: one still connected when the server stops would fail the next file.
      let sampling: Promise<void> | undefined;
      const sample = setInterval(() => {
        sampling ??= postgres
          .query<{ n: string }>(
            `select count(*) as n from pg_stat_activity where datname = '${database}' and usename = 'app_user'`,
          )
          .then(
            (rows) => void (peak = Math.max(peak, Number(rows[0].n))),
            () => undefined,
          )
          .finally(() => (sampling = undefined));
      }, 50);
      try {
        const results = await Promise.all(
          Array.from({ length: clients }, async (_, index) => {
            const app = client("app_user");
            await app.connect();
            try {
              const { rows } = await app.query<{ n: number }>("select $1::int as n from pg_sleep(0.05)", [index]);
              return rows[0].n;
            } finally {
              await app.end();
            }
          }),
        );
        expect(results).toEqual(Array.from({ length: clients }, (_, index) => index));
      } finally {
        clearInterval(sample);
        await sampling;
      }
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(poolSize);
    });
  },
);
