import {
  closeSync,
  cpSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestFileName, readManifest } from "../../backups/manifest";
import { backupCli, startBackupCli } from "../support/backupCli";
import { startPostgres, superuser, type PostgresServer } from "../support/postgresServer";
import { removeDir, serverTempDir, waitFor } from "../support/processes";
import { stackConfig } from "../support/stackConfig";

const config = stackConfig({ postgres: { archiveTimeoutSeconds: 2 } });
const utcNow = `to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

let source: PostgresServer;
let url: string;
let repo: string;
let pgdata: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  source = await startPostgres(config);
  url = `postgresql://${superuser}:${encodeURIComponent(source.superuserPassword)}@127.0.0.1:${source.port}/postgres`;
  repo = path.join(source.root, "backups");
  pgdata = path.join(source.root, "data");
  await source.query("create table items (id int primary key, note text not null)");
  await source.query("insert into items select g, 'before the backup' from generate_series(1, 1000) g");
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await source?.stop();
});

async function switchAndArchive(server: PostgresServer): Promise<string> {
  const [{ segment }] = await server.query<{ segment: string }>("select pg_walfile_name(pg_switch_wal()) as segment");
  await waitFor(`${segment} archived`, async () => {
    if (!existsSync(path.join(server.archiveDir, segment))) throw new Error("not yet");
  });
  return segment;
}

function newRoot(label: string): string {
  const root = serverTempDir(source.user, label);
  cleanups.push(() => removeDir(root));
  return root;
}

async function bootRestored(root: string): Promise<PostgresServer> {
  const server = await startPostgres(config, { restored: { root, superuserPassword: source.superuserPassword } });
  cleanups.push(() => server.stop());
  await waitFor(
    "promotion",
    async () => {
      if ((await server.query<{ r: boolean }>("select pg_is_in_recovery() as r"))[0].r) throw new Error("in recovery");
    },
    60_000,
  );
  return server;
}

function take(): string {
  const result = backupCli(["take", "--database-url", url, "--pgdata", pgdata, "--repo", repo]);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return /^backup (\S+) complete/.exec(result.stdout)![1];
}

