// Reconciliation: list the bucket once, walk the index beside it in the same key order, fix every key
// where they disagree, and adjust the total by exactly what the fixes change. When anything drifted, a
// record of the corrected total is written and the drift is reported (keys added, removed, changed and
// the bytes). Keys an event has touched since the listing began are left alone: the event is newer
// than what the listing may have seen of them.
import { QueryCommand, type QueryCommandInput, type TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { HistoryRecord } from "../../common/history.ts";
import type { TrackingContext } from "../context.ts";
import { indexTableOf, readKeySlots } from "../incremental-mode.ts";
import { baselineBucket, bucketIsVersioned } from "./baseline.ts";
import {
  type BucketTotal,
  headKey,
  headToItem,
  type Item,
  itemToHead,
  itemToSlot,
  itemToTotal,
  objectKeyOfItem,
  slotToItem,
  type Totals,
  totalKey,
  totalToItem,
  ZERO_TOTALS,
} from "./items.ts";
import { addTotals } from "./key-state.ts";
import { HEAD_PREFIX, INDEX_KEYS, NULL_VERSION, SLOT_PREFIX, sortKeyPart } from "./keys.ts";
import { compareKeys, type ListedKey, listedKeys } from "./listed-keys.ts";
import { changedSince, type DriftKind, diffKey, type IndexedKey, type KeyFix } from "./reconcile-diff.ts";
import { recordTotal } from "./total-record.ts";
import { backoffMs, conditionedPut, isContention, readTogether, writeTogether } from "./transactions.ts";

export const RECONCILE_EVENT = "s3size:Reconcile";

export interface DriftReport {
  bucket: string;
  listingStartedAt: number;
  keysListed: number;
  keysIndexed: number;
  added: number;
  removed: number;
  changed: number;
  /** Keys left alone because an event changed them after the listing began. */
  skippedRecent: number;
  /** The total the index held before, the total after the fixes, and the difference. */
  before: Totals;
  after: Totals;
  driftBytes: number;
  /** The record written when anything drifted; a baseline's when the bucket had none. */
  record?: HistoryRecord;
  baseline?: boolean;
  /** Up to 20 drifted keys, for the report. */
  examples: Array<{ key: string; kind: DriftKind; bytes: number }>;
}

const MAX_EXAMPLES = 20;
const FIXES_PER_TRANSACTION = 40;

export async function reconcileBucket(
  context: TrackingContext,
  bucket: string,
  owner: string,
): Promise<DriftReport> {
  const table = indexTableOf(context);
  const [totalItem] = await readTogether(context, [{ table, key: totalKey(bucket) }]);
  const startedAt = context.now();
  if (!totalItem || itemToTotal(totalItem).seeding) {
    // Nothing to compare with yet: the bucket's baseline is its reconciliation.
    const baseline = await baselineBucket(context, bucket, owner);
    const record = baseline.outcome === "recorded" ? baseline.record : undefined;
    const report = emptyReport(bucket, startedAt, ZERO_TOTALS);
    if (record) {
      const { totalSize, objectCount } = record;
      const current = {
        currentSize: record.currentSize ?? totalSize,
        currentCount: record.currentCount ?? objectCount,
      };
      report.after = { totalSize, objectCount, ...current };
    }
    return { ...report, baseline: true, ...(record ? { record } : {}) };
  }
  // Versioning turned on since the baseline (and no versioned event yet) must not hide old versions.
  const versioned = itemToTotal(totalItem).versioned || (await bucketIsVersioned(context, bucket));
  const report = emptyReport(bucket, startedAt, itemTotals(itemToTotal(totalItem)));
  let pending: KeyFix[] = [];
  const flush = async () => {
    if (pending.length > 0) await applyFixes(context, bucket, pending, startedAt, versioned, report);
    pending = [];
  };
  // Very long keys are shortened in the index's sort keys, which can change their order: compared apart.
  const longListed = new Map<string, ListedKey>();
  const longIndexed = new Map<string, IndexedKey>();
  const consider = async (listed: ListedKey | undefined, indexed: IndexedKey | undefined) => {
    if (listed) report.keysListed += 1;
    if (indexed) report.keysIndexed += 1;
    if (changedSince(indexed, startedAt)) {
      report.skippedRecent += 1;
      return;
    }
    const fix = diffKey(listed, indexed, versioned);
    if (!fix) return;
    pending.push(fix);
    if (pending.length >= FIXES_PER_TRANSACTION) await flush();
  };

  const nextListed = inKeyOrder(listedKeys(context, bucket, versioned), longListed);
  const nextIndexed = inKeyOrder(indexedKeys(context, bucket), longIndexed);
  let listed = await nextListed();
  let indexed = await nextIndexed();
  while (listed || indexed) {
    const order = !listed ? 1 : !indexed ? -1 : compareKeys(listed.key, indexed.key);
    if (order === 0) {
      await consider(listed, indexed);
      listed = await nextListed();
      indexed = await nextIndexed();
    } else if (order < 0) {
      await consider(listed, undefined);
      listed = await nextListed();
    } else {
      await consider(undefined, indexed);
      indexed = await nextIndexed();
    }
  }
  for (const key of new Set([...longListed.keys(), ...longIndexed.keys()])) {
    await consider(longListed.get(key), longIndexed.get(key));
  }
  await flush();
  if (report.added + report.removed + report.changed > 0)
    report.record = await recordTotal(context, bucket, RECONCILE_EVENT);
  return report;
}

/** Steps through a key stream, setting aside the keys whose index sort key is shortened. */
function inKeyOrder<T extends { key: string }>(stream: AsyncIterable<T>, long: Map<string, T>) {
  const iterator = stream[Symbol.asyncIterator]();
  return async (): Promise<T | undefined> => {
    for (;;) {
      const step = await iterator.next();
      if (step.done) return undefined;
      if (!sortKeyPart(step.value.key).shortened) return step.value;
      long.set(step.value.key, step.value);
    }
  };
}

function emptyReport(bucket: string, listingStartedAt: number, totals: Totals): DriftReport {
  return {
    bucket,
    listingStartedAt,
    keysListed: 0,
    keysIndexed: 0,
    added: 0,
    removed: 0,
    changed: 0,
    skippedRecent: 0,
    before: { ...totals },
    after: { ...totals },
    driftBytes: 0,
    examples: [],
  };
}

function itemTotals(total: BucketTotal): Totals {
  return {
    totalSize: total.totalSize,
    objectCount: total.objectCount,
    currentSize: total.currentSize,
    currentCount: total.currentCount,
  };
}

/** The index's keys in order, each with its slots and head: two Query ranges walked side by side. */
async function* indexedKeys(context: TrackingContext, bucket: string): AsyncGenerator<IndexedKey> {
  const heads = queryRange(context, bucket, HEAD_PREFIX)[Symbol.asyncIterator]();
  let head = await heads.next();
  let group: IndexedKey | undefined;
  const withHeadsBefore = async function* (key: string | undefined) {
    // Heads of keys with no slot at all (every version gone and expired) still name a key.
    while (!head.done && (key === undefined || compareKeys(objectKeyOfItem(head.value), key) < 0)) {
      yield { key: objectKeyOfItem(head.value), slots: [], head: itemToHead(head.value) } as IndexedKey;
      head = await heads.next();
    }
  };
  const close = async function* (done: IndexedKey) {
    yield* withHeadsBefore(done.key);
    if (!head.done && objectKeyOfItem(head.value) === done.key) {
      done.head = itemToHead(head.value);
      head = await heads.next();
    }
    yield done;
  };
  for await (const item of queryRange(context, bucket, SLOT_PREFIX)) {
    const key = objectKeyOfItem(item);
    if (group && group.key !== key) {
      yield* close(group);
      group = undefined;
    }
    group ??= { key, slots: [] };
    group.slots.push(itemToSlot(item, NULL_VERSION));
  }
  if (group) yield* close(group);
  yield* withHeadsBefore(undefined);
}

async function* queryRange(context: TrackingContext, bucket: string, prefix: string): AsyncGenerator<Item> {
  const input: QueryCommandInput = {
    TableName: indexTableOf(context),
    KeyConditionExpression: "#b = :b AND begins_with(#k, :p)",
    ExpressionAttributeNames: { "#b": INDEX_KEYS.partition, "#k": INDEX_KEYS.sort },
    ExpressionAttributeValues: { ":b": { S: bucket }, ":p": { S: prefix } },
  };
  let startKey: QueryCommandInput["ExclusiveStartKey"];
  do {
    const page = await context.tally.call("dynamodb", "Query", () =>
      context.dynamodb.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
    );
    for (const item of page.Items ?? []) yield item as Item;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/**
 * Writes a batch of fixes with the total, each item conditioned on the revision it was decided on. When
 * an event got there first, the batch's keys are read again and decided afresh.
 */
async function applyFixes(
  context: TrackingContext,
  bucket: string,
  fixes: KeyFix[],
  listingStartedAt: number,
  versioned: boolean,
  report: DriftReport,
): Promise<void> {
  const table = indexTableOf(context);
  let current = fixes;
  for (let attempt = 1; ; attempt++) {
    const [totalItem] = await readTogether(context, [{ table, key: totalKey(bucket) }]);
    if (!totalItem) throw new Error(`the index of ${bucket} lost its total during reconciliation`);
    const total = itemToTotal(totalItem);
    const now = context.now();
    const writes: TransactWriteItem[] = [];
    let delta: Totals = { ...ZERO_TOTALS };
    for (const fix of current) {
      for (const slot of fix.slots) {
        writes.push(
          conditionedPut(
            table,
            slotToItem(bucket, fix.key, slot, now),
            fix.readRevs.get(`s\u0000${slot.versionId}`),
          ),
        );
      }
      if (fix.head)
        writes.push(conditionedPut(table, headToItem(bucket, fix.key, fix.head, now), fix.readRevs.get("h")));
      delta = addTotals(delta, fix.delta);
    }
    const next: BucketTotal = {
      ...total,
      ...addTotals(total, delta),
      versioned: total.versioned || versioned,
      rev: total.rev + 1,
    };
    writes.push(conditionedPut(table, totalToItem(bucket, next, now), total.rev));
    try {
      await writeTogether(context, writes);
      for (const fix of current) {
        report[fix.kind] += 1;
        if (report.examples.length < MAX_EXAMPLES)
          report.examples.push({ key: fix.key, kind: fix.kind, bytes: fix.delta.totalSize });
      }
      report.after = itemTotals(next);
      report.driftBytes = report.after.totalSize - report.before.totalSize;
      return;
    } catch (error) {
      if (!isContention(error) || attempt >= 50) throw error;
      current = await redecide(context, bucket, current, listingStartedAt, versioned, report);
      if (current.length === 0) return;
      await context.sleep(backoffMs(attempt));
    }
  }
}

/** The batch's keys read again and decided afresh; keys an event changed since the listing began are skipped. */
async function redecide(
  context: TrackingContext,
  bucket: string,
  fixes: KeyFix[],
  listingStartedAt: number,
  versioned: boolean,
  report: DriftReport,
): Promise<KeyFix[]> {
  const table = indexTableOf(context);
  const again: KeyFix[] = [];
  for (const fix of fixes) {
    const slots = await readKeySlots(context, bucket, fix.key);
    const [headItem] = await readTogether(context, [{ table, key: headKey(bucket, fix.key) }]);
    const indexed: IndexedKey = { key: fix.key, slots, ...(headItem ? { head: itemToHead(headItem) } : {}) };
    if (changedSince(indexed, listingStartedAt)) {
      report.skippedRecent += 1;
      continue;
    }
    const redone = diffKey(fix.listed, indexed, versioned);
    if (redone) again.push(redone);
  }
  return again;
}
