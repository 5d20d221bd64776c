import { describe, expect, it } from "vitest";
import type { ArchiveListing, ArchivedSegment } from "../../backups/archive";
import { isContentExcludedDirectory, isExcludedFile, unloggedForksToSkip } from "../../backups/exclusions";
import type { Manifest } from "../../backups/manifest";
import { planPrune } from "../../backups/prune";
import type { BackupEntry } from "../../backups/repository";
import { chooseBackup, recoverySettings } from "../../backups/restore";
import { formatRecoveryTargetTime, parseInstant } from "../../backups/time";
import {
  archivedFileSegment,
  parseHistoryFile,
  parseLsn,
  segmentBefore,
  segmentFileName,
  segmentOf,
  timelineForSegment,
  timelinePath,
} from "../../backups/wal";
import { planWal } from "../../backups/walPlan";
import { renderRestoreCredentials } from "../../render/restoreCredentials";

const MiB16 = 16 * 1024 * 1024;
const at = (iso: string) => parseInstant(iso)!;

function manifest(
  id: string,
  fields: { start: string; end: string; startSegment: string; endSegment: string; timeline?: number; endLsn?: string },
): Manifest {
  return {
    format: 1,
    id,
    status: "complete",
    label: `pgplat ${id}`,
    pgVersionNum: 160014,
    systemIdentifier: "7000000000000000001",
    timeline: fields.timeline ?? 1,
    walSegmentSize: MiB16,
    startLsn: "0/0",
    endLsn: fields.endLsn ?? "0/0",
    startTime: fields.start,
    endTime: fields.end,
    startWalSegment: fields.startSegment,
    endWalSegment: fields.endSegment,
    owner: { uid: 999, gid: 999 },
    sizeBytes: 0,
    storedBytes: 0,
    backupLabel: "START WAL LOCATION: 0/0 (file 000000010000000000000000)\n",
    directories: [],
    files: [],
  };
}

function archive(segments: Record<string, string>, histories: Record<number, string> = {}): ArchiveListing {
  const map = new Map<string, ArchivedSegment>(
    Object.entries(segments).map(([name, archivedAt]) => [name, { name, size: MiB16, archivedAt: at(archivedAt) }]),
  );
  return {
    segments: map,
    histories: new Map(Object.entries(histories).map(([timeline, text]) => [Number(timeline), parseHistoryFile(text)])),
    names: [
      ...map.keys(),
      ...Object.keys(histories).map(
        (timeline) => `${Number(timeline).toString(16).toUpperCase().padStart(8, "0")}.history`,
      ),
    ],
  };
}

describe("WAL addressing", () => {
  it("names segments as PostgreSQL does, across the 4 GiB log boundary", () => {
    expect(segmentFileName(1, segmentOf(parseLsn("0/3000028"), MiB16), MiB16)).toBe("000000010000000000000003");
    expect(segmentFileName(2, segmentOf(parseLsn("1/FF000000"), MiB16), MiB16)).toBe("0000000200000001000000FF");
    expect(segmentFileName(1, segmentOf(parseLsn("2/0"), MiB16), MiB16)).toBe("000000010000000200000000");
  });

  it("puts a record ending exactly on a segment boundary in the segment before it", () => {
    expect(segmentBefore(parseLsn("0/4000000"), MiB16)).toBe(3n);
    expect(segmentBefore(parseLsn("0/4000001"), MiB16)).toBe(4n);
  });

  it("reads segment numbers from segments, partial segments and backup history files, not timeline histories", () => {
    expect(archivedFileSegment("000000010000000000000003", MiB16)).toEqual({ timeline: 1, segment: 3n });
    expect(archivedFileSegment("000000010000000000000003.partial", MiB16)).toEqual({ timeline: 1, segment: 3n });
    expect(archivedFileSegment("000000010000000000000003.00000028.backup", MiB16)).toEqual({
      timeline: 1,
      segment: 3n,
    });
    expect(archivedFileSegment("00000002.history", MiB16)).toBeUndefined();
    expect(archivedFileSegment(".000000010000000000000003.partial.123", MiB16)).toBeUndefined();
  });

  it("follows a timeline's history: each ancestor up to its switch segment, then the child", () => {
    const history = parseHistoryFile(
      "1\t0/5000060\tno recovery target specified\n\n2\t0/9000000\tbefore 2026-11-30 10:00:00+00\n",
    );
    const path = timelinePath(3, history, MiB16);
    expect(path).toEqual([
      { timeline: 1, fromSegment: 0n, untilSegment: 5n, endLsn: parseLsn("0/5000060") },
      { timeline: 2, fromSegment: 5n, untilSegment: 9n, endLsn: parseLsn("0/9000000") },
      { timeline: 3, fromSegment: 9n, untilSegment: undefined, endLsn: undefined },
    ]);
    expect([4n, 5n, 8n, 9n, 20n].map((segment) => timelineForSegment(path, segment))).toEqual([1, 2, 2, 3, 3]);
  });
});

