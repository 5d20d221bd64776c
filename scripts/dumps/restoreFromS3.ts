/**
 * `npm run restore -- --from-s3 s3://<bucket>/<prefix>/dumps/<run>/manifest.json --into <new database> [--database <name>] [--no-owner] [--endpoint-url <url>]`
 *
 * Restores one database of a pgplat-backup run into a NEW database with
 * pg_restore. Only a run with a manifest is a backup: the dump is downloaded,
 * its size and SHA-256 checked against the manifest, and only then is the
 * target database created and restored in one transaction. A failed restore
 * drops the database it created; an existing database is never written to.
 * PostgreSQL is reached with the libpq variables (PGHOST, PGPORT, PGUSER,
 * PGPASSWORD, PGSSLMODE); S3 through the AWS CLI, as the backup task does.
 * Exit: 0 restored; 1 refused or failed; 2 bad arguments; 3 S3 or PostgreSQL unreachable.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseDumpManifest, pickDatabaseDump, type DumpFile, type DumpManifest } from "./manifest";

export interface RestoreFromS3Options {
  /** s3://bucket/key of the run's manifest (or the run's prefix, ending in /). */
  readonly manifestUrl: { readonly bucket: string; readonly key: string };
  /** The new database to create and restore into. */
  readonly into: string;
  /** Which database of the run. @default the run's only database besides postgres */
  readonly database?: string;
  /** Restore without owners and privileges, for a server without the source's roles. @default false */
  readonly noOwner: boolean;
  /** An S3-compatible endpoint instead of AWS. @default none */
  readonly endpointUrl?: string;
}

/** A one-line refusal with its exit code. */
class RestoreError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3,
  ) {
    super(message);
  }
}

const usage =
  "usage: --from-s3 s3://<bucket>/<prefix>/dumps/<run>/manifest.json --into <new database> [--database <name>] [--no-owner] [--endpoint-url <url>]";

/** Parses the CLI arguments (the ones after `npm run restore --`). */
export function parseRestoreFromS3Args(args: readonly string[]): RestoreFromS3Options {
  const values = new Map<string, string>();
  let noOwner = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === "--no-owner") {
      noOwner = true;
      continue;
    }
    if (!["--from-s3", "--into", "--database", "--endpoint-url"].includes(arg))
      throw new RestoreError(`unknown argument ${arg}; ${usage}`, 2);
    const value = args[++index];
    if (value === undefined || value.startsWith("--")) throw new RestoreError(`${arg} needs a value; ${usage}`, 2);
    values.set(arg, value);
  }
  const url = values.get("--from-s3");
  const into = values.get("--into");
  if (url === undefined || into === undefined) throw new RestoreError(`--from-s3 and --into are required; ${usage}`, 2);
  if (Buffer.byteLength(into) > 63)
    throw new RestoreError(`--into ${into} is longer than PostgreSQL's 63-byte identifier limit`, 2);
  return {
    manifestUrl: manifestLocation(url),
    into,
    database: values.get("--database"),
    noOwner,
    endpointUrl: values.get("--endpoint-url"),
  };
}

function manifestLocation(url: string): RestoreFromS3Options["manifestUrl"] {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new RestoreError(`--from-s3 ${url} is not an s3://bucket/key URL`, 2);
  const [, bucket, key] = match;
  if (key.endsWith("/")) return { bucket, key: `${key}manifest.json` };
  if (!key.endsWith("/manifest.json"))
    throw new RestoreError(
      `--from-s3 ${url} is not a run's manifest.json: a dump is restored through its manifest, which proves it is complete`,
      2,
    );
  return { bucket, key };
}

