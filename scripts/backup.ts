/**
 * The backup tool; the same code runs on a developer's machine, in the tests
 * and (bundled) in the stack's backup container.
 *
 *   backup take     --database-url <url> --pgdata <dir> --repo <dir> [--record-url <url>]
 *   backup list     --repo <dir> [--json]
 *   backup verify   --repo <dir> --wal-archive <dir> [--backup <id>]
 *   backup prune    --repo <dir> --wal-archive <dir> [--retention-days <n>] [--dry-run]
 *   backup schedule --database-url <url> --pgdata <dir> --repo <dir> --wal-archive <dir> --every-hours <h> [--retention-days <n>] [--record-url <url>]
 *   backup check    --repo <dir> --max-age-minutes <n>
 *   restore         --repo <dir> --wal-archive <dir> --into <dir> (--time <ISO 8601 with offset> | --latest) [--backup <id>]
 *   restore         --from-s3 <manifest URL> --into <new database> …   (scripts/dumps/restoreFromS3.ts)
 *
 * The database URL may come from DATABASE_URL instead (keeps the password out
 * of the process list). --record-url (the backup login, the application
 * database) records each completed base backup in monitoring.base_backups,
 * where the monitoring login exports its age. Exit 0 on success; otherwise one line on stderr.
 */
import { backupDefaults } from "../config/schema";
import { settingsFromUrl } from "../migrations/connection";
import { readArchive } from "../backups/archive";
import type { Manifest } from "../backups/manifest";
import { applyPrune, isTakeRunning, planPrune } from "../backups/prune";
import { completeBackups, listBackups } from "../backups/repository";
import { restoreBackup } from "../backups/restore";
import { recordBaseBackup } from "../backups/record";
import { takeBackup } from "../backups/take";
import { formatInstant, microsFromDate, parseInstant } from "../backups/time";
import { verifyBackup } from "../backups/verify";
import type { RecoveryTarget } from "../backups/walPlan";
import { parseCliArguments, UsageError, type CliArguments, type OptionKinds } from "./lib/cliArgs";
import { exitWhenFlushed } from "./lib/exit";

const usage = `usage:
  npm run -s backup -- take   --database-url <url> --pgdata <data dir> --repo <dir> [--record-url <url>]
  npm run -s backup -- list   --repo <dir> [--json]
  npm run -s backup -- verify --repo <dir> --wal-archive <dir> [--backup <id>]
  npm run -s backup -- prune  --repo <dir> --wal-archive <dir> [--retention-days <n>] [--dry-run]
  npm run -s backup -- schedule --database-url <url> --pgdata <dir> --repo <dir> --wal-archive <dir> --every-hours <h> [--retention-days <n>] [--record-url <url>]
  npm run -s backup -- check  --repo <dir> --max-age-minutes <n>
  npm run -s restore --        --repo <dir> --wal-archive <dir> --into <new empty dir> (--time <ISO 8601 with offset> | --latest) [--backup <id>]
  npm run -s restore --        --from-s3 s3://<bucket>/<prefix>/dumps/<run>/manifest.json --into <new database> [--database <name>] [--no-owner] [--endpoint-url <url>]`;

type Command = (flags: Flags) => Promise<number>;

/** One command's parsed options, read through `value` and `required`. */
interface Flags extends CliArguments {
  value(flag: string): string | undefined;
  required(flag: string): string;
}

const commands: Record<string, { readonly flags: OptionKinds; readonly run: Command }> = {
  take: {
    flags: { "--database-url": "value", "--pgdata": "value", "--repo": "value", "--record-url": "value" },
    run: take,
  },
  list: { flags: { "--repo": "value", "--json": "switch" }, run: list },
  verify: { flags: { "--repo": "value", "--wal-archive": "value", "--backup": "value" }, run: verify },
  prune: {
    flags: { "--repo": "value", "--wal-archive": "value", "--retention-days": "value", "--dry-run": "switch" },
    run: prune,
  },
  schedule: {
    flags: {
      "--database-url": "value",
      "--pgdata": "value",
      "--repo": "value",
      "--wal-archive": "value",
      "--every-hours": "value",
      "--retention-days": "value",
      "--record-url": "value",
    },
    run: schedule,
  },
  check: { flags: { "--repo": "value", "--max-age-minutes": "value" }, run: check },
  restore: {
    flags: {
      "--repo": "value",
      "--wal-archive": "value",
      "--into": "value",
      "--time": "value",
      "--latest": "switch",
      "--backup": "value",
    },
    run: restore,
  },
};