describe("recovery target times", () => {
  it("accepts ISO 8601 with an offset and keeps microseconds", () => {
    expect(parseInstant("2026-11-30T14:05:00+01:00")).toBe(parseInstant("2026-11-30T13:05:00Z"));
    expect(parseInstant("2026-11-30T13:05:00.000001Z")! - parseInstant("2026-11-30T13:05:00Z")!).toBe(1n);
  });

  it("refuses a time without an offset, an impossible date and a zone name", () => {
    for (const text of [
      "2026-11-30T14:05:00",
      "2026-02-30T14:05:00Z",
      "2026-11-30T24:05:00Z",
      "2026-11-30T14:05:00 CET",
      "yesterday",
    ])
      expect(parseInstant(text)).toBeUndefined();
  });

  it("writes recovery_target_time with a numeric offset, never Z", () => {
    expect(formatRecoveryTargetTime(at("2026-11-30T14:05:00.5+01:00"))).toBe("2026-11-30 13:05:00.500000+00:00");
  });
});

describe("planWal", () => {
  const backup = manifest("20261130T100000000Z", {
    start: "2026-11-30T10:00:00Z",
    end: "2026-11-30T10:00:10Z",
    startSegment: "000000010000000000000002",
    endSegment: "000000010000000000000003",
    endLsn: "0/3000100",
  });

  it("lists the segments up to the first one archived after the target", () => {
    const listing = archive({
      "000000010000000000000002": "2026-11-30T10:00:05Z",
      "000000010000000000000003": "2026-11-30T10:00:11Z",
      "000000010000000000000004": "2026-11-30T10:01:11Z",
      "000000010000000000000005": "2026-11-30T10:02:11Z",
    });
    expect(planWal(backup, listing, { kind: "time", time: at("2026-11-30T10:00:30Z") })).toEqual({
      ok: true,
      timeline: 1,
      segments: ["000000010000000000000002", "000000010000000000000003", "000000010000000000000004"],
    });
    expect(planWal(backup, listing, { kind: "latest" })).toEqual({
      ok: true,
      timeline: 1,
      segments: [
        "000000010000000000000002",
        "000000010000000000000003",
        "000000010000000000000004",
        "000000010000000000000005",
      ],
    });
  });

  it("names a segment the backup needs to become consistent", () => {
    const listing = archive({
      "000000010000000000000002": "2026-11-30T10:00:05Z",
      "000000010000000000000004": "2026-11-30T10:01:11Z",
    });
    expect(planWal(backup, listing, { kind: "latest" })).toEqual({
      ok: false,
      problem: expect.stringMatching(
        /^WAL segment 000000010000000000000003 is missing from the archive; backup 20261130T100000000Z needs/,
      ),
    });
  });

  it("refuses latest when a gap hides later WAL, naming the gap", () => {
    const listing = archive({
      "000000010000000000000002": "2026-11-30T10:00:05Z",
      "000000010000000000000003": "2026-11-30T10:00:11Z",
      "000000010000000000000005": "2026-11-30T10:02:11Z",
    });
    expect(planWal(backup, listing, { kind: "latest" })).toEqual({
      ok: false,
      problem:
        "WAL segment 000000010000000000000004 is missing from the archive, but 000000010000000000000005 exists after it: replay would stop at the gap",
    });
  });

  it("refuses a target the archive does not reach yet", () => {
    const listing = archive({
      "000000010000000000000002": "2026-11-30T10:00:05Z",
      "000000010000000000000003": "2026-11-30T10:00:11Z",
    });
    const plan = planWal(backup, listing, { kind: "time", time: at("2026-11-30T11:00:00Z") });
    expect(plan).toEqual({
      ok: false,
      problem: expect.stringMatching(
        /does not reach 2026-11-30T11:00:00.000000Z: its newest segment on timeline 1, 000000010000000000000003, was archived at 2026-11-30T10:00:11.000000Z and 000000010000000000000004 is not there yet/,
      ),
    });
  });

  it("follows a timeline switch after the backup: the old timeline up to the switch segment, the new one from it", () => {
    const listing = archive(
      {
        "000000010000000000000002": "2026-11-30T10:00:05Z",
        "000000010000000000000003": "2026-11-30T10:00:11Z",
        "000000020000000000000004": "2026-11-30T10:05:00Z",
        "000000020000000000000005": "2026-11-30T10:06:00Z",
        // Never read: timeline 2 replaced it from segment 4 on.
        "000000010000000000000005": "2026-11-30T10:04:00Z",
      },
      { 2: "1\t0/4000060\tno recovery target specified\n" },
    );
    expect(planWal(backup, listing, { kind: "latest" })).toEqual({
      ok: true,
      timeline: 2,
      segments: [
        "000000010000000000000002",
        "000000010000000000000003",
        "000000020000000000000004",
        "000000020000000000000005",
      ],
    });
  });

  it("ignores a timeline that branched off before the backup ended", () => {
    const listing = archive(
      { "000000010000000000000002": "2026-11-30T10:00:05Z", "000000010000000000000003": "2026-11-30T10:00:11Z" },
      { 2: "1\t0/2000000\tno recovery target specified\n" },
    );
    expect(planWal(backup, listing, { kind: "latest" })).toMatchObject({ ok: true, timeline: 1 });
  });
});

