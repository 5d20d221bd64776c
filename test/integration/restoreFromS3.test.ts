import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpToolsMissing, dumpToolsPath, startPostgres15, type Postgres15Server } from "../support/postgres15Server";
import { s3rverEnv, startS3, type S3Server } from "../support/s3Server";

/**
 * `restore --from-s3` (scripts/dumps/restoreFromS3.ts) for real: a run of the
 * real pgplat-backup against PostgreSQL 15 and s3rver, restored with
 * pg_restore 15 into new databases, and the refusals around it.
 */
const projectRoot = path.join(__dirname, "..", "..");
const backupScript = path.join(projectRoot, "scripts", "container", "pgplat-backup.sh");
const missing = dumpToolsMissing();

let postgres: Postgres15Server;
let s3: S3Server;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: projectRoot,
      env: {
        PATH: `${dumpToolsPath}:${path.dirname(process.execPath)}`,
        HOME: tmpdir(),
        // The run's private temp directory and ts-node's compile cache: without them node writes into /tmp.
        TMPDIR: tmpdir(),
        ...(process.env.V8_COMPILE_CACHE_CACHE_DIR && {
          V8_COMPILE_CACHE_CACHE_DIR: process.env.V8_COMPILE_CACHE_CACHE_DIR,
        }),
        ...s3rverEnv,
        ...postgres.env,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** `npm run -s restore -- --from-s3 …`: the restore CLI hands a dump restore to restoreFromS3Cli. */
function restore(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return run(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "scripts/backup.ts", "restore", ...args, "--endpoint-url", s3.endpoint],
    env,
  );
}

const manifestUrl = (runId: string) => `s3://pgplat-backups/postgres/dumps/${runId}/manifest.json`;
const databases = async () =>
  (await postgres.query("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname")).map(
    (row) => row.datname,
  );

