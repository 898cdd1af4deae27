// The baseline of a bucket in incremental mode: one listing seeds the index and the running total, and
// one record states the size it found. `s3size track` calls it (phase B), and the tracker calls it for a
// bucket whose first event finds no total, so any bucket named in its events can be served.
//
// Events may arrive while it runs (track attaches the notification first, so none is missed). They are
// applied as usual but write no record, since the total is still partial. The seeding writes only what
// is not in the index yet (an event's newer state wins over the listing's), in transactions that add
// what they wrote to the total, so total = sum of the index at every moment. Its progress is kept in
// the total, so a baseline cut short (a Lambda timeout on a huge bucket) resumes where it stopped.

import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { GetBucketVersioningCommand } from "@aws-sdk/client-s3";
import type { HistoryRecord } from "../../common/history.ts";
import type { TrackingContext } from "../context.ts";
import { indexTableOf } from "../incremental-mode.ts";
import {
  type BucketTotal,
  type Head,
  headToItem,
  type Slot,
  slotToItem,
  type Totals,
  totalToItem,
  ZERO_TOTALS,
} from "./items.ts";
import { addTotals } from "./key-state.ts";
import { type ListedKey, listedKeys } from "./listed-keys.ts";
import { registryItem } from "./registry.ts";
import { readTotal, recordTotal } from "./total-record.ts";
import {
  backoffMs,
  cancellationCodes,
  conditionedPut,
  createOnlyPut,
  isContention,
  writeTogether,
} from "./transactions.ts";

/** A baseline whose owner has not written for this long is taken over (a Lambda runs 15 minutes at most). */
export const SEEDING_LEASE_MS = 16 * 60 * 1000;

/** DynamoDB takes 100 actions per transaction; one is the total. */
const ITEMS_PER_TRANSACTION = 99;

export const BASELINE_EVENT = "s3size:Baseline";

export type BaselineOutcome =
  | { outcome: "recorded"; record: HistoryRecord; seededItems: number }
  | { outcome: "already-baselined"; total: BucketTotal }
  | { outcome: "in-progress"; owner: string; since: number };

/** The versions a listed key seeds: a slot each and, in a versioned bucket, the key's head. */
export function seedOfListedKey(listed: ListedKey, versioned: boolean): { slots: Slot[]; head?: Head } {
  const slots = listed.versions.map((version, index): Slot => {
    const slot: Slot = {
      versionId: version.versionId,
      state: "live",
      size: version.size,
      marker: version.marker,
      rev: 1,
    };
    if (version.etag) slot.etag = version.etag;
    // A listing has no sequencers: its order (newest first) ranks the versions among themselves.
    if (versioned) slot.rank = -index;
    return slot;
  });
  if (!versioned) return { slots };
  const latest = slots.find((_, i) => listed.versions[i]!.isLatest);
  const head: Head = { rev: 1 };
  if (latest) {
    head.current = { versionId: latest.versionId, size: latest.size, marker: latest.marker };
    if (latest.rank !== undefined) head.current.rank = latest.rank;
  }
  return { slots, head };
}

export async function bucketIsVersioned(context: TrackingContext, bucket: string): Promise<boolean> {
  const answer = await context.tally.call("s3", "GetBucketVersioning", () =>
    context.s3.send(new GetBucketVersioningCommand({ Bucket: bucket })),
  );
  // Suspended buckets still hold the versions made while it was enabled.
  return answer.Status === "Enabled" || answer.Status === "Suspended";
}