describe("chooseBackup", () => {
  const first = manifest("20261128T000000000Z", {
    start: "2026-11-28T00:00:00Z",
    end: "2026-11-28T00:10:00Z",
    startSegment: "000000010000000000000002",
    endSegment: "000000010000000000000002",
  });
  const second = manifest("20261129T000000000Z", {
    start: "2026-11-29T00:00:00Z",
    end: "2026-11-29T00:10:00Z",
    startSegment: "000000010000000000000009",
    endSegment: "000000010000000000000009",
  });

  it("picks the newest backup that ended before the target", () => {
    expect(chooseBackup([first, second], { kind: "time", time: at("2026-11-29T00:05:00Z") })).toBe(first);
    expect(chooseBackup([first, second], { kind: "time", time: at("2026-11-29T00:10:00.000001Z") })).toBe(second);
    expect(chooseBackup([first, second], { kind: "latest" })).toBe(second);
  });

  it("refuses a target before the named backup's end, and one before every backup", () => {
    expect(chooseBackup([first, second], { kind: "time", time: at("2026-11-29T00:10:00Z") }, second.id)).toBe(
      `backup ${second.id} ended at 2026-11-29T00:10:00Z; a target before its end cannot be reached from it`,
    );
    expect(chooseBackup([first, second], { kind: "time", time: at("2026-11-27T00:00:00Z") })).toMatch(
      /no complete backup ended before the target/,
    );
    expect(chooseBackup([], { kind: "latest" })).toBe("the repository holds no complete backup");
  });
});