describe.skipIf(missing !== undefined)("restore --from-s3 against PostgreSQL 15 and an S3 server", () => {
  beforeAll(async () => {
    [postgres, s3] = await Promise.all([startPostgres15(), startS3()]);
    await postgres.query("CREATE ROLE app_owner");
    await postgres.query("CREATE DATABASE app");
    await postgres.query(
      "CREATE TABLE orders (id int PRIMARY KEY, note text NOT NULL); INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 1000) g; ALTER TABLE orders OWNER TO app_owner",
      "app",
    );
    const backup = await run("bash", [backupScript], {
      BACKUP_BUCKET: s3.bucket,
      BACKUP_PREFIX: "postgres",
      BACKUP_KMS_KEY_ID: "alias/test",
      BACKUP_S3_ENDPOINT: s3.endpoint,
      BACKUP_RUN_ID: "run1",
    });
    if (backup.status !== 0) throw new Error(`the backup failed: ${backup.stderr}`);
  });
  afterAll(async () => {
    await Promise.all([postgres?.stop(), s3?.stop()]);
  });

  it("restores the run's only application database into a new database with the same rows and owner", async () => {
    const result = await restore(["--from-s3", manifestUrl("run1"), "--into", "app_restored"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^restore: app from run run1 \(s3:\/\/pgplat-backups\/postgres\/dumps\/run1\/manifest\.json\) restored into new database app_restored: \d+ bytes, SHA-256 verified\n$/,
    );
    expect(
      await postgres.query(
        "SELECT count(*)::int AS n, sum(id)::int AS total, max(note) AS last FROM orders",
        "app_restored",
      ),
    ).toEqual([{ n: 1000, total: 500500, last: "order 999" }]);
    expect(await postgres.query("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'", "app_restored")).toEqual(
      [{ tableowner: "app_owner" }],
    );
  });

  it("refuses to write into an existing database", async () => {
    const result = await restore(["--from-s3", manifestUrl("run1"), "--database", "app", "--into", "app"]);
    expect(result).toMatchObject({
      status: 1,
      stderr: "restore: database app already exists: restore only creates new databases (pick another --into)\n",
    });
    expect(await postgres.query("SELECT count(*)::int AS n FROM orders", "app")).toEqual([{ n: 1000 }]);
  });

  it("refuses a run without a manifest, and a dump URL instead of a manifest", async () => {
    const incomplete = await restore(["--from-s3", manifestUrl("never-finished"), "--into", "x1"]);
    expect(incomplete).toMatchObject({
      status: 1,
      stderr:
        "restore: no manifest at s3://pgplat-backups/postgres/dumps/never-finished/manifest.json: that run did not complete (or the URL is wrong), so it is not a backup\n",
    });
    const dumpUrl = await restore(["--from-s3", "s3://pgplat-backups/postgres/dumps/run1/app.dump", "--into", "x1"]);
    expect(dumpUrl.status).toBe(2);
    expect(dumpUrl.stderr).toContain("is not a run's manifest.json");
    expect(await databases()).not.toContain("x1");
  });

  it("refuses a dump whose bytes differ from the manifest, creating nothing", async () => {
    const tampered = await run(
      "aws",
      ["--endpoint-url", s3.endpoint, "s3", "cp", "-", "s3://pgplat-backups/postgres/dumps/run1/postgres.dump"],
      {},
    );
    expect(tampered.status).toBe(0);
    const result = await restore(["--from-s3", manifestUrl("run1"), "--database", "postgres", "--into", "x2"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^restore: s3:\/\/pgplat-backups\/postgres\/dumps\/run1\/postgres\.dump is 0 bytes with SHA-256 e3b0c442\w+, the manifest says \d+ bytes with \w{64}: refusing to restore it\n$/,
    );
    expect(await databases()).not.toContain("x2");
  });

  it("drops the database it created when pg_restore fails, and says why", async () => {
    // A login that may create databases but is no member of app_owner cannot restore ownership.
    await postgres.query("CREATE ROLE restorer LOGIN CREATEDB PASSWORD 'restorer-pw'");
    const asRestorer = { PGUSER: "restorer", PGPASSWORD: "restorer-pw" };
    const failed = await restore(
      ["--from-s3", manifestUrl("run1"), "--database", "app", "--into", "app_as_restorer"],
      asRestorer,
    );
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(
      /^restore: pg_restore into app_as_restorer failed and the database was dropped: .*must be member of role "app_owner".* \(the target lacks the source's roles: restore the run's globals\.sql first, or pass --no-owner\)\n$/,
    );
    expect(await databases()).not.toContain("app_as_restorer");
    const withoutOwners = await restore(
      ["--from-s3", manifestUrl("run1"), "--database", "app", "--into", "app_as_restorer", "--no-owner"],
      asRestorer,
    );
    expect(withoutOwners.status).toBe(0);
    expect(
      await postgres.query(
        "SELECT tableowner, (SELECT count(*)::int FROM orders) AS n FROM pg_tables WHERE tablename = 'orders'",
        "app_as_restorer",
      ),
    ).toEqual([{ tableowner: "restorer", n: 1000 }]);
  });

  it("reports a wrong password with exit 3 without creating anything", async () => {
    const result = await restore(["--from-s3", manifestUrl("run1"), "--into", "x3"], { PGPASSWORD: "wrong-password" });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(
      /^restore: cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ as admin: password authentication failed for user "admin"\n$/,
    );
    expect(result.stderr).not.toContain("wrong-password");
    expect(await databases()).not.toContain("x3");
  });

  it("names unknown arguments and missing required ones with exit 2", async () => {
    // Without --from-s3 it is a base-backup restore, which needs its own options.
    expect(
      await run(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "scripts/backup.ts", "restore", "--into", "x4"],
        {},
      ),
    ).toMatchObject({
      status: 2,
      stderr: "usage: give exactly one of --time <ISO 8601 with offset> and --latest\n",
    });
    expect(await restore(["--from-s3", "--into", "x4"])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/^restore: /),
    });
    expect(await restore(["--from-s3", manifestUrl("run1"), "--into", "x4", "--bogus"])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/^restore: unknown argument --bogus; usage: /),
    });
  });
});
