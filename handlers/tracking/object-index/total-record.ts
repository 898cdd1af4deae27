// A history record of an index's running total, and the one place that writes a record of the total
// alone (after a baseline or a reconciliation): the record and the total's new last-record time land
// together, so the next event's record always goes later.
import { HISTORY_KEYS, type HistoryRecord, type HistoryTrigger, recordToItem } from "../../common/history.ts";
import type { TrackingContext } from "../context.ts";
import { indexTableOf } from "../incremental-mode.ts";
import { type BucketTotal, itemToTotal, type Totals, totalKey, totalToItem } from "./items.ts";
import {
  backoffMs,
  conditionedPut,
  createOnlyPut,
  isContention,
  readTogether,
  writeTogether,
} from "./transactions.ts";

export function recordOfTotals(
  bucket: string,
  totals: Totals,
  versioned: boolean,
  recordAt: number,
  trigger: HistoryTrigger,
): HistoryRecord {
  return {
    bucketName: bucket,
    timestamp: recordAt,
    recordedAt: new Date(recordAt).toISOString(),
    totalSize: totals.totalSize,
    objectCount: totals.objectCount,
    ...(versioned ? { currentSize: totals.currentSize, currentCount: totals.currentCount } : {}),
    trigger,
    trackingMode: "incremental",
  };
}

export async function readTotal(context: TrackingContext, bucket: string): Promise<BucketTotal | undefined> {
  const [item] = await readTogether(context, [{ table: indexTableOf(context), key: totalKey(bucket) }]);
  return item ? itemToTotal(item) : undefined;
}

/**
 * Writes a record of the bucket's total as it is, `amend` changing the total item in the same
 * transaction (ending a baseline, say); retried while events keep changing the total first.
 */
export async function recordTotal(
  context: TrackingContext,
  bucket: string,
  eventName: string,
  amend: (total: BucketTotal, now: number) => BucketTotal = (total) => total,
): Promise<HistoryRecord> {
  const table = indexTableOf(context);
  for (let attempt = 1; attempt <= 200; attempt++) {
    const total = await readTotal(context, bucket);
    if (!total) throw new Error(`the index has no total for ${bucket}`);
    const now = context.now();
    const recordAt = Math.max(now, total.lastRecordAt + 1);
    const next = { ...amend(total, now), rev: total.rev + 1, lastRecordAt: recordAt };
    const record = recordOfTotals(bucket, next, next.versioned, recordAt, { eventName });
    try {
      await writeTogether(context, [
        conditionedPut(table, totalToItem(bucket, next, now), total.rev),
        createOnlyPut(context.settings.historyTable, recordToItem(record), HISTORY_KEYS.sort),
      ]);
      return record;
    } catch (error) {
      if (!isContention(error)) throw error;
      await context.sleep(backoffMs(attempt));
    }
  }
  throw new Error(`could not record the total of ${bucket}: other writers kept changing it first`);
}
