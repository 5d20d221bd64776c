/**
 * WAL addressing: LSNs, segment numbers and file names, and timeline history
 * files, as PostgreSQL 16 defines them (xlog_internal.h). Pure functions.
 */

/** An LSN such as `0/3000028`, as a 64-bit unsigned integer. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`not an LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The segment holding the byte at `lsn` (XLByteToSeg). */
export function segmentOf(lsn: bigint, segmentSize: number): bigint {
  return lsn / BigInt(segmentSize);
}

/** The segment holding the byte just before `lsn` (XLByteToPrevSeg): where a record ending at `lsn` lies. */
export function segmentBefore(lsn: bigint, segmentSize: number): bigint {
  return (lsn - 1n) / BigInt(segmentSize);
}

function segmentsPerXLogId(segmentSize: number): bigint {
  return 0x100000000n / BigInt(segmentSize);
}

/** XLogFileName: 8 hex digits of timeline, then the segment number split in two. */
export function segmentFileName(timeline: number, segment: bigint, segmentSize: number): string {
  const perId = segmentsPerXLogId(segmentSize);
  const hex = (value: bigint | number) => value.toString(16).toUpperCase().padStart(8, "0");
  return `${hex(timeline)}${hex(segment / perId)}${hex(segment % perId)}`;
}

export interface SegmentName {
  readonly timeline: number;
  readonly segment: bigint;
}

const segmentPattern = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;

/** Parses a WAL segment file name; undefined for anything else (history, backup history, partial files). */
export function parseSegmentFileName(name: string, segmentSize: number): SegmentName | undefined {
  const match = segmentPattern.exec(name);
  if (!match) return undefined;
  const perId = segmentsPerXLogId(segmentSize);
  const low = BigInt(`0x${match[3]}`);
  if (low >= perId) return undefined;
  return { timeline: parseInt(match[1], 16), segment: BigInt(`0x${match[2]}`) * perId + low };
}

/**
 * The segment number a name in a WAL archive refers to: plain segments,
 * `.partial` segments and backup history files (`…00000028.backup`).
 * Timeline history files (`00000002.history`) have none.
 */
export function archivedFileSegment(name: string, segmentSize: number): SegmentName | undefined {
  if (!/^[0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?$/.test(name)) return undefined;
  return parseSegmentFileName(name.slice(0, 24), segmentSize);
}

export function historyFileName(timeline: number): string {
  return `${timeline.toString(16).toUpperCase().padStart(8, "0")}.history`;
}

/** One line of a timeline history file: the parent timeline and the LSN where the child branched off it. */
export interface TimelineSwitch {
  readonly parentTimeline: number;
  readonly switchLsn: bigint;
}

/** Parses `<tli>.history` (lines `parentTLI<TAB>switchpoint<TAB>reason`, comments with #). */
export function parseHistoryFile(text: string): readonly TimelineSwitch[] {
  const switches: TimelineSwitch[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [timeline, lsn] = line.split(/\s+/);
    const parentTimeline = Number.parseInt(timeline, 10);
    if (!Number.isInteger(parentTimeline) || lsn === undefined)
      throw new Error(`malformed timeline history line: ${JSON.stringify(line)}`);
    switches.push({ parentTimeline, switchLsn: parseLsn(lsn) });
  }
  return switches;
}

/**
 * The WAL a server on `targetTimeline` replays, as ranges of segments per
 * timeline, oldest first: for each ancestor, the segments before its child
 * branched off; the target timeline from its branch point on. Mirrors how
 * recovery picks a segment's timeline (the newest whose range includes it).
 */
export interface TimelineRange {
  readonly timeline: number;
  /** The first segment read from this timeline. */
  readonly fromSegment: bigint;
  /** The first segment read from the next timeline (exclusive end); undefined for the target. */
  readonly untilSegment: bigint | undefined;
  /** Where this timeline ends and the next begins; undefined for the target. */
  readonly endLsn: bigint | undefined;
}

export function timelinePath(
  targetTimeline: number,
  history: readonly TimelineSwitch[],
  segmentSize: number,
): readonly TimelineRange[] {
  const ranges: TimelineRange[] = [];
  let from = 0n;
  for (let index = 0; index < history.length; index++) {
    const until = segmentOf(history[index].switchLsn, segmentSize);
    ranges.push({
      timeline: history[index].parentTimeline,
      fromSegment: from,
      untilSegment: until,
      endLsn: history[index].switchLsn,
    });
    from = until;
  }
  ranges.push({ timeline: targetTimeline, fromSegment: from, untilSegment: undefined, endLsn: undefined });
  return ranges;
}

/** The timeline recovery reads `segment` from on the given path. */
export function timelineForSegment(path: readonly TimelineRange[], segment: bigint): number {
  for (let index = path.length - 1; index >= 0; index--) {
    if (segment >= path[index].fromSegment) return path[index].timeline;
  }
  return path[0].timeline;
}
