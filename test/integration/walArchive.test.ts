import { createHash } from "node:crypto";
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "../support/postgresServer";
import { waitFor } from "../support/processes";
import { repositoryStackConfig } from "../support/stackConfig";

let server: PostgresServer;

interface ArchiverStats {
  archived_count: string;
  last_archived_wal: string | null;
  failed_count: string;
  last_failed_wal: string | null;
}

beforeAll(async () => {
  server = await startPostgres(repositoryStackConfig("dev"));
  await server.query("create table wal_filler (id bigserial primary key, payload text)");
});
afterAll(async () => {
  await server?.stop();
});

const archiver = async () =>
  (
    await server.query<Record<string, unknown> & ArchiverStats>(
      "select archived_count, last_archived_wal, failed_count, last_failed_wal from pg_stat_archiver",
    )
  )[0];

async function writeWal(): Promise<void> {
  await server.query(
    "insert into wal_filler (payload) select repeat(md5(g::text), 20) from generate_series(1, 2000) g",
  );
}

/** The segment being written now (call after writing, so the position is inside it). */
async function currentSegment(): Promise<string> {
  const [row] = await server.query<{ segment: string }>("select pg_walfile_name(pg_current_wal_lsn()) as segment");
  return row.segment;
}

/** Writes some WAL and closes the current segment; returns the name of the segment it closed. */
async function writeAndSwitch(): Promise<string> {
  await writeWal();
  const segment = await currentSegment();
  await server.query("select pg_switch_wal()");
  return segment;
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const walFile = (segment: string) => path.join(server.root, "data", "pg_wal", segment);
const archivedFile = (segment: string) => path.join(server.archiveDir, segment);

describe("WAL archiving with the rendered archive_command", () => {
  it("archives every switched segment intact", async () => {
    const segments: string[] = [];
    for (let round = 0; round < 3; round++) segments.push(await writeAndSwitch());
    await waitFor("the segments to be archived", async () => {
      const stats = await archiver();
      if (stats.last_archived_wal !== segments.at(-1)) throw new Error(`last archived: ${stats.last_archived_wal}`);
    });
    for (const segment of segments) {
      expect(existsSync(archivedFile(segment)), segment).toBe(true);
      expect(sha256(archivedFile(segment)), segment).toBe(sha256(walFile(segment)));
    }
    expect(readdirSync(server.archiveDir).filter((name) => name.includes("partial"))).toEqual([]);
    expect(Number((await archiver()).failed_count)).toBe(0);
  });

  it("never overwrites a segment already in the archive, and archives it once the conflict is gone", async () => {
    await writeWal();
    const next = { segment: await currentSegment() };
    const planted = archivedFile(next.segment);
    writeFileSync(planted, "not this segment");
    chownSync(planted, server.user.uid, server.user.gid);
    const failuresBefore = Number((await archiver()).failed_count);
    await server.query("select pg_switch_wal()");
    await waitFor("the archiver to report the conflict", async () => {
      const stats = await archiver();
      if (Number(stats.failed_count) <= failuresBefore || stats.last_failed_wal !== next.segment)
        throw new Error(JSON.stringify(stats));
    });
    expect(readFileSync(planted, "utf8")).toBe("not this segment");

    rmSync(planted);
    await writeAndSwitch();
    await waitFor(
      "the conflicting segment to be archived",
      async () => {
        if (!existsSync(planted) || sha256(planted) !== sha256(walFile(next.segment)))
          throw new Error("not archived yet");
      },
      30_000,
    );
  });

  it("shows an unwritable archive as failures in pg_stat_archiver, then catches up once it is writable", async () => {
    const failuresBefore = Number((await archiver()).failed_count);
    chmodSync(server.archiveDir, 0o500);
    let blocked: string;
    try {
      blocked = await writeAndSwitch();
      await waitFor("archive failures", async () => {
        const stats = await archiver();
        if (Number(stats.failed_count) <= failuresBefore || stats.last_failed_wal !== blocked)
          throw new Error(JSON.stringify(stats));
      });
      expect(existsSync(archivedFile(blocked))).toBe(false);
    } finally {
      chmodSync(server.archiveDir, 0o700);
    }
    const after = await writeAndSwitch();
    await waitFor(
      "the archiver to catch up",
      async () => {
        if ((await archiver()).last_archived_wal !== after) throw new Error("not yet");
      },
      30_000,
    );
    for (const segment of [blocked, after]) expect(sha256(archivedFile(segment))).toBe(sha256(walFile(segment)));
  });
});
