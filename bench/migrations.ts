/**
 * npm run bench:migrations [-- --files N]
 *
 * 1. Applies N (default 1,000) generated versioned files of typical DDL and
 *    DML to an empty PostgreSQL 16 database with the engine, and the same
 *    files to another empty database over one plain connection, each in its
 *    own transaction with no bookkeeping (the floor). Target: engine / floor ≤ 1.25.
 * 2. Times the provider's `diff` for 10,000 files (no database). Target ≤ 200 ms.
 */
import { Client } from "pg";
import { numberFlag, runBench } from "./cli";
import {
  migrationsProvider,
  type MigrationInput,
  type MigrationsOutputs,
} from "../components/database/migrationsProvider";
import { applyMigrations, parseMigration, type Migration } from "../migrations";
import { freshDatabase } from "../test/support/migrationFixtures";
import { startPostgres } from "../test/support/postgresServer";
import { repositoryStackConfig } from "../test/support/stackConfig";

const fileCount = numberFlag("--files", 1000);
const diffFileCount = 10_000;
const rounds = 5;

/** A rotating mix of what real migrations do: create, alter, index, backfill, constrain. */
function generatedFile(index: number): Migration {
  const table = `t${Math.floor(index / 5)}`;
  const body = [
    `create table ${table} (id bigint generated always as identity primary key, name text not null, amount numeric(12,2) not null default 0, created_at timestamptz not null default now());`,
    `alter table ${table} add column note_${index} text;\ninsert into ${table} (name, amount) select 'row ' || g, g from generate_series(1, 50) g;`,
    `create index ${table}_name on ${table} (name);`,
    `update ${table} set note_${index - 2} = 'backfilled' where amount > 25;\nalter table ${table} add constraint ${table}_amount_nonnegative check (amount >= 0);`,
    `create or replace view ${table}_totals as select count(*) as n, sum(amount) as total from ${table};\ncomment on table ${table} is 'generated ${index}';`,
  ][index % 5];
  return parseMigration(`V${String(index + 1).padStart(5, "0")}__step_${index + 1}.sql`, `${body}\n`, "versioned");
}

async function main(): Promise<number> {
  const files = Array.from({ length: fileCount }, (_, index) => generatedFile(index));
  const server = await startPostgres(repositoryStackConfig("dev"));
  try {
    // Alternate the two, each on a fresh database, so neither gets the warmer server. Commit
    // fsyncs make single runs vary by 2× on a shared VM, so each side's best run is compared.
    const floorRuns: number[] = [];
    const engineRuns: number[] = [];
    for (let round = 0; round < rounds; round++) {
      floorRuns.push(await floor(await freshDatabase(server), files));
      const started = performance.now();
      const result = await applyMigrations(await freshDatabase(server), files);
      engineRuns.push(performance.now() - started);
      if (result.applied.length !== files.length)
        throw new Error(`engine applied ${result.applied.length} of ${files.length} files`);
    }
    const floorMs = Math.min(...floorRuns);
    const engineMs = Math.min(...engineRuns);
    const ratio = engineMs / floorMs;
    const diffMs = await timeDiff();
    console.log(`files                   ${files.length}, ${rounds} alternating rounds, best of each`);
    console.log(`engine runs             ${engineRuns.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    console.log(`floor runs              ${floorRuns.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    console.log(
      `engine                  ${engineMs.toFixed(0)} ms (${(engineMs / files.length).toFixed(2)} ms per file)`,
    );
    console.log(`floor (plain, one txn per file, no bookkeeping) ${floorMs.toFixed(0)} ms`);
    console.log(`ratio engine/floor      ${ratio.toFixed(3)}  (target ≤ 1.25)  ${ratio <= 1.25 ? "PASS" : "FAIL"}`);
    console.log(
      `provider diff, ${diffFileCount} files  ${diffMs.toFixed(1)} ms  (target ≤ 200 ms)  ${diffMs <= 200 ? "PASS" : "FAIL"}`,
    );
    return ratio <= 1.25 && diffMs <= 200 ? 0 : 1;
  } finally {
    await server.stop();
  }
}

async function floor(connection: Parameters<typeof applyMigrations>[0], files: readonly Migration[]): Promise<number> {
  const client = new Client({ ...connection });
  await client.connect();
  try {
    const started = performance.now();
    for (const file of files) {
      await client.query("begin");
      await client.query(file.sql);
      await client.query("commit");
    }
    return performance.now() - started;
  } finally {
    await client.end();
  }
}

async function timeDiff(): Promise<number> {
  const inputs: MigrationInput[] = Array.from({ length: diffFileCount }, (_, index) => generatedFile(index));
  const olds: MigrationsOutputs = {
    migrations: inputs,
    connection: { host: "127.0.0.1", port: 5432, user: "u", password: "p", database: "d" },
    options: {},
    // Everything applied but the last ten files: the usual shape of a deploy.
    applied: inputs.slice(0, -10).map((file) => ({
      file: file.file,
      kind: file.kind,
      version: file.version ?? null,
      name: file.name,
      checksum: file.checksum,
    })),
  };
  const news = { migrations: inputs, connection: olds.connection, options: {} };
  await migrationsProvider.diff("id", olds, news);
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    const result = await migrationsProvider.diff("id", olds, news);
    runs.push(performance.now() - started);
    if (!result.changes) throw new Error("diff missed the pending files");
  }
  return median(runs);
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

runBench(main);