/** The CLI: returns the exit code and prints its own one-line messages. */
export async function restoreFromS3Cli(args: readonly string[]): Promise<number> {
  try {
    const options = parseRestoreFromS3Args(args.filter((arg) => arg !== "--"));
    const summary = await restoreFromS3(options);
    console.log(summary);
    return 0;
  } catch (error) {
    if (error instanceof RestoreError) {
      console.error(`restore: ${error.message}`);
      return error.exitCode;
    }
    console.error(`restore: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

export async function restoreFromS3(options: RestoreFromS3Options): Promise<string> {
  const { bucket, key } = options.manifestUrl;
  const manifest = await readManifest(options);
  const dump = pickOrRefuse(manifest, options.database);
  if (dump.format !== "custom") throw new RestoreError(`${dump.key} is not a custom-format dump`, 1);
  const work = mkdtempSync(path.join(tmpdir(), "pgplat-restore-"));
  try {
    const file = path.join(work, "dump");
    const download = await run("aws", [
      ...endpointArgs(options),
      "s3",
      "cp",
      `s3://${bucket}/${dump.key}`,
      file,
      "--only-show-errors",
    ]);
    if (download.status !== 0)
      throw new RestoreError(`cannot download s3://${bucket}/${dump.key}: ${oneLine(download.stderr)}`, 3);
    const actual = await sizeAndDigest(file);
    if (actual.bytes !== dump.bytes || actual.sha256 !== dump.sha256) {
      throw new RestoreError(
        `s3://${bucket}/${dump.key} is ${actual.bytes} bytes with SHA-256 ${actual.sha256}, the manifest says ${dump.bytes} bytes with ${dump.sha256}: refusing to restore it`,
        1,
      );
    }
    await createTarget(options.into);
    const restore = await run("pg_restore", [
      "--exit-on-error",
      "--single-transaction",
      `--dbname=${conninfoDatabase(options.into)}`,
      ...(options.noOwner ? ["--no-owner", "--no-acl"] : []),
      file,
    ]);
    if (restore.status !== 0) {
      await dropTarget(options.into);
      const hint =
        !options.noOwner && /must be member of role|role .* does not exist/.test(restore.stderr)
          ? " (the target lacks the source's roles: restore the run's globals.sql first, or pass --no-owner)"
          : "";
      throw new RestoreError(
        `pg_restore into ${options.into} failed and the database was dropped: ${oneLine(restore.stderr)}${hint}`,
        1,
      );
    }
    return `restore: ${dump.database} from run ${manifest.runId} (s3://${bucket}/${key}) restored into new database ${options.into}: ${dump.bytes} bytes, SHA-256 verified`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function readManifest(options: RestoreFromS3Options): Promise<DumpManifest> {
  const { bucket, key } = options.manifestUrl;
  const fetched = await run("aws", [...endpointArgs(options), "s3", "cp", `s3://${bucket}/${key}`, "-"]);
  if (fetched.status !== 0) {
    if (/\b404\b|Not Found|NoSuchKey/i.test(fetched.stderr))
      throw new RestoreError(
        `no manifest at s3://${bucket}/${key}: that run did not complete (or the URL is wrong), so it is not a backup`,
        1,
      );
    throw new RestoreError(`cannot read s3://${bucket}/${key}: ${oneLine(fetched.stderr)}`, 3);
  }
  try {
    return parseDumpManifest(fetched.stdout);
  } catch (error) {
    throw new RestoreError(`s3://${bucket}/${key}: ${(error as Error).message}`, 1);
  }
}

function pickOrRefuse(manifest: DumpManifest, database: string | undefined): DumpFile {
  try {
    return pickDatabaseDump(manifest, database);
  } catch (error) {
    throw new RestoreError((error as Error).message, 1);
  }
}

/** Creates the target; an existing database is refused, never restored into. */
async function createTarget(database: string): Promise<void> {
  await withAdmin(async (client) => {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (existing.rowCount !== 0)
      throw new RestoreError(
        `database ${database} already exists: restore only creates new databases (pick another --into)`,
        1,
      );
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } catch (error) {
      throw new RestoreError(`cannot create database ${database}: ${(error as Error).message}`, 1);
    }
  });
}

async function dropTarget(database: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`));
}

async function withAdmin<T>(work: (client: import("pg").Client) => Promise<T>): Promise<T> {
  const { Client } = require("pg") as typeof import("pg");
  // libpq's variables; the maintenance database is PGDATABASE or postgres.
  const client = new Client({ database: process.env.PGDATABASE ?? "postgres" });
  try {
    await client.connect();
  } catch (error) {
    throw new RestoreError(
      `cannot connect to PostgreSQL at ${process.env.PGHOST ?? "localhost"}:${process.env.PGPORT ?? "5432"} as ${process.env.PGUSER ?? "the current user"}: ${(error as Error).message}`,
      3,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A conninfo naming just the database; the rest comes from the libpq variables. */
function conninfoDatabase(name: string): string {
  return `dbname='${name.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function endpointArgs(options: RestoreFromS3Options): string[] {
  return options.endpointUrl ? ["--endpoint-url", options.endpointUrl] : [];
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}

function sizeAndDigest(file: string): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    let bytes = 0;
    createReadStream(file)
      .on("data", (chunk: string | Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      })
      .on("error", reject)
      .on("end", () => resolve({ bytes, sha256: hash.digest("hex") }));
  });
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => resolve({ status: 127, stdout, stderr: `${command}: ${error.message}` }));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
