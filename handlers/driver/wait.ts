// Waits, bounded, until the tracker has recorded each of the demo's changes and its final state, then
// gives the demo's history.
import type { HistoryRecord } from "../common/history.ts";
import { type HistoryPoint, historyPoint } from "../common/history-query.ts";
import type { BucketContents } from "./bucket-contents.ts";

export interface WaitForRecord {
  /** The bucket's records since the demo started, any order (one Query, newest first). */
  readRecords: () => Promise<HistoryRecord[]>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  timeoutMs: number;
  pollMs: number;
  /** Only a record computed at or after this instant can reflect the final state. */
  notBefore: number;
  expected: BucketContents;
  /** What the bucket held before the first put (the expected final state is this plus the demo's). */
  before?: BucketContents;
  /** Which records the demo's own changes caused. */
  window: DemoWindow;
  /** How many changes the demo made (a record each): the history is complete once all are there. */
  changes: number;
}

/**
 * The clearing deletes of step 1 fire the tracker too, and a slow (cold) tracker can record for them
 * after the first put was sent: a stale size, or the same size twice. A record names the S3 event that
 * triggered it; the demo's records are those whose event happened from `eventsFrom` on (a moment
 * between the clearing and the first put). Records without a trigger count by their own time.
 */
export interface DemoWindow {
  /** Just before the first put. */
  start: number;
  eventsFrom: number;
}

export function causedByDemo(record: HistoryRecord, window: DemoWindow): boolean {
  if (record.timestamp < window.start) return false;
  const eventTime = record.trigger?.eventTime ? Date.parse(record.trigger.eventTime) : Number.NaN;
  return Number.isNaN(eventTime) || eventTime >= window.eventsFrom;
}

export interface FinalRecordSeen {
  /** The last read: the bucket's records since the demo started. */
  records: HistoryRecord[];
  /** When the read that found the final record returned (epoch ms). */
  noticedAt: number;
  /** The final record's own timestamp: when the tracker computed the size, just before writing it. */
  recordedAt: number;
}

/** Polls until the demo's records are all there, one from `notBefore` on showing the expected totals. */
export async function waitForFinalRecord(options: WaitForRecord): Promise<FinalRecordSeen> {
  const deadline = options.now() + options.timeoutMs;
  for (;;) {
    const records = await options.readRecords();
    const demo = records.filter((r) => causedByDemo(r, options.window));
    const reached = demo.find(
      (r) =>
        r.timestamp >= options.notBefore &&
        currentSize(r) === options.expected.totalSize &&
        currentCount(r) === options.expected.objectCount,
    );
    if (reached && demo.length >= options.changes)
      return { records, noticedAt: options.now(), recordedAt: reached.timestamp };
    const remaining = deadline - options.now();
    if (remaining <= 0) throw new Error(timeoutMessage(options, records, demo.length));
    await options.sleep(Math.min(options.pollMs, remaining));
  }
}

/**
 * A versioned bucket's records count every version's bytes, with the current versions' beside them:
 * the demo's puts and deletes change the current ones by exactly 18, 27, 0 and 2.
 */
const currentSize = (r: HistoryRecord) => r.currentSize ?? r.totalSize;
const currentCount = (r: HistoryRecord) => r.currentCount ?? r.objectCount;

function timeoutMessage(options: WaitForRecord, records: HistoryRecord[], recorded: number): string {
  const { totalSize, objectCount } = options.expected;
  const newest = records.reduce<HistoryRecord | undefined>(
    (a, r) => (!a || r.timestamp > a.timestamp ? r : a),
    undefined,
  );
  const seen = newest
    ? `the newest record (${newest.recordedAt}) shows ${currentSize(newest)} bytes in ${currentCount(newest)} objects`
    : "no record has been written since the demo started";
  const before = options.before
    ? ` (the ${options.before.totalSize} bytes in ${options.before.objectCount} object(s) the bucket held before the demo, plus its own)`
    : "";
  return (
    `timed out after ${options.timeoutMs} ms waiting for the size tracker to record ` +
    `${totalSize} bytes in ${objectCount} object(s)${before} after ${new Date(options.notBefore).toISOString()}; ` +
    `${seen}; ${recorded} of the demo's ${options.changes} changes have a record. ${likelyCause(recorded, options)}`
  );
}

/** The cause the records point to, so the user looks in the right place. */
function likelyCause(recorded: number, options: WaitForRecord): string {
  if (recorded === 0) {
    return "The tracker recorded none of the demo's changes: is the bucket notification to the size-tracking function in place (s3size status), and does the function fail (s3size logs size-tracking)?";
  }
  if (recorded < options.changes) {
    return "The tracker recorded some changes but not all in time: it is failing or slow (s3size logs size-tracking); a longer S3SIZE_DRIVER_WAIT_MS gives it more time.";
  }
  return "Every change has a record but the last is not the expected state: something else changed the bucket during the demo (or the tracker's count drifted: s3size reconcile).";
}

/** The demo's history: the records its own changes caused, in time order. */
export function historySince(records: HistoryRecord[], window: DemoWindow): HistoryPoint[] {
  return records
    .filter((r) => causedByDemo(r, window))
    .sort((a, b) => a.timestamp - b.timestamp)
    .map(historyPoint);
}