describe("planPrune", () => {
  const day = (d: number, h = 0) => `2026-11-${String(d).padStart(2, "0")}T${String(h).padStart(2, "0")}:00:00Z`;
  const backupOn = (d: number, segment: number): BackupEntry => {
    const id = `202611${String(d).padStart(2, "0")}T000000000Z`;
    const name = segmentFileName(1, BigInt(segment), MiB16);
    return {
      id,
      dir: `/repo/${id}`,
      status: "complete",
      manifest: manifest(id, { start: day(d), end: day(d, 1), startSegment: name, endSegment: name }),
    };
  };
  const wal = Array.from({ length: 40 }, (_, index) => segmentFileName(1, BigInt(index + 1), MiB16));
  const names = [...wal, "000000010000000000000005.00000028.backup", "00000002.history"];

  it("keeps every backup in the window and the newest before it; deletes older ones and only WAL below the oldest kept", () => {
    const entries = [backupOn(1, 5), backupOn(8, 12), backupOn(15, 20), backupOn(22, 30)];
    const plan = planPrune({
      entries,
      archiveNames: names,
      now: at(day(25)),
      retentionDays: 7,
      isRunning: () => false,
    });
    // The window starts on the 18th: the backup of the 15th is needed to reach it.
    expect(plan.keep).toEqual(["20261115T000000000Z", "20261122T000000000Z"]);
    expect(plan.deleteBackups.map((backup) => backup.id)).toEqual(["20261101T000000000Z", "20261108T000000000Z"]);
    expect(plan.deleteWal).toEqual([...wal.slice(0, 19), "000000010000000000000005.00000028.backup"].sort());
    expect(plan.walCutoff).toBe("000000010000000000000014");
    expect(plan.deleteWal).not.toContain("00000002.history");
  });

  it("keeps everything when no backup is older than the window", () => {
    const entries = [backupOn(20, 5), backupOn(22, 12)];
    const plan = planPrune({
      entries,
      archiveNames: names,
      now: at(day(25)),
      retentionDays: 7,
      isRunning: () => false,
    });
    expect(plan).toEqual({
      keep: ["20261120T000000000Z", "20261122T000000000Z"],
      deleteBackups: [],
      deleteWal: wal.slice(0, 4),
      walCutoff: "000000010000000000000005",
    });
  });

  it("never deletes WAL when no complete backup exists", () => {
    const plan = planPrune({
      entries: [],
      archiveNames: names,
      now: at(day(25)),
      retentionDays: 7,
      isRunning: () => false,
    });
    expect(plan.deleteWal).toEqual([]);
  });

  it("collects incomplete backups unless their take still runs", () => {
    const progress = { pid: 42, hostname: "h", startTime: day(24) };
    const entries: BackupEntry[] = [
      backupOn(22, 12),
      { id: "20261124T000000000Z", dir: "/repo/a", status: "incomplete", progress },
      { id: "20261124T120000000Z", dir: "/repo/b", status: "incomplete", progress: undefined },
    ];
    const running = planPrune({ entries, archiveNames: [], now: at(day(25)), retentionDays: 7, isRunning: () => true });
    expect(running.deleteBackups.map((backup) => backup.id)).toEqual(["20261124T120000000Z"]);
    const dead = planPrune({ entries, archiveNames: [], now: at(day(25)), retentionDays: 7, isRunning: () => false });
    expect(dead.deleteBackups.map((backup) => backup.id)).toEqual(["20261124T000000000Z", "20261124T120000000Z"]);
  });

  it("keeps the window restorable for every retention and backup spacing", () => {
    // Property: after pruning, every moment of the window has a kept backup ending before it and its WAL.
    for (const retentionDays of [1, 2, 3, 7, 14]) {
      for (const spacing of [1, 2, 5]) {
        const entries = Array.from({ length: 12 }, (_, index) =>
          backupOn(1 + index * spacing, 1 + index * spacing * 2),
        ).filter((entry) => Number(entry.id.slice(6, 8)) <= 28);
        const now = at(day(29));
        const plan = planPrune({ entries, archiveNames: wal, now, retentionDays, isRunning: () => false });
        const kept = entries
          .filter((entry) => plan.keep.includes(entry.id))
          .map((entry) => (entry.status === "complete" ? entry.manifest : undefined)!);
        const windowStart = now - BigInt(retentionDays) * 86_400_000_000n;
        const oldestEnd = kept.map((backup) => at(backup.endTime)).reduce((a, b) => (a < b ? a : b));
        const anyBefore = entries.some(
          (entry) => entry.status === "complete" && at(entry.manifest.endTime) < windowStart,
        );
        if (anyBefore) expect(oldestEnd).toBeLessThan(windowStart);
        const remaining = new Set(wal.filter((name) => !plan.deleteWal.includes(name)));
        for (const backup of kept)
          expect(remaining.has(backup.startWalSegment) || !wal.includes(backup.startWalSegment)).toBe(true);
      }
    }
  });
});

