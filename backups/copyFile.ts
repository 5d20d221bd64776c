import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";

/** gzip level 1: data pages compress well at the fastest level, and a backup must keep up with the disk. */
export const compressionLevel = 1;
/** Files compressed or decompressed at once: gzip runs on libuv's thread pool (4 threads by default). */
export const fileConcurrency = 4;

export interface CopyResult {
  readonly size: number;
  readonly sha256: string;
  readonly storedSize: number;
  readonly storedSha256: string;
}

/** A pass-through stream that hashes and counts what flows through it. */
function meter(): Transform & { digest(): { size: number; sha256: string } } {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return Object.assign(stream, { digest: () => ({ size, sha256: hash.digest("hex") }) });
}

/** Compresses `source` into `target` (created, never overwritten) and returns both checksums. Not yet durable: see `syncFileSystem`. */
export async function compressFile(source: string, target: string): Promise<CopyResult> {
  const content = meter();
  const stored = meter();
  await pipeline(
    createReadStream(source, { highWaterMark: 1 << 20 }),
    content,
    createGzip({ level: compressionLevel }),
    stored,
    createWriteStream(target, { flags: "wx", mode: 0o600 }),
  );
  const { size, sha256 } = content.digest();
  const { size: storedSize, sha256: storedSha256 } = stored.digest();
  return { size, sha256, storedSize, storedSha256 };
}

/** Decompresses `source` into `target` (created, never overwritten) and returns the checksums of both sides. */
export async function decompressFile(source: string, target: string, mode: number): Promise<CopyResult> {
  const stored = meter();
  const content = meter();
  await pipeline(
    createReadStream(source, { highWaterMark: 1 << 20 }),
    stored,
    createGunzip(),
    content,
    createWriteStream(target, { flags: "wx", mode }),
  );
  const { size, sha256 } = content.digest();
  const { size: storedSize, sha256: storedSha256 } = stored.digest();
  return { size, sha256, storedSize, storedSha256 };
}

/** Reads a stored file through gunzip without writing anything: what verify checks. */
export async function checksumStoredFile(source: string): Promise<CopyResult> {
  const stored = meter();
  const content = meter();
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), stored, createGunzip(), content, sink);
  const { size, sha256 } = content.digest();
  const { size: storedSize, sha256: storedSha256 } = stored.digest();
  return { size, sha256, storedSize, storedSha256 };
}

/**
 * Flushes the file system holding `directory` in one call (syncfs(2) through
 * coreutils' `sync -f`): one flush for a backup's thousands of files instead
 * of an fsync each, which cost more than the copying on a real disk.
 */
export function syncFileSystem(directory: string): void {
  const result = spawnSync("sync", ["-f", directory], { encoding: "utf8" });
  if (result.error || result.status !== 0)
    throw new Error(`could not flush ${directory} to disk: ${result.error?.message ?? result.stderr.trim()}`);
}

/** Runs `work` over `items` with at most `concurrency` at a time; the first failure stops new work and is thrown. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
