import { readdirSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { completeBackups } from "../../backups/repository";
import type { LocalOutputs } from "../../local/outputs";
import { readRun, runningServers } from "../../local/platform";
import { superuserConnection } from "../../local/postgres";
import { readLocalSecrets } from "../../local/secrets";
import { findStateDir } from "../../local/stateDir";
import { waitUntilReady } from "../../local/processes";
import {
  localStateRoot,
  queryOnce,
  runDrillCli,
  runLocalCli,
  stateExists,
  type LocalStateRoot,
} from "../support/localStack";

let root: LocalStateRoot;
beforeAll(() => {
  root = localStateRoot();
});
afterEach(async () => {
  await root?.stopAll();
});
afterAll(async () => {
  await root?.cleanup();
});

describe("npm run drill -- <stack> --local (the restore drill on a running local stack)", () => {
  it("restores the stack's own scheduled base backup and WAL archive, passes, and leaves the stack running with its data", async () => {
    const file = root.stackFile("local-drill", { target: "docker", postgres: { archiveTimeoutSeconds: 3 } });
    const start = await runLocalCli("start", [file, "--detach", "--json"], root);
    expect(start.status, start.stderr).toBe(0);
    const outputs = JSON.parse(start.stdout) as LocalOutputs;
    await queryOnce(outputs.connectionUris.app_user, "insert into app.customers (email, name) values ($1, $2)", [
      "grace@example.com",
      "Grace",
    ]);
    const state = findStateDir("local-drill", root.env);
    // The schedule's first base backup (taken at once on a cold start).
    await waitUntilReady(
      "the schedule's first base backup",
      async () => {
        if (completeBackups(state.backupsDir).length === 0) throw new Error("none yet");
      },
      120_000,
    );
    const [scheduled] = completeBackups(state.backupsDir);
    const serversBefore = readRun(state).servers;

    const drill = await runDrillCli([file, "--local"], root);
    expect(drill.status, `${drill.stdout}\n${drill.stderr}`).toBe(0);
    expect(drill.stdout).toContain(
      `drill: source: the local local-drill stack (PostgreSQL on 127.0.0.1:${outputs.postgres.port}`,
    );
    expect(drill.stdout).toContain(`the repository's newest base backup is ${scheduled.id}`);
    expect(drill.stdout).toMatch(new RegExp(`restored backup ${scheduled.id} to the target in [\\d.]+ s`));
    expect(drill.stdout).toContain("the stack keeps running");
    expect(drill.stdout).toContain("drill_rows is gone (the drop was replayed)");
    expect(drill.stdout).toMatch(/^drill: PASS$/m);
    // Restored from the stack's backup, not a new one.
    expect(completeBackups(state.backupsDir).map((backup) => backup.id)).toEqual([scheduled.id]);

    // The stack is as it was: the same servers, its data, and nothing of the drill's.
    expect(readRun(state).servers).toEqual(serversBefore);
    expect(runningServers(readRun(state))).toBeDefined();
    expect(await queryOnce(outputs.connectionUris.app_user, "select name from app.customers")).toEqual([
      { name: "Grace" },
    ]);
    const superuser = superuserConnection(outputs.postgres.port, readLocalSecrets(state.secretsFile).superuser);
    expect(await queryOnce(superuser, "select datname from pg_database where datname = 'pgplat_drill'")).toEqual([]);
    expect(readdirSync(state.real).filter((name) => name.startsWith("drill-"))).toEqual([]);
  }, 400_000);

  it("refuses a stack that is not running, naming how to start it", async () => {
    const file = root.stackFile("local-idle", { target: "docker" });
    const drill = await runDrillCli([file, "--local"], root);
    expect(drill.status).toBe(1);
    expect(drill.stderr).toContain(
      "drill: the local local-idle stack is not running: npm start -- local-idle --detach starts it",
    );
    expect(stateExists("local-idle", root)).toBe(false);
  }, 60_000);
});
