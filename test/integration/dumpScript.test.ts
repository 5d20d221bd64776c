import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dumpToolsMissing,
  dumpToolsPath,
  postgres15BinDir,
  startPostgres15,
  type Postgres15Server,
} from "../support/postgres15Server";
import { s3rverEnv, startS3, type S3Server } from "../support/s3Server";
import { freePort } from "../support/processes";

/**
 * scripts/container/pgplat-backup.sh, the backup task's command, run for real:
 * Debian's PostgreSQL 15 server and pg_dump 15 (a matching pair; pg_dump 16 is
 * not installable here), Debian's AWS CLI (the package the image installs),
 * and s3rver on loopback as the bucket.
 */
const script = path.join(__dirname, "..", "..", "scripts", "container", "pgplat-backup.sh");
const kmsKey = "arn:aws:kms:eu-west-1:111122223333:key/0c1d2e3f-test";
const missing = dumpToolsMissing();

interface Manifest {
  format: string;
  runId: string;
  serverVersion: string;
  pgDumpVersion: string;
  files: { kind: string; database?: string; format: string; key: string; bytes: number; sha256: string }[];
}

let postgres: Postgres15Server;
let s3: S3Server;

function runBackup(
  runId: string,
  env: Record<string, string> = {},
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", [script], {
      env: {
        PATH: dumpToolsPath,
        HOME: tmpdir(),
        ...s3rverEnv,
        ...postgres.env,
        PGUSER: "backup",
        PGPASSWORD: "backup-pw",
        BACKUP_BUCKET: s3.bucket,
        BACKUP_PREFIX: "postgres",
        BACKUP_KMS_KEY_ID: kmsKey,
        BACKUP_S3_ENDPOINT: s3.endpoint,
        BACKUP_RUN_ID: runId,
        ...env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

const keysUnder = async (runId: string) =>
  (await s3.keys()).filter((key) => key.startsWith(`postgres/dumps/${runId}/`));
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe.skipIf(missing !== undefined)("pgplat-backup.sh against PostgreSQL 15 and an S3 server", () => {
  beforeAll(async () => {
    [postgres, s3] = await Promise.all([startPostgres15(), startS3()]);
    // The dumping role is no superuser, as on RDS: it reads through pg_read_all_data.
    await postgres.query("CREATE ROLE backup LOGIN PASSWORD 'backup-pw' IN ROLE pg_read_all_data");
    await postgres.query("CREATE ROLE app_owner");
    await postgres.query("CREATE DATABASE app OWNER app_owner");
    await postgres.query('CREATE DATABASE "odd ""name/db"');
    await postgres.query(
      "CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 50000) g",
      "app",
    );
    await postgres.query("CREATE TABLE odd (x text); INSERT INTO odd VALUES ('kept')", 'odd "name/db');
  });
  afterAll(async () => {
    await Promise.all([postgres?.stop(), s3?.stop()]);
  });

  it("dumps every database and the globals in custom format with SSE-KMS, and writes the manifest last with each size and SHA-256", async () => {
    const result = await runBackup("ok1");
    expect(result, result.stderr).toMatchObject({ status: 0 });
    expect(result.stderr).toContain("run ok1 complete: s3://pgplat-backups/postgres/dumps/ok1/manifest.json");
    const run = s3.puts.filter((put) => put.key.startsWith("postgres/dumps/ok1/"));
    expect(run.map((put) => put.key)).toEqual([
      "postgres/dumps/ok1/globals.sql",
      "postgres/dumps/ok1/app.dump",
      "postgres/dumps/ok1/odd%20%22name%2Fdb.dump",
      "postgres/dumps/ok1/postgres.dump",
      "postgres/dumps/ok1/manifest.json",
    ]);
    for (const put of run)
      expect(put.encryption).toEqual({
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": kmsKey,
      });

    const manifest = JSON.parse((await s3.object("postgres/dumps/ok1/manifest.json")).toString("utf8")) as Manifest;
    expect(manifest).toMatchObject({
      format: "pgplat-dump-manifest/1",
      runId: "ok1",
      serverVersion: expect.stringMatching(/^15\.\d+$/),
      pgDumpVersion: expect.stringMatching(/^15\.\d+$/),
    });
    expect(manifest.files.map(({ kind, database, format, key }) => ({ kind, database, format, key }))).toEqual([
      { kind: "globals", database: undefined, format: "plain", key: "postgres/dumps/ok1/globals.sql" },
      { kind: "database", database: "app", format: "custom", key: "postgres/dumps/ok1/app.dump" },
      {
        kind: "database",
        database: 'odd "name/db',
        format: "custom",
        key: "postgres/dumps/ok1/odd%20%22name%2Fdb.dump",
      },
      { kind: "database", database: "postgres", format: "custom", key: "postgres/dumps/ok1/postgres.dump" },
    ]);
    for (const file of manifest.files) {
      const bytes = await s3.object(file.key);
      expect({ key: file.key, bytes: bytes.length, sha256: sha256(bytes) }).toEqual({
        key: file.key,
        bytes: file.bytes,
        sha256: file.sha256,
      });
    }
    // The objects are what they claim: pg_restore reads the archive, the globals hold the roles without passwords.
    const dir = mkdtempSync(path.join(tmpdir(), "pgplat-dump-check-"));
    try {
      writeFileSync(path.join(dir, "app.dump"), await s3.object("postgres/dumps/ok1/app.dump"));
      const listing = await new Promise<string>((resolve, reject) => {
        const child = spawn(path.join(postgres15BinDir, "pg_restore"), ["--list", path.join(dir, "app.dump")]);
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.on("close", (status) =>
          status === 0 ? resolve(out) : reject(new Error(`pg_restore --list exited ${status}`)),
        );
      });
      expect(listing).toMatch(/TABLE DATA public orders admin/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const globals = (await s3.object("postgres/dumps/ok1/globals.sql")).toString("utf8");
    expect(globals).toContain("CREATE ROLE app_owner;");
    expect(globals).not.toMatch(/PASSWORD/);
  });

  it("fails a dump that dies midway with exit 1 and a clear message; that database's object is never completed and the run has no manifest", async () => {
    // pg_dump dies after it has streamed the header and several MiB of an earlier table: row-level security refuses the dumping role.
    await postgres.query("CREATE DATABASE zbroken");
    await postgres.query(
      "CREATE TABLE a_data AS SELECT g, md5(g::text) || md5((-g)::text) AS note FROM generate_series(1, 250000) g; CREATE TABLE z_secret (x int); ALTER TABLE z_secret ENABLE ROW LEVEL SECURITY; INSERT INTO z_secret VALUES (1)",
      "zbroken",
    );
    // S3's smallest part (5 MiB) instead of the script's 32 MiB, so this dump is already a multipart upload when it dies.
    const config = mkdtempSync(path.join(tmpdir(), "pgplat-aws-config-"));
    writeFileSync(path.join(config, "config"), "[default]\ns3 =\n  multipart_chunksize = 5MB\n");
    try {
      const result = await runBackup("midway", { AWS_CONFIG_FILE: path.join(config, "config") });
      expect(s3.multipartStarts).toContain("postgres/dumps/midway/zbroken.dump");
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /pgplat-backup: pg_dump failed \(exit 1\); s3:\/\/pgplat-backups\/postgres\/dumps\/midway\/zbroken\.dump was not completed and the run has no manifest: .*row-level security/,
      );
      expect(await keysUnder("midway")).toEqual([
        "postgres/dumps/midway/app.dump",
        "postgres/dumps/midway/globals.sql",
        "postgres/dumps/midway/odd%20%22name%2Fdb.dump",
        "postgres/dumps/midway/postgres.dump",
      ]);
    } finally {
      rmSync(config, { recursive: true, force: true });
      await postgres.query("DROP DATABASE zbroken");
    }
  });

  it("refuses a wrong password with exit 3 before writing anything", async () => {
    const result = await runBackup("badpw", { PGPASSWORD: "not-the-password" });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(
      /^pgplat-backup: cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ as backup: .*password authentication failed for user "backup"/,
    );
    expect(result.stderr).not.toContain("not-the-password");
    expect(await keysUnder("badpw")).toEqual([]);
  });

  it("refuses a missing bucket and an unreachable endpoint with exit 3 before dumping", async () => {
    const noBucket = await runBackup("nobucket", { BACKUP_BUCKET: "no-such-bucket" });
    expect(noBucket.status).toBe(3);
    expect(noBucket.stderr).toMatch(
      /^pgplat-backup: cannot reach bucket s3:\/\/no-such-bucket\/postgres\/: .*NoSuchBucket/,
    );
    const closedPort = await freePort();
    const unreachable = await runBackup("unreachable", {
      BACKUP_S3_ENDPOINT: `http://127.0.0.1:${closedPort}`,
      AWS_MAX_ATTEMPTS: "1",
    });
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).toMatch(
      /^pgplat-backup: cannot reach bucket s3:\/\/pgplat-backups\/postgres\/: .*Could not connect to the endpoint URL/,
    );
    expect([...(await keysUnder("nobucket")), ...(await keysUnder("unreachable"))]).toEqual([]);
  });

  it("sends the DumpSucceeded metric only after the manifest, and fails loudly when it cannot", async () => {
    // CloudWatch does not run here: a loopback stand-in answers PutMetricData and records what the AWS CLI sent.
    const received: { body: string; manifestWritten: boolean }[] = [];
    const cloudwatch: Server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        received.push({
          body,
          manifestWritten: s3.puts.some((put) => put.key === "postgres/dumps/metric/manifest.json"),
        });
        response.writeHead(200, { "content-type": "text/xml" });
        response.end(
          '<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></PutMetricDataResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => cloudwatch.listen(0, "127.0.0.1", resolve));
    try {
      const port = (cloudwatch.address() as { port: number }).port;
      const metricEnv = {
        BACKUP_METRIC_NAMESPACE: "pgplat",
        BACKUP_METRIC_STACK: "pgplat-prod",
        BACKUP_CLOUDWATCH_ENDPOINT: `http://127.0.0.1:${port}`,
      };
      const result = await runBackup("metric", metricEnv);
      expect(result, result.stderr).toMatchObject({ status: 0 });
      expect(received).toHaveLength(1);
      expect(received[0].manifestWritten).toBe(true);
      expect(Object.fromEntries(new URLSearchParams(received[0].body))).toMatchObject({
        Action: "PutMetricData",
        Namespace: "pgplat",
        "MetricData.member.1.MetricName": "DumpSucceeded",
        "MetricData.member.1.Dimensions.member.1.Name": "Stack",
        "MetricData.member.1.Dimensions.member.1.Value": "pgplat-prod",
        "MetricData.member.1.Value": "1",
        "MetricData.member.1.Unit": "Count",
      });
      const closedPort = await freePort();
      const unsent = await runBackup("metric2", {
        ...metricEnv,
        BACKUP_CLOUDWATCH_ENDPOINT: `http://127.0.0.1:${closedPort}`,
        AWS_MAX_ATTEMPTS: "1",
      });
      expect(unsent.status).toBe(1);
      expect(unsent.stderr).toContain(
        "pgplat-backup: run metric2 is complete, but the DumpSucceeded metric was not sent, so the missed-backup alarm will fire",
      );
      expect(await keysUnder("metric2")).toContain("postgres/dumps/metric2/manifest.json");
    } finally {
      await new Promise((resolve) => cloudwatch.close(resolve));
    }
  });

  it("names a missing setting with exit 2", async () => {
    const result = await runBackup("noenv", { BACKUP_KMS_KEY_ID: "" });
    expect(result).toEqual({ status: 2, stderr: "pgplat-backup: BACKUP_KMS_KEY_ID is not set\n" });
  });
});