describe("backup and restore through the CLI", () => {
  let first: string;

  it("takes a base backup whose manifest lists every file with its checksum and the WAL it needs", () => {
    first = take();
    const manifest = readManifest(path.join(repo, first));
    expect(manifest).toMatchObject({ id: first, status: "complete", timeline: 1, pgVersionNum: expect.any(Number) });
    expect(manifest.files.map((file) => file.path)).toEqual(
      expect.arrayContaining(["PG_VERSION", "global/pg_control", "postgresql.auto.conf"]),
    );
    expect(
      manifest.files.map((file) => file.path).some((file) => file.startsWith("pg_wal/") || file === "postmaster.pid"),
    ).toBe(false);
    expect(manifest.directories).toEqual(expect.arrayContaining(["pg_wal", "pg_replslot", "pg_stat_tmp"]));
    expect(manifest.backupLabel).toMatch(/^START WAL LOCATION: .* \(file 00000001/);
    // The segment pg_backup_stop waited for is in the archive.
    expect(existsSync(path.join(source.archiveDir, manifest.endWalSegment))).toBe(true);
  });

  it("lists backups as one JSON array without secrets", () => {
    const result = backupCli(["list", "--repo", repo, "--json"]);
    expect(result.status).toBe(0);
    const list = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: first,
      status: "complete",
      timeline: 1,
      startLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/),
      endLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/),
    });
    expect(Date.parse(list[0].endTime as string)).toBeGreaterThanOrEqual(Date.parse(list[0].startTime as string));
    expect(result.stdout).not.toContain(source.superuserPassword);
  });

  it("verifies the backup and the WAL after it", async () => {
    await switchAndArchive(source);
    const result = backupCli(["verify", "--repo", repo, "--wal-archive", source.archiveDir]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^${first}: ok \\(\\d+ files; WAL 00000001\\w+\\.\\.00000001\\w+, \\d+ segments\\)`),
    );
  });

  it("restores to a time between two commits into a new directory with mode 0700, owned by the server's user", async () => {
    await source.query("insert into items values (1001, 'before the target')");
    const [{ now: target }] = await source.query<{ now: string }>(`select ${utcNow} as now`);
    await source.query("insert into items values (1002, 'after the target')");
    await switchAndArchive(source);
    const root = newRoot("restore-time");
    const into = path.join(root, "data");
    const result = backupCli([
      "restore",
      "--repo",
      repo,
      "--wal-archive",
      source.archiveDir,
      "--into",
      into,
      "--time",
      target.replace("Z", "+00:00"),
    ]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(statSync(into).mode & 0o777).toBe(0o700);
    expect(statSync(into).uid).toBe(source.user.uid);
    expect(statSync(path.join(into, "global", "pg_control")).uid).toBe(source.user.uid);
    const restored = await bootRestored(root);
    expect(await restored.query("select id, note from items where id > 999 order by id")).toEqual([
      { id: 1000, note: "before the backup" },
      { id: 1001, note: "before the target" },
    ]);
    // Promoted on a new timeline, archiving into its own archive, never the source's.
    expect(readdirSync(source.archiveDir).filter((name) => name.endsWith(".history"))).toEqual([]);
  });

  it("refuses a target before the backup's end, a directory with files, and a time without an offset", () => {
    const manifest = readManifest(path.join(repo, first));
    const early = backupCli([
      "restore",
      "--repo",
      repo,
      "--wal-archive",
      source.archiveDir,
      "--into",
      path.join(newRoot("early"), "data"),
      "--time",
      manifest.startTime,
      "--backup",
      first,
    ]);
    expect(early.status).toBe(1);
    expect(early.stderr).toBe(
      `backup ${first} ended at ${manifest.endTime}; a target before its end cannot be reached from it\n`,
    );
    const busy = newRoot("busy");
    writeFileSync(path.join(busy, "PG_VERSION"), "16\n");
    const nonEmpty = backupCli([
      "restore",
      "--repo",
      repo,
      "--wal-archive",
      source.archiveDir,
      "--into",
      busy,
      "--latest",
    ]);
    expect(nonEmpty.status).toBe(1);
    expect(nonEmpty.stderr).toBe(`${busy} is not empty; restore only writes into a new or empty directory\n`);
    expect(readdirSync(busy)).toEqual(["PG_VERSION"]);
    const local = backupCli([
      "restore",
      "--repo",
      repo,
      "--wal-archive",
      source.archiveDir,
      "--into",
      path.join(busy, "x"),
      "--time",
      "2026-11-30T14:05:00",
    ]);
    expect(local.status).toBe(2);
    expect(local.stderr).toMatch(/^usage: --time 2026-11-30T14:05:00 is not an ISO 8601 time with an offset/);
  });

  it("refuses, naming it, when a WAL segment is missing, and leaves nothing behind", async () => {
    await source.query("insert into items values (1003, 'later')");
    await switchAndArchive(source);
    await switchAndArchive(source);
    const broken = newRoot("broken-archive");
    cpSync(source.archiveDir, path.join(broken, "wal"), { recursive: true });
    const manifest = readManifest(path.join(repo, first));
    const segments = readdirSync(path.join(broken, "wal"))
      .filter((name) => /^[0-9A-F]{24}$/.test(name) && name > manifest.endWalSegment)
      .sort();
    const removed = segments[0];
    unlinkSync(path.join(broken, "wal", removed));
    const into = path.join(broken, "restored");
    const result = backupCli([
      "restore",
      "--repo",
      repo,
      "--wal-archive",
      path.join(broken, "wal"),
      "--into",
      into,
      "--latest",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `WAL segment ${removed} is missing from the archive, but ${segments[1]} exists after it: replay would stop at the gap\n`,
    );
    expect(existsSync(into)).toBe(false);
    const verify = backupCli(["verify", "--repo", repo, "--wal-archive", path.join(broken, "wal")]);
    expect(verify.status).toBe(1);
    expect(verify.stderr).toBe(`verify failed: backup ${first}: WAL segment ${removed}: missing from the archive\n`);
    // A segment the backup itself needs.
    unlinkSync(path.join(broken, "wal", manifest.startWalSegment));
    const consistency = backupCli([
      "restore",
      "--repo",
      repo,
      "--wal-archive",
      path.join(broken, "wal"),
      "--into",
      into,
      "--latest",
    ]);
    expect(consistency.stderr).toMatch(
      new RegExp(`^WAL segment ${manifest.startWalSegment} is missing from the archive; backup ${first} needs`),
    );
  });

  it("names the damaged file when a byte of the backup flips, and refuses to restore it", () => {
    const damaged = newRoot("damaged");
    cpSync(repo, path.join(damaged, "repo"), { recursive: true });
    const manifest = readManifest(path.join(repo, first));
    const victim = manifest.files.find((file) => file.path.startsWith("base/") && file.size > 8192)!;
    const stored = path.join(damaged, "repo", first, "data", `${victim.path}.gz`);
    const descriptor = openSync(stored, "r+");
    const byte = Buffer.alloc(1);
    const offset = Math.floor(statSync(stored).size / 2);
    readSync(descriptor, byte, 0, 1, offset);
    byte[0] ^= 0x10;
    writeSync(descriptor, byte, 0, 1, offset);
    closeSync(descriptor);
    const result = backupCli([
      "verify",
      "--repo",
      path.join(damaged, "repo"),
      "--wal-archive",
      source.archiveDir,
      "--backup",
      first,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`verify failed: backup ${first}: ${victim.path}: damaged (stored checksum mismatch)\n`);
    const restore = backupCli([
      "restore",
      "--repo",
      path.join(damaged, "repo"),
      "--wal-archive",
      source.archiveDir,
      "--into",
      path.join(damaged, "restored"),
      "--latest",
    ]);
    expect(restore.status).toBe(1);
    expect(existsSync(path.join(damaged, "restored"))).toBe(false);
  });

  it("follows a timeline switch: a failover's new timeline in the same archive is replayed", async () => {
    // A standby restored from the backup takes over and archives into the same archive, as after a failover.
    const standbyRoot = newRoot("failover");
    symlinkSync(source.archiveDir, path.join(standbyRoot, "archive"));
    const restored = backupCli([
      "restore",
      "--repo",
      repo,
      "--wal-archive",
      source.archiveDir,
      "--into",
      path.join(standbyRoot, "data"),
      "--latest",
    ]);
    expect(restored.status).toBe(0);
    const promoted = await bootRestored(standbyRoot);
    await promoted.query("insert into items values (2001, 'on timeline 2')");
    await waitFor("00000002.history archived", async () => {
      if (!existsSync(path.join(source.archiveDir, "00000002.history"))) throw new Error("not yet");
    });
    await switchAndArchive(promoted);
    const root = newRoot("across-timelines");
    const result = backupCli([
      "restore",
      "--repo",
      repo,
      "--wal-archive",
      source.archiveDir,
      "--into",
      path.join(root, "data"),
      "--latest",
      "--backup",
      first,
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/on timeline 2 to the end of the archive/);
    const again = await bootRestored(root);
    expect(await again.query("select id from items where id > 1000 order by id")).toEqual([
      { id: 1001 },
      { id: 1002 },
      { id: 1003 },
      { id: 2001 },
    ]);
    expect(backupCli(["verify", "--repo", repo, "--wal-archive", source.archiveDir, "--backup", first]).status).toBe(0);
  });
});

describe("usage and failures", () => {
  it("answers --help with exit 0 and an unknown option with exit 2 and one line", () => {
    const help = backupCli(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/npm run -s backup -- take/);
    const unknown = backupCli(["list", "--repo", repo, "--colour"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe("usage: unknown option --colour\n");
  });

  it("fails with one line and no secret when the password is wrong", () => {
    const wrong = "not-the-password-x9";
    const result = backupCli([
      "take",
      "--database-url",
      `postgresql://${superuser}:${wrong}@127.0.0.1:${source.port}/postgres`,
      "--pgdata",
      pgdata,
      "--repo",
      repo,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/password authentication failed/);
    expect(result.stderr + result.stdout).not.toContain(wrong);
  });

  it("never lists a backup killed midway as complete, and the server is left with no backup in progress", async () => {
    // With the archiver failing, pg_backup_stop waits: kill the take while its files are copied and it waits.
    await source.query("alter system set archive_command = 'false'");
    await source.query("select pg_reload_conf()");
    try {
      const before = new Set(readdirSync(repo));
      const child = startBackupCli(["take", "--database-url", url, "--pgdata", pgdata, "--repo", repo]);
      await waitFor("the take to wait for the archiver", async () => {
        const rows = await source.query(
          "select 1 from pg_stat_activity where application_name = 'pgplat-backup' and query like '%pg_backup_stop%'",
        );
        if (rows.length === 0) throw new Error("not yet");
      });
      child.kill("SIGKILL");
      await new Promise((resolve) => child.on("exit", resolve));
      const killed = readdirSync(repo).find((name) => !before.has(name))!;
      expect(existsSync(path.join(repo, killed, manifestFileName))).toBe(false);
      await waitFor("the killed session to end", async () => {
        const rows = await source.query("select pid from pg_stat_activity where application_name = 'pgplat-backup'");
        if (rows.length > 0) throw new Error("still there");
      });
      // No backup in progress: stopping one in a new session says so.
      await expect(source.query("select pg_backup_stop(false)")).rejects.toThrow(/backup is not in progress/);
      const list = JSON.parse(backupCli(["list", "--repo", repo, "--json"]).stdout) as { id: string; status: string }[];
      expect(list.find((entry) => entry.id === killed)).toMatchObject({ status: "incomplete" });
      expect(list.filter((entry) => entry.status === "complete").map((entry) => entry.id)).not.toContain(killed);
      const prune = backupCli(["prune", "--repo", repo, "--wal-archive", source.archiveDir, "--dry-run"]);
      expect(prune.stdout).toContain(`would delete backup ${killed}: incomplete (no manifest) and not being taken`);
      expect(existsSync(path.join(repo, killed))).toBe(true);
    } finally {
      await source.query("alter system reset archive_command");
      await source.query("select pg_reload_conf()");
    }
  }, 180_000);
});

