// Waits, bounded, until the tracker has recorded the demo's final state, then gives the demo's history.
import type { HistoryRecord } from "../common/history.ts";
import { type HistoryPoint, historyPoint } from "../common/history-query.ts";

export interface WaitForRecord {
  /** The bucket's records since the demo started, any order (one Query, newest first). */
  readRecords: () => Promise<HistoryRecord[]>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  timeoutMs: number;
  pollMs: number;
  /** Only a record computed at or after this instant can reflect the final state. */
  notBefore: number;
  expected: { totalSize: number; objectCount: number };
}

export interface FinalRecordSeen {
  /** The last read: the bucket's records since the demo started. */
  records: HistoryRecord[];
  /** When the read that found the final record returned (epoch ms). */
  noticedAt: number;
  /** The final record's own timestamp: when the tracker computed the size, just before writing it. */
  recordedAt: number;
}

/** Polls until a record from `notBefore` on shows the expected totals. */
export async function waitForFinalRecord(options: WaitForRecord): Promise<FinalRecordSeen> {
  const deadline = options.now() + options.timeoutMs;
  for (;;) {
    const records = await options.readRecords();
    const reached = records.find(
      (r) =>
        r.timestamp >= options.notBefore &&
        r.totalSize === options.expected.totalSize &&
        r.objectCount === options.expected.objectCount,
    );
    if (reached) return { records, noticedAt: options.now(), recordedAt: reached.timestamp };
    const remaining = deadline - options.now();
    if (remaining <= 0) throw new Error(timeoutMessage(options, records));
    await options.sleep(Math.min(options.pollMs, remaining));
  }
}

function timeoutMessage(options: WaitForRecord, records: HistoryRecord[]): string {
  const { totalSize, objectCount } = options.expected;
  const newest = records.reduce<HistoryRecord | undefined>(
    (a, r) => (!a || r.timestamp > a.timestamp ? r : a),
    undefined,
  );
  const seen = newest
    ? `the newest record (${newest.recordedAt}) shows ${newest.totalSize} bytes in ${newest.objectCount} objects`
    : "no record has been written since the demo started";
  return (
    `timed out after ${options.timeoutMs} ms waiting for the size tracker to record ` +
    `${totalSize} bytes in ${objectCount} object(s) after ${new Date(options.notBefore).toISOString()}; ` +
    `${seen}. Is the bucket notification to the size-tracking function in place?`
  );
}

/**
 * The demo's history: the records its own changes caused, in time order. The clearing deletes of step 1
 * fire the tracker too, and a slow (cold) tracker can record for them after the first put was sent: a
 * stale size, or the same size twice. A record names the S3 event that triggered it; those whose event
 * happened before `eventsFrom` (a moment between the clearing and the first put) are the clearing's.
 * Records without a trigger are taken by their own time, from `start` (the first put) on.
 */
export function historySince(records: HistoryRecord[], start: number, eventsFrom = start): HistoryPoint[] {
  return records
    .filter((r) => {
      const eventTime = r.trigger?.eventTime ? Date.parse(r.trigger.eventTime) : Number.NaN;
      return Number.isNaN(eventTime) ? r.timestamp >= start : eventTime >= eventsFrom && r.timestamp >= start;
    })
    .sort((a, b) => a.timestamp - b.timestamp)
    .map(historyPoint);
}
