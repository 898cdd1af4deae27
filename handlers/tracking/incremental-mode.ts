// Incremental mode: one event costs O(1) requests whatever the bucket's size. The event's key's items
// and the bucket's total are read in one TransactGetItems; the new slot, head, total and the history
// record are written in one TransactWriteItems conditioned on the revisions read. Either all of it
// lands or none of it does, so a crash anywhere leaves nothing half-done: the platform's retry reads
// the key again and finds the event either not applied (and applies it) or applied (a duplicate,
// ignored). A writer that got there first makes the conditions fail, and the event is read and decided
// again; every record is therefore the exact total after its event, in the order the total took them.
import { QueryCommand, type QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { HISTORY_KEYS, type HistoryRecord, type HistoryTrigger, recordToItem } from "../common/history.ts";
import type { TrackingContext } from "./context.ts";
import type { ObjectChange } from "./object-events.ts";
import {
  type BucketTotal,
  headKey,
  headToItem,
  type Item,
  itemToHead,
  itemToSlot,
  itemToTotal,
  type Slot,
  slotKey,
  slotToItem,
  totalKey,
  totalToItem,
} from "./object-index/items.ts";
import {
  type Applied,
  addTotals,
  type Decision,
  decideChange,
  type KeyRead,
} from "./object-index/key-state.ts";
import { INDEX_KEYS, keySlotRange, NULL_VERSION } from "./object-index/keys.ts";
import { recordOfTotals } from "./object-index/total-record.ts";
import {
  backoffMs,
  cancellationReasons,
  conditionedPut,
  createOnlyPut,
  isContention,
  readTogether,
  writeTogether,
} from "./object-index/transactions.ts";

export type IncrementalOutcome =
  | { outcome: "recorded"; record: HistoryRecord; attempts: number; previousTotal?: number }
  | {
      outcome: "applied-during-baseline";
      bucket: string;
      key: string;
      trigger: HistoryTrigger;
      attempts: number;
      /** When the baseline's owner last wrote: a long silence means it stopped and must be resumed. */
      seedingSince?: number;
    }
  | {
      outcome: "ignored";
      bucket: string;
      key: string;
      reason: string;
      trigger: HistoryTrigger;
      attempts: number;
    }
  | { outcome: "needs-baseline"; bucket: string };

/** How many times an event's write is tried when other writers keep getting there first. */
export const MAX_ATTEMPTS = 200;

export async function applyChange(
  context: TrackingContext,
  change: ObjectChange,
): Promise<IncrementalOutcome> {
  const indexTable = indexTableOf(context);
  const versionId = change.versionId ?? NULL_VERSION;
  // Raised past a millisecond another writer's record already holds, when a transaction finds one there.
  let recordFloor = 0;
  let attempt = 0;
  while (attempt < MAX_ATTEMPTS) {
    const gets = [
      { table: indexTable, key: slotKey(change.bucket, change.key, versionId) },
      { table: indexTable, key: headKey(change.bucket, change.key) },
      { table: indexTable, key: totalKey(change.bucket) },
    ];
    if (versionId !== NULL_VERSION)
      gets.push({ table: indexTable, key: slotKey(change.bucket, change.key, NULL_VERSION) });
    const [slotItem, headItem, totalItem, nullItem] = await readTogether(context, gets);
    if (!totalItem) return { outcome: "needs-baseline", bucket: change.bucket };
    const total = itemToTotal(totalItem);
    const read: KeyRead = {};
    if (slotItem) read.slot = itemToSlot(slotItem, versionId);
    if (headItem) read.head = itemToHead(headItem);
    if (nullItem) read.nullSlot = itemToSlot(nullItem, NULL_VERSION);

    let decision: Decision = decideChange(change, read);
    if (decision.apply === "needs-remaining-slots") {
      decision = decideChange(change, read, await readKeySlots(context, change.bucket, change.key));
    }
    if (decision.apply === "needs-remaining-slots")
      throw new Error("a key's slots were read and still asked for");
    if (decision.apply === false) {
      const { bucket, key, trigger } = change;
      return { outcome: "ignored", bucket, key, reason: decision.reason, trigger, attempts: attempt + 1 };
    }

    // Written against the total as read; when only the total had moved on (another key's event got
    // there first), its new value comes back with the cancellation and the same decision is written
    // again on top of it, without reading the key again.
    let current: BucketTotal | undefined = total;
    while (current && attempt < MAX_ATTEMPTS) {
      attempt += 1;
      const outcome = await writeChange(context, change, read, decision, current, recordFloor, attempt);
      if (outcome.done) return outcome.done;
      recordFloor = outcome.recordFloor;
      current = outcome.movedTotal;
      await context.sleep(backoffMs(attempt));
    }
  }
  throw new Error(
    `gave up on ${change.trigger.eventName} of ${change.bucket}/${change.key} after ${MAX_ATTEMPTS} attempts: ` +
      "other writers kept changing the bucket's total first",
  );
}

/** One try at writing a decided change; on a cancellation, what the next try needs to know. */
async function writeChange(
  context: TrackingContext,
  change: ObjectChange,
  read: KeyRead,
  decision: Applied,
  total: BucketTotal,
  recordFloor: number,
  attempt: number,
): Promise<{ done?: IncrementalOutcome; recordFloor: number; movedTotal?: BucketTotal }> {
  const indexTable = indexTableOf(context);
  const versionId = change.versionId ?? NULL_VERSION;
  const now = context.now();
  const totals = addTotals(total, decision.delta);
  const versioned = total.versioned || versionId !== NULL_VERSION;
  const recordAt = Math.max(now, total.lastRecordAt + 1, recordFloor);
  // While a baseline runs the total is partial: the change is applied, but no record claims a size.
  const recording = total.baselineAt !== undefined && !total.seeding;
  const next: BucketTotal = { ...total, ...totals, versioned, rev: total.rev + 1 };
  if (recording) next.lastRecordAt = recordAt;
  const record = recordOfTotals(change.bucket, totals, versioned, recordAt, change.trigger);

  const writes = [
    conditionedPut(indexTable, slotToItem(change.bucket, change.key, decision.slot, now), read.slot?.rev),
    conditionedPut(indexTable, totalToItem(change.bucket, next, now), total.rev, true),
  ];
  if (decision.head) {
    writes.push(
      conditionedPut(indexTable, headToItem(change.bucket, change.key, decision.head, now), read.head?.rev),
    );
  }
  if (recording) {
    writes.push(createOnlyPut(context.settings.historyTable, recordToItem(record), HISTORY_KEYS.sort));
  }
  try {
    await writeTogether(context, writes);
  } catch (error) {
    if (!isContention(error)) throw error;
    const reasons = cancellationReasons(error) ?? [];
    const failed = (i: number) => reasons[i]?.code === "ConditionalCheckFailed";
    const floor = recording && failed(writes.length - 1) ? recordAt + 1 : recordFloor;
    // Only the total (index 1) or the record's millisecond refused: the key is as read.
    const keyUnchanged =
      reasons.length === writes.length &&
      reasons.every((r, i) => r.code === "None" || i === 1 || (recording && i === writes.length - 1));
    const moved = reasons[1]?.item;
    if (keyUnchanged && failed(1) && moved) return { recordFloor: floor, movedTotal: itemToTotal(moved) };
    if (keyUnchanged && !failed(1)) return { recordFloor: floor, movedTotal: total };
    return { recordFloor: floor };
  }
  const { bucket, key, trigger } = change;
  if (!recording) {
    const seedingSince = total.seeding?.since;
    const done: IncrementalOutcome = {
      outcome: "applied-during-baseline",
      bucket,
      key,
      trigger,
      attempts: attempt,
      ...(seedingSince !== undefined ? { seedingSince } : {}),
    };
    return { done, recordFloor };
  }
  return {
    done: { outcome: "recorded", record, attempts: attempt, previousTotal: total.totalSize },
    recordFloor,
  };
}

export function indexTableOf(context: TrackingContext): string {
  const table = context.settings.indexTable;
  if (!table) throw new Error("incremental tracking needs the index table's name (INDEX_TABLE)");
  return table;
}

/** Every slot of one key (its versions and tombstones), read consistently, following pages. */
export async function readKeySlots(context: TrackingContext, bucket: string, key: string): Promise<Slot[]> {
  const range = keySlotRange(key);
  const input: QueryCommandInput = {
    TableName: indexTableOf(context),
    KeyConditionExpression: "#b = :b AND #k BETWEEN :from AND :to",
    ExpressionAttributeNames: { "#b": INDEX_KEYS.partition, "#k": INDEX_KEYS.sort },
    ExpressionAttributeValues: { ":b": { S: bucket }, ":from": { S: range.from }, ":to": { S: range.to } },
    ConsistentRead: true,
  };
  const slots: Slot[] = [];
  let startKey: QueryCommandInput["ExclusiveStartKey"];
  do {
    const page = await context.tally.call("dynamodb", "Query", () =>
      context.dynamodb.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
    );
    for (const item of page.Items ?? []) slots.push(itemToSlot(item as Item, NULL_VERSION));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return slots;
}