describe("prune", () => {
  it("keeps the recovery window restorable: deletes only backups and WAL no moment of the window needs", async () => {
    const older = take();
    const newest = take();
    // Age two backups by rewriting their manifests' times (the only way to make time pass here).
    const age = (id: string, days: number) => {
      const file = path.join(repo, id, manifestFileName);
      const manifest = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
      const shift = (iso: string) =>
        new Date(Date.parse(iso) - days * 86_400_000).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
      writeFileSync(
        file,
        JSON.stringify({ ...manifest, startTime: shift(manifest.startTime), endTime: shift(manifest.endTime) }),
      );
    };
    const all = (JSON.parse(backupCli(["list", "--repo", repo, "--json"]).stdout) as { id: string; status: string }[])
      .filter((entry) => entry.status === "complete")
      .map((entry) => entry.id);
    const oldest = all[0];
    age(oldest, 20);
    age(older, 10);
    const oldestStart = readManifest(path.join(repo, oldest)).startWalSegment;
    const anchorStart = readManifest(path.join(repo, older)).startWalSegment;
    const result = backupCli(["prune", "--repo", repo, "--wal-archive", source.archiveDir, "--retention-days", "7"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const remaining = (
      JSON.parse(backupCli(["list", "--repo", repo, "--json"]).stdout) as { id: string; status: string }[]
    ).map((entry) => entry.id);
    // The backup ten days old is the newest one before the window: it stays, and so does its WAL.
    expect(remaining).toContain(older);
    expect(remaining).toContain(newest);
    expect(remaining).not.toContain(oldest);
    expect(existsSync(path.join(source.archiveDir, oldestStart))).toBe(false);
    expect(existsSync(path.join(source.archiveDir, anchorStart))).toBe(true);
    expect(
      readdirSync(source.archiveDir)
        .filter((name) => /^[0-9A-F]{24}$/.test(name))
        .every((name) => name.slice(8) >= anchorStart.slice(8)),
    ).toBe(true);
    expect(existsSync(path.join(source.archiveDir, "00000002.history"))).toBe(true);
    const verify = backupCli(["verify", "--repo", repo, "--wal-archive", source.archiveDir]);
    expect(verify.stderr).toBe("");
    expect(verify.status).toBe(0);
  }, 180_000);
});