describe("recoverySettings", () => {
  it("drops the source's archive and recovery settings and writes restore_command with the archive quoted", () => {
    const existing = "# Do not edit\narchive_command = 'cp %p /src/%f'\nwork_mem = '8MB'\nrecovery_target_name = 'x'\n";
    expect(
      recoverySettings(existing, "/backups/it's wal%", { kind: "time", time: at("2026-11-30T14:05:00+01:00") }),
    ).toBe(
      [
        "# Do not edit",
        "work_mem = '8MB'",
        "# Written by pgplat restore. PostgreSQL reads these only while recovery.signal exists.",
        `restore_command = 'cp ''/backups/it''\\\\''''s wal%%''/%f "%p"'`,
        "recovery_target_timeline = 'latest'",
        "recovery_target_time = '2026-11-30 13:05:00.000000+00:00'",
        "recovery_target_action = 'promote'",
        "",
      ].join("\n"),
    );
  });

  it("sets no target for latest: recovery replays the whole archive and promotes", () => {
    expect(recoverySettings("", "/wal", { kind: "latest" })).toBe(
      "# Written by pgplat restore. PostgreSQL reads these only while recovery.signal exists.\nrestore_command = 'cp ''/wal''/%f \"%p\"'\nrecovery_target_timeline = 'latest'\n",
    );
  });
});

describe("what a base backup leaves out", () => {
  it("skips what PostgreSQL 16's docs and pg_basebackup skip, keeping the directories", () => {
    expect(
      [
        "postmaster.pid",
        "postmaster.opts",
        "backup_label",
        "tablespace_map",
        "recovery.signal",
        "standby.signal",
        "base/5/pgsql_tmp1234.0",
        "global/pg_internal.init",
      ].filter(isExcludedFile),
    ).toHaveLength(8);
    expect(
      [
        "PG_VERSION",
        "global/pg_control",
        "base/5/1259",
        "postgresql.auto.conf",
        "pg_xact/0000",
        "base/5/postmaster.pid",
      ].filter(isExcludedFile),
    ).toEqual([]);
    expect(
      [
        "pg_wal",
        "pg_replslot",
        "pg_stat_tmp",
        "pg_subtrans",
        "pg_notify",
        "pg_serial",
        "pg_snapshots",
        "pg_dynshmem",
        "base/pgsql_tmp",
      ].every(isContentExcludedDirectory),
    ).toBe(true);
    expect(["base", "pg_xact", "pg_multixact", "pg_stat", "global"].some(isContentExcludedDirectory)).toBe(false);
  });

  it("copies only the init fork of an unlogged relation", () => {
    expect(
      [...unloggedForksToSkip(["16384", "16384_init", "16384_fsm", "16384.1", "16390", "16390_vm"])].sort(),
    ).toEqual(["16384", "16384.1", "16384_fsm"]);
  });
});

describe("renderRestoreCredentials", () => {
  it("quotes role names and passwords, creates only the ensured login, and alters every role", () => {
    expect(
      renderRestoreCredentials({
        existing: [{ role: 'we"ird', password: "it's" }],
        ensured: { login: { role: "pgplat_backup", password: "pw" }, functions: ["pg_backup_start"] },
      }),
    ).toBe(
      [
        "-- pgplat: this stack's credentials for the roles restored from another stack.",
        'DO $$ BEGIN CREATE ROLE "pgplat_backup" LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;',
        'GRANT EXECUTE ON FUNCTION pg_catalog."pg_backup_start" TO "pgplat_backup";',
        `ALTER ROLE "we""ird" WITH LOGIN PASSWORD 'it''s';`,
        "ALTER ROLE \"pgplat_backup\" WITH LOGIN PASSWORD 'pw';",
        "",
      ].join("\n"),
    );
  });
});
