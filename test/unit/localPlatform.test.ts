import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loginRoles, rolePlan } from "../../config";
import { localOutputs } from "../../local/outputs";
import { removeStateDir, stateLayout, stateRoot } from "../../local/stateDir";
import { loadLocalStack } from "../../local/stackConfig";
import { stackConfig } from "../support/stackConfig";

describe("rolePlan (shared by the Pulumi roles component and npm start)", () => {
  it("lists the group roles, then each login with its memberships; only read-write logins carry session limits", () => {
    const limits = { statementTimeoutMs: 30000, idleInTransactionTimeoutMs: 60000 };
    expect(
      rolePlan(
        loginRoles([
          { name: "analyst", kind: "readonly" },
          { name: "worker", kind: "readwrite" },
        ]),
        limits,
      ),
    ).toEqual([
      { name: "app_owner", login: false, memberOf: [] },
      { name: "app_readwrite", login: false, memberOf: [] },
      { name: "app_readonly", login: false, memberOf: [] },
      { name: "app_monitor", login: false, memberOf: ["pg_monitor"] },
      { name: "app_migrator", login: true, memberOf: ["app_owner"] },
      { name: "app_user", login: true, memberOf: ["app_readwrite"], sessionLimits: limits },
      { name: "app_reporting", login: true, memberOf: ["app_readonly"] },
      { name: "app_monitoring", login: true, memberOf: ["app_monitor"] },
      { name: "analyst", login: true, memberOf: ["app_readonly"] },
      { name: "worker", login: true, memberOf: ["app_readwrite"], sessionLimits: limits },
    ]);
  });
});

describe("localOutputs", () => {
  it("has the stack outputs' shape: pooled logins through PgBouncer, the migrator direct, Redis as the app user", () => {
    const credential = (password: string) => ({ password, scramSecret: "unused" });
    const secrets = {
      superuser: "S",
      redis: "R/1",
      redisMonitor: "M",
      logins: {
        app_migrator: credential("a"),
        app_user: credential("b"),
        app_reporting: credential("c"),
        app_monitoring: credential("d"),
      },
    };
    expect(localOutputs(stackConfig(), "127.0.0.1", { postgres: 5001, pgbouncer: 5002, redis: 5003 }, secrets)).toEqual(
      {
        target: "local",
        postgres: { host: "127.0.0.1", port: 5001 },
        pooler: { host: "127.0.0.1", port: 5002, kind: "pgbouncer" },
        pgbouncer: { host: "127.0.0.1", port: 5002 },
        redis: { host: "127.0.0.1", port: 5003 },
        connectionUris: {
          app_migrator: "postgresql://app_migrator:a@127.0.0.1:5001/app",
          app_user: "postgresql://app_user:b@127.0.0.1:5002/app",
          app_reporting: "postgresql://app_reporting:c@127.0.0.1:5002/app",
          app_monitoring: "postgresql://app_monitoring:d@127.0.0.1:5002/app",
        },
        redisUri: "redis://app:R%2F1@127.0.0.1:5003/0",
        redisMonitorUri: "redis://monitor:M@127.0.0.1:5003/0",
      },
    );
  });
});

describe("local state", () => {
  it("lives in PGPLAT_LOCAL_STATE when set, else the project's .pgplat-local/", () => {
    expect(stateRoot({ PGPLAT_LOCAL_STATE: "/srv/state" })).toBe("/srv/state");
    expect(stateRoot({})).toMatch(/\/\.pgplat-local$/);
  });

  it("keeps data, WAL archive, backups, configs, logs and secrets apart under the stack's directory", () => {
    const layout = stateLayout("dev", "/p/.pgplat-local/dev", "/var/lib/pgplat/local-x/dev");
    expect(layout).toMatchObject({
      dir: "/p/.pgplat-local/dev",
      dataDir: "/var/lib/pgplat/local-x/dev/postgres/data",
      walArchiveDir: "/var/lib/pgplat/local-x/dev/wal-archive",
      backupsDir: "/var/lib/pgplat/local-x/dev/backups",
      secretsFile: "/var/lib/pgplat/local-x/dev/secrets.json",
    });
  });

  it("deletes a stack kept outside the checkout with its link, and the checkout's directory there with its last stack", () => {
    const base = mkdtempSync(path.join(tmpdir(), "state-"));
    try {
      const reachable = path.join(base, "var-lib-pgplat", "local-x");
      const stack = (name: string) => {
        mkdirSync(path.join(reachable, name, "postgres"), { recursive: true });
        mkdirSync(path.join(base, "checkout"), { recursive: true });
        symlinkSync(path.join(reachable, name), path.join(base, "checkout", name));
        return stateLayout(name, path.join(base, "checkout", name), path.join(reachable, name));
      };
      const [dev, other] = [stack("dev"), stack("dev-alice")];
      removeStateDir(dev);
      expect([existsSync(dev.dir), existsSync(dev.real), readdirSync(reachable)]).toEqual([
        false,
        false,
        ["dev-alice"],
      ]);
      removeStateDir(other);
      expect(existsSync(reachable)).toBe(false);
      expect(readdirSync(path.join(base, "checkout"))).toEqual([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe("loadLocalStack", () => {
  it("reads the repository's dev stack and runs a new dev-<name> stack from the dev template", () => {
    expect(loadLocalStack("dev")).toMatchObject({ ok: true, stack: "dev" });
    expect(loadLocalStack("dev-alice")).toMatchObject({ ok: true, stack: "dev-alice" });
  });

  it("refuses an unknown stack and a bad stack name as usage problems", () => {
    expect(loadLocalStack("staging")).toMatchObject({
      ok: false,
      exitCode: 2,
      message: expect.stringContaining("No stack file Pulumi.staging.yaml"),
    });
    expect(loadLocalStack("Dev_1")).toMatchObject({ ok: false, exitCode: 2 });
  });
});