async function take(flags: Flags): Promise<number> {
  const manifest = await takeBackup({
    connection: settingsFromUrl(databaseUrl(flags)),
    pgdata: flags.required("--pgdata"),
    repo: flags.required("--repo"),
  });
  console.log(
    `backup ${manifest.id} complete: ${manifest.files.length} files, ${megabytes(manifest.sizeBytes)} (${megabytes(manifest.storedBytes)} stored), WAL ${manifest.startWalSegment}..${manifest.endWalSegment}`,
  );
  const recordUrl = flags.value("--record-url");
  if (recordUrl !== undefined) {
    // The backup stands either way; an unrecorded one only leaves the exported age behind, and the alert says so.
    await recordBaseBackup(settingsFromUrl(recordUrl), manifest).catch((error: unknown) => {
      throw new Error(`backup ${manifest.id} is complete, but recording it in the database failed: ${message(error)}`);
    });
    console.log(`backup ${manifest.id} recorded in monitoring.base_backups`);
  }
  return 0;
}

async function list(flags: Flags): Promise<number> {
  const entries = listBackups(flags.required("--repo")).map((entry) =>
    entry.status === "complete"
      ? summary(entry.manifest)
      : {
          id: entry.id,
          status: entry.status,
          startTime: null,
          endTime: null,
          startLsn: null,
          endLsn: null,
          timeline: null,
          ...(entry.status === "invalid" ? { problem: entry.problem } : {}),
        },
  );
  if (flags.switches.has("--json")) {
    console.log(JSON.stringify(entries, null, 2));
    return 0;
  }
  if (entries.length === 0) console.log("no backups");
  for (const entry of entries) {
    console.log(
      [
        entry.id,
        entry.status.padEnd(10),
        entry.startTime ?? "-",
        entry.endTime ?? "-",
        entry.timeline ?? "-",
        "sizeBytes" in entry ? megabytes(entry.sizeBytes) : "-",
      ].join("  "),
    );
  }
  return 0;
}

/** What a complete backup shows in `list`, in this order (the file list as its length). */
const summaryFields = [
  "id",
  "status",
  "startTime",
  "endTime",
  "startLsn",
  "endLsn",
  "timeline",
  "startWalSegment",
  "endWalSegment",
  "sizeBytes",
  "storedBytes",
] as const satisfies readonly (keyof Manifest)[];

function summary(manifest: Manifest) {
  const picked = Object.fromEntries(summaryFields.map((field) => [field, manifest[field]])) as Pick<
    Manifest,
    (typeof summaryFields)[number]
  >;
  return { ...picked, files: manifest.files.length };
}

async function verify(flags: Flags): Promise<number> {
  const repo = flags.required("--repo");
  const backups = completeBackups(repo);
  const named = flags.value("--backup");
  const selected = named === undefined ? backups : backups.filter((backup) => backup.id === named);
  if (selected.length === 0)
    throw new Error(
      named === undefined ? `${repo} holds no complete backup to verify` : `no complete backup ${named} in ${repo}`,
    );
  const failures: string[] = [];
  for (const backup of selected) {
    const result = await verifyBackup(repo, flags.required("--wal-archive"), backup);
    for (const problem of result.problems) {
      console.log(`${backup.id}: ${problem}`);
      failures.push(`backup ${backup.id}: ${problem}`);
    }
    if (result.problems.length === 0)
      console.log(
        `${backup.id}: ok (${result.filesChecked} files; WAL ${result.walChecked.from}..${result.walChecked.to}, ${result.walChecked.count} segments)`,
      );
  }
  if (failures.length > 0)
    throw new Error(
      `verify failed: ${failures[0]}${failures.length > 1 ? ` (and ${failures.length - 1} more problem(s), listed on stdout)` : ""}`,
    );
  return 0;
}

async function prune(flags: Flags): Promise<number> {
  const repo = flags.required("--repo");
  const walArchive = flags.required("--wal-archive");
  const dryRun = flags.switches.has("--dry-run");
  const entries = listBackups(repo);
  const segmentSize = entries.find((entry) => entry.status === "complete")?.manifest.walSegmentSize ?? 16 * 1024 * 1024;
  const plan = planPrune({
    entries,
    archiveNames: readArchive(walArchive, segmentSize).names,
    now: microsFromDate(new Date()),
    retentionDays: retentionDays(flags),
    isRunning: isTakeRunning,
  });
  const verb = dryRun ? "would delete" : "deleted";
  if (!dryRun) applyPrune(plan, repo, walArchive);
  for (const backup of plan.deleteBackups) console.log(`${verb} backup ${backup.id}: ${backup.reason}`);
  if (plan.deleteWal.length > 0)
    console.log(
      `${verb} ${plan.deleteWal.length} WAL file(s) before ${plan.walCutoff}: ${plan.deleteWal[0]}..${plan.deleteWal[plan.deleteWal.length - 1]}`,
    );
  console.log(`kept ${plan.keep.length} backup(s)${plan.keep.length > 0 ? `: ${plan.keep.join(", ")}` : ""}`);
  return 0;
}

