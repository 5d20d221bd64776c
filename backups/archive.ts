import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import * as path from "node:path";
import type { Micros } from "./time";
import { parseHistoryFile, parseSegmentFileName, type TimelineSwitch } from "./wal";

export interface ArchivedSegment {
  readonly name: string;
  readonly size: number;
  /** When the archiver wrote it (the archive script copies, so mtime is the archive time). */
  readonly archivedAt: Micros;
}

/** What a WAL archive holds, as the planning functions need it. */
export interface ArchiveListing {
  readonly segments: ReadonlyMap<string, ArchivedSegment>;
  /** Timeline history files by timeline. */
  readonly histories: ReadonlyMap<number, readonly TimelineSwitch[]>;
  /** Every file name, for prune. */
  readonly names: readonly string[];
}

export function readArchive(dir: string, segmentSize: number): ArchiveListing {
  if (!existsSync(dir)) throw new Error(`WAL archive ${dir} does not exist`);
  const segments = new Map<string, ArchivedSegment>();
  const histories = new Map<number, readonly TimelineSwitch[]>();
  const names = readdirSync(dir).filter((name) => !name.startsWith("."));
  for (const name of names) {
    if (parseSegmentFileName(name, segmentSize)) {
      const stat = statSync(path.join(dir, name));
      segments.set(name, { name, size: stat.size, archivedAt: BigInt(Math.floor(stat.mtimeMs * 1000)) });
    } else if (/^[0-9A-F]{8}\.history$/.test(name)) {
      histories.set(parseInt(name.slice(0, 8), 16), parseHistoryFile(readFileSync(path.join(dir, name), "utf8")));
    }
  }
  return { segments, histories, names };
}

/** XLOG_PAGE_MAGIC of PostgreSQL 16: a segment from another major version fails the header check. */
export const walPageMagic = 0xd113;
const walPageSize = 8192;
const longHeaderFlag = 0x0002;

/**
 * Checks a segment's structure without decoding records: full size, and every
 * page header has PostgreSQL 16's magic, the timeline in its name (or an
 * ancestor's, for the pages a new timeline copied), and the page's own address;
 * the first page carries the cluster's system identifier. Returns the problem,
 * or undefined when the segment is intact.
 */
export function checkSegment(
  file: string,
  expected: {
    readonly timeline: number;
    readonly segment: bigint;
    readonly segmentSize: number;
    readonly systemIdentifier: string;
  },
): string | undefined {
  const size = statSync(file).size;
  if (size !== expected.segmentSize) return `is ${size} bytes, not ${expected.segmentSize}`;
  const descriptor = openSync(file, "r");
  const header = Buffer.alloc(40);
  try {
    const segmentStart = expected.segment * BigInt(expected.segmentSize);
    for (let offset = 0; offset < size; offset += walPageSize) {
      readSync(descriptor, header, 0, 40, offset);
      const magic = header.readUInt16LE(0);
      const info = header.readUInt16LE(2);
      const timeline = header.readUInt32LE(4);
      const pageAddress = header.readBigUInt64LE(8);
      // A page never written after a segment switch is all zeros: the rest of the segment is unused.
      if (magic === 0 && pageAddress === 0n && offset > 0) break;
      if (magic !== walPageMagic)
        return `page at offset ${offset} has magic 0x${magic.toString(16)}, not PostgreSQL 16's 0x${walPageMagic.toString(16)}`;
      if (pageAddress !== segmentStart + BigInt(offset))
        return `page at offset ${offset} claims address ${pageAddress.toString(16)}, not ${(segmentStart + BigInt(offset)).toString(16)}`;
      if (timeline > expected.timeline)
        return `page at offset ${offset} is from timeline ${timeline}, newer than the file's ${expected.timeline}`;
      if (offset === 0) {
        if ((info & longHeaderFlag) === 0) return "first page lacks the long header";
        const systemIdentifier = header.readBigUInt64LE(24).toString();
        if (systemIdentifier !== expected.systemIdentifier)
          return `belongs to another cluster (system identifier ${systemIdentifier})`;
      }
    }
  } finally {
    closeSync(descriptor);
  }
  return undefined;
}