/** Seeds the index from one listing and writes the baseline record; `owner` names who runs it. */
export async function baselineBucket(
  context: TrackingContext,
  bucket: string,
  owner: string,
): Promise<BaselineOutcome> {
  const table = indexTableOf(context);
  const total = await readTotal(context, bucket);
  if (total?.baselineAt !== undefined && !total.seeding) return { outcome: "already-baselined", total };
  if (
    total?.seeding &&
    total.seeding.owner !== owner &&
    context.now() - total.seeding.since < SEEDING_LEASE_MS
  ) {
    return { outcome: "in-progress", owner: total.seeding.owner, since: total.seeding.since };
  }
  // Claim the baseline (or take over an abandoned one, keeping how far it got).
  const versioned = total?.versioned || (await bucketIsVersioned(context, bucket));
  const claimed: BucketTotal = {
    ...ZERO_TOTALS,
    lastRecordAt: 0,
    ...total,
    versioned,
    rev: (total?.rev ?? 0) + 1,
    seeding: {
      owner,
      since: context.now(),
      ...(total?.seeding?.after ? { after: total.seeding.after } : {}),
    },
  };
  try {
    await writeTogether(context, [
      conditionedPut(table, totalToItem(bucket, claimed, context.now()), total?.rev),
      { Put: { TableName: table, Item: registryItem(bucket, context.now()) } },
    ]);
  } catch (error) {
    if (!isContention(error)) throw error;
    return baselineBucket(context, bucket, owner);
  }

  let seededItems = 0;
  let chunk: Array<{ key: string; slots: Slot[]; head?: Head }> = [];
  let chunkItems = 0;
  const flush = async () => {
    if (chunk.length > 0) seededItems += await seedChunk(context, bucket, owner, chunk);
    chunk = [];
    chunkItems = 0;
  };
  for await (const listed of listedKeys(context, bucket, versioned, claimed.seeding?.after)) {
    const seed = seedOfListedKey(listed, versioned);
    const items = seed.slots.length + (seed.head ? 1 : 0);
    if (chunkItems + items > ITEMS_PER_TRANSACTION) await flush();
    // A key with more versions than one transaction takes is seeded over several; its head goes last.
    while (seed.slots.length + (seed.head ? 1 : 0) > ITEMS_PER_TRANSACTION) {
      chunk.push({ key: listed.key, slots: seed.slots.splice(0, ITEMS_PER_TRANSACTION) });
      await flush();
    }
    chunk.push({ key: listed.key, ...seed });
    chunkItems += seed.slots.length + (seed.head ? 1 : 0);
  }
  await flush();
  const record = await finishBaseline(context, bucket, owner);
  return { outcome: "recorded", record, seededItems };
}

/** Writes one chunk's items that are not in the index yet, adding them to the total, in one transaction. */
async function seedChunk(
  context: TrackingContext,
  bucket: string,
  owner: string,
  chunk: Array<{ key: string; slots: Slot[]; head?: Head }>,
): Promise<number> {
  const table = indexTableOf(context);
  // Items found already written (by an event, or by an earlier try of this chunk) are left alone.
  const skip = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    const total = await readTotal(context, bucket);
    if (total?.seeding?.owner !== owner)
      throw new Error(`the baseline of ${bucket} was taken over by another run`);
    const now = context.now();
    const writes: TransactWriteItem[] = [];
    const ids: string[] = [];
    let added: Totals = { ...ZERO_TOTALS };
    for (const { key, slots, head } of chunk) {
      for (const slot of slots) {
        const id = `s ${key}\u0000${slot.versionId}`;
        if (skip.has(id)) continue;
        writes.push(createOnlyPut(table, slotToItem(bucket, key, slot, now), "rev"));
        ids.push(id);
        const object = slot.state === "live" && !slot.marker;
        added = addTotals(added, {
          totalSize: slot.size,
          objectCount: object ? 1 : 0,
          currentSize: 0,
          currentCount: 0,
        });
        // Unversioned keys have no head: their one version is the current one.
        if (!head && object)
          added = addTotals(added, { ...ZERO_TOTALS, currentSize: slot.size, currentCount: 1 });
      }
      const headId = `h ${key}`;
      if (head && !skip.has(headId)) {
        writes.push(createOnlyPut(table, headToItem(bucket, key, head, now), "rev"));
        ids.push(headId);
        const current = head.current;
        if (current && !current.marker)
          added = addTotals(added, { ...ZERO_TOTALS, currentSize: current.size, currentCount: 1 });
      }
    }
    if (writes.length === 0) return 0;
    const lastKey = chunk[chunk.length - 1]!.key;
    const complete = chunk[chunk.length - 1]!.head !== undefined || !total.versioned;
    const next: BucketTotal = {
      ...total,
      ...addTotals(total, added),
      rev: total.rev + 1,
      // Each chunk renews the claim, so only a baseline that stopped writing is taken over.
      seeding: { ...total.seeding, since: now, ...(complete ? { after: lastKey } : {}) },
    };
    writes.push(conditionedPut(table, totalToItem(bucket, next, now), total.rev));
    try {
      await writeTogether(context, writes);
      return writes.length - 1;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes && !isContention(error)) throw error;
      codes?.slice(0, ids.length).forEach((code, i) => {
        if (code === "ConditionalCheckFailed") skip.add(ids[i]!);
      });
      await context.sleep(backoffMs(attempt));
    }
  }
}

/** Ends the baseline: the seeding mark goes and the record of the total lands, together. */
function finishBaseline(context: TrackingContext, bucket: string, owner: string): Promise<HistoryRecord> {
  return recordTotal(context, bucket, BASELINE_EVENT, (total, now) => {
    if (total.seeding?.owner !== owner)
      throw new Error(`the baseline of ${bucket} was taken over by another run`);
    const { seeding: _done, ...rest } = total;
    return { ...rest, baselineAt: now };
  });
}