/** The backup container's main loop: a base backup whenever the newest is older than the interval, each followed by prune. */
async function schedule(flags: Flags): Promise<number> {
  const everyHours = positiveNumber(flags, "--every-hours");
  const repo = flags.required("--repo");
  const intervalMs = everyHours * 3_600_000;
  let stopping = false;
  const wake: Array<() => void> = [];
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.on(signal, () => ((stopping = true), wake.splice(0).forEach((resolve) => resolve())));
  console.log(`backups every ${everyHours} h into ${repo}, kept for ${retentionDays(flags)} days`);
  while (!stopping) {
    const newest = newestEnd(repo);
    if (newest === undefined || Date.now() - newest >= intervalMs) {
      try {
        await take(flags);
        await prune(flags);
      } catch (error) {
        console.error(`backup failed: ${message(error)}`);
      }
    }
    // A signal during the backup arrived while nothing was waiting to be woken.
    if (stopping) break;
    const due = (newestEnd(repo) ?? Date.now()) + intervalMs - Date.now();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(1_000, Math.min(due, 60_000)));
      wake.push(() => (clearTimeout(timer), resolve()));
    });
  }
  return 0;
}

async function check(flags: Flags): Promise<number> {
  const maxAgeMinutes = positiveNumber(flags, "--max-age-minutes");
  const newest = newestEnd(flags.required("--repo"));
  if (newest === undefined) throw new Error("no complete backup yet");
  const ageMinutes = (Date.now() - newest) / 60_000;
  if (ageMinutes > maxAgeMinutes)
    throw new Error(
      `the newest complete backup ended ${ageMinutes.toFixed(0)} minutes ago; at most ${maxAgeMinutes} allowed`,
    );
  console.log(`newest complete backup ended ${ageMinutes.toFixed(1)} minutes ago`);
  return 0;
}

async function restore(flags: Flags): Promise<number> {
  const time = flags.value("--time");
  const latest = flags.switches.has("--latest");
  if ((time === undefined) === !latest)
    throw new UsageError("give exactly one of --time <ISO 8601 with offset> and --latest");
  let target: RecoveryTarget = { kind: "latest" };
  if (time !== undefined) {
    const micros = parseInstant(time);
    if (micros === undefined)
      throw new UsageError(`--time ${time} is not an ISO 8601 time with an offset, such as 2026-11-30T14:05:00+01:00`);
    target = { kind: "time", time: micros };
  }
  const started = Date.now();
  const result = await restoreBackup({
    repo: flags.required("--repo"),
    walArchive: flags.required("--wal-archive"),
    into: flags.required("--into"),
    target,
    backupId: flags.value("--backup"),
  });
  const until = target.kind === "time" ? formatInstant(target.time) : "the end of the archive";
  console.log(
    `restored backup ${result.backup.id} into ${flags.required("--into")} in ${((Date.now() - started) / 1000).toFixed(1)} s; starting PostgreSQL on it replays ${result.segments.length} archived segment(s) on timeline ${result.timeline} to ${until} and promotes`,
  );
  return 0;
}

function newestEnd(repo: string): number | undefined {
  const ends = completeBackups(repo).map((backup) => Number(parseInstant(backup.endTime)! / 1000n));
  return ends.length === 0 ? undefined : Math.max(...ends);
}

function databaseUrl(flags: Flags): string {
  const url = flags.value("--database-url") ?? process.env.DATABASE_URL;
  if (!url) throw new UsageError("--database-url is required (or set DATABASE_URL)");
  return url;
}

function retentionDays(flags: Flags): number {
  const text = flags.value("--retention-days");
  if (text === undefined) return backupDefaults.retentionDays;
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1)
    throw new UsageError(`--retention-days ${text}: a whole number of days, at least 1`);
  return days;
}

function positiveNumber(flags: Flags, flag: string): number {
  const text = flags.required(flag);
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} ${text}: a positive number`);
  return value;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || rest.includes("--help")) {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  // A logical dump from the AWS backup task's bucket, rather than a base backup.
  if (name === "restore" && rest.includes("--from-s3"))
    return (await import("./dumps/restoreFromS3")).restoreFromS3Cli(rest);
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command ${name}`);
  const parsed = parseCliArguments(rest, command.flags);
  if (parsed.positional.length > 0) throw new UsageError(`unexpected argument ${parsed.positional[0]}`);
  const value = (flag: string) => parsed.values[flag]?.[0];
  const required = (flag: string) => {
    const given = value(flag);
    if (given === undefined) throw new UsageError(`${flag} is required`);
    return given;
  };
  return command.run({ ...parsed, value, required });
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (error: unknown) => {
    // Driver errors never carry the password; URLs are never echoed.
    console.error(`${error instanceof UsageError ? "usage: " : ""}${message(error)}`);
    exitWhenFlushed(error instanceof UsageError ? 2 : 1);
  },
);
