/**
 * npm run bench:backup [-- --scale 70 --runs 3]: base backup and restore on a
 * database of at least 1 GiB (pgbench scale ≥ 70) on a real PostgreSQL 16.
 *
 * Judged: `take` time against the floor — a plain `tar | gzip -1` of the same
 * data directory to the same disk (the tool compresses with gzip level 1) —
 * best of `runs` alternating runs each; target ratio ≤ 1.3. Also printed:
 * restore + replay time per GiB.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import * as path from "node:path";
import { compressionLevel } from "../backups/copyFile";
import { restoreBackup } from "../backups/restore";
import { takeBackup } from "../backups/take";
import { settingsFromUrl } from "../migrations/connection";
import { parseStackConfig } from "../config";
import { waitUntilReady } from "../local/processes";
import { postgresSuperuser as superuser, scratchState, startScratchPostgres } from "../local/scratchPostgres";
import { numberFlag, runBench } from "./cli";

const targetRatio = 1.3;

runBench(async () => {
  const scale = numberFlag("--scale", 70);
  const runs = numberFlag("--runs", 3);
  const parsed = parseStackConfig({ target: "docker", size: "small" });
  if (!parsed.ok) throw new Error("the bench's stack config is invalid");
  const config = parsed.config;
  const server = await startScratchPostgres(config);
  try {
    const pgdata = server.state.dataDir;
    await run(
      "pgbench",
      ["-i", "-q", "-s", String(scale), "-h", "127.0.0.1", "-p", String(server.port), "-U", superuser, "postgres"],
      { PGPASSWORD: server.superuserPassword },
    );
    await server.query("checkpoint");
    const [{ bytes }] = await server.query<{ bytes: string }>("select pg_database_size('postgres')::text as bytes");
    const gib = Number(bytes) / 2 ** 30;
    console.log(
      `PostgreSQL 16, pgbench scale ${scale}: database ${gib.toFixed(2)} GiB; gzip level ${compressionLevel} for both`,
    );
    const connection = settingsFromUrl(
      `postgresql://${superuser}:${encodeURIComponent(server.superuserPassword)}@127.0.0.1:${server.port}/postgres`,
    );
    const takes: number[] = [];
    const floors: number[] = [];
    let lastRepo = "";
    for (let index = 0; index < runs; index++) {
      const floorFile = path.join(server.state.real, `floor-${index}.tar.gz`);
      floors.push(
        await timed(() =>
          run(
            "bash",
            [
              "-c",
              `set -o pipefail; tar -C '${pgdata}' --exclude=./pg_wal/* -cf - . | gzip -${compressionLevel} > '${floorFile}' && sync '${floorFile}'`,
            ],
            {},
            [0, 1],
          ),
        ),
      );
      rmSync(floorFile);
      if (lastRepo) rmSync(lastRepo, { recursive: true, force: true });
      lastRepo = path.join(server.state.real, `repo-${index}`);
      const repo = lastRepo;
      takes.push(await timed(() => takeBackup({ connection, pgdata, repo })));
      console.log(`run ${index + 1}: floor ${floors[index].toFixed(1)} s, take ${takes[index].toFixed(1)} s`);
    }
    const ratio = Math.min(...takes) / Math.min(...floors);
    console.log(
      `take best ${Math.min(...takes).toFixed(1)} s vs floor best ${Math.min(...floors).toFixed(1)} s: ratio ${ratio.toFixed(2)} (target ≤ ${targetRatio})`,
    );

    const state = scratchState("bench-restore", server.user);
    const started = process.hrtime.bigint();
    await restoreBackup({
      repo: lastRepo,
      walArchive: server.state.walArchiveDir,
      into: state.dataDir,
      target: { kind: "latest" },
    });
    const restored = await startScratchPostgres(config, {
      restored: { state, superuserPassword: server.superuserPassword },
    });
    try {
      await waitUntilReady(
        "promotion",
        async () => {
          if ((await restored.query<{ r: boolean }>("select pg_is_in_recovery() as r"))[0].r)
            throw new Error("in recovery");
        },
        600_000,
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(`restore + replay: ${seconds.toFixed(1)} s, ${(seconds / gib).toFixed(1)} s per GiB`);
    } finally {
      await restored.remove();
    }
    console.log(ratio <= targetRatio ? "bench:backup: PASS" : "bench:backup: FAIL");
    return ratio <= targetRatio ? 0 : 1;
  } finally {
    await server.remove();
  }
});

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** `tar` exits 1 when a file changed while it read it, which a live data directory does. */
function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  okCodes: readonly number[] = [0],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      okCodes.includes(code ?? -1) ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`)),
    );
  });
}
