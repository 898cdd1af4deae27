// The incremental index's items as plain data and back: a version slot, a key's head, a bucket's total.
// Every item carries `rev`, bumped on each write, so a transaction can be conditioned on what was read.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import {
  EXPIRES_ATTRIBUTE,
  headSortKey,
  INDEX_KEYS,
  NULL_VERSION,
  slotSortKey,
  sortKeyPart,
  TOMBSTONE_LIFETIME_SECONDS,
  TOTAL_SORT_KEY,
} from "./keys.ts";

export type Item = Record<string, AttributeValue>;

/** One version of a key (the null version for unversioned keys): live with its bytes, or deleted. */
export interface Slot {
  versionId: string;
  state: "live" | "gone";
  /** Bytes; 0 for delete markers and tombstones. */
  size: number;
  marker: boolean;
  etag?: string;
  /** The sequencer of the event that created (live) or deleted (gone) it; absent when seeded from a listing. */
  seq?: string;
  /** Seeded versions only: their order in the listing, larger is newer (a listing has no sequencers). */
  rank?: number;
  rev: number;
  /** When it was last written (epoch ms); read back only. */
  at?: number;
}

/** The version a key's readers get: what a key's head records for keys that have had versions. */
export interface Current {
  versionId: string;
  size: number;
  marker: boolean;
  seq?: string;
  rank?: number;
}

export interface Head {
  current?: Current;
  rev: number;
  at?: number;
}

export interface Totals {
  totalSize: number;
  objectCount: number;
  currentSize: number;
  currentCount: number;
}

export interface BucketTotal extends Totals {
  /** Whether the bucket has ever had versions (records then carry the current versions' figures). */
  versioned: boolean;
  rev: number;
  /** The newest history record's timestamp: the next one goes at least a millisecond later. */
  lastRecordAt: number;
  /** When the baseline listing finished; absent while it runs. */
  baselineAt?: number;
  /** A baseline in progress: who runs it, since when, and the last key it has seeded. */
  seeding?: { owner: string; since: number; after?: string };
}

export const ZERO_TOTALS: Totals = { totalSize: 0, objectCount: 0, currentSize: 0, currentCount: 0 };

const keyOf = (bucket: string, sortKey: string) => ({
  [INDEX_KEYS.partition]: { S: bucket },
  [INDEX_KEYS.sort]: { S: sortKey },
});

export const slotKey = (bucket: string, key: string, versionId: string) =>
  keyOf(bucket, slotSortKey(key, versionId));
export const headKey = (bucket: string, key: string) => keyOf(bucket, headSortKey(key));
export const totalKey = (bucket: string) => keyOf(bucket, TOTAL_SORT_KEY);

const clean = (values: Record<string, unknown>) => marshall(values, { removeUndefinedValues: true });

export function slotToItem(bucket: string, key: string, slot: Slot, at: number): Item {
  return {
    ...slotKey(bucket, key, slot.versionId),
    ...clean({
      state: slot.state,
      size: slot.size,
      marker: slot.marker || undefined,
      etag: slot.etag,
      seq: slot.seq,
      rank: slot.rank,
      version_id: slot.versionId === NULL_VERSION ? undefined : slot.versionId,
      // The sort key holds a shortened key for very long keys: the item keeps the whole one.
      object_key: sortKeyPart(key).shortened ? key : undefined,
      rev: slot.rev,
      at,
      [EXPIRES_ATTRIBUTE]:
        slot.state === "gone" ? Math.floor(at / 1000) + TOMBSTONE_LIFETIME_SECONDS : undefined,
    }),
  };
}

/** The object key an item belongs to: from its sort key, or its own attribute when that was shortened. */
export function objectKeyOfItem(item: Item): string {
  const whole = item.object_key?.S;
  if (whole !== undefined) return whole;
  const sortKey = item[INDEX_KEYS.sort]?.S ?? "";
  const part = sortKey.slice(2);
  const end = part.indexOf("\u0000");
  return end < 0 ? part : part.slice(0, end);
}

export function itemToSlot(item: Item, versionId: string): Slot {
  const v = unmarshall(item);
  const slot: Slot = {
    versionId: typeof v.version_id === "string" ? v.version_id : versionId,
    state: v.state === "gone" ? "gone" : "live",
    size: Number(v.size ?? 0),
    marker: v.marker === true,
    rev: Number(v.rev ?? 0),
  };
  if (typeof v.etag === "string") slot.etag = v.etag;
  if (typeof v.seq === "string") slot.seq = v.seq;
  if (v.rank !== undefined) slot.rank = Number(v.rank);
  if (v.at !== undefined) slot.at = Number(v.at);
  return slot;
}

export function headToItem(bucket: string, key: string, head: Head, at: number): Item {
  const c = head.current;
  return {
    ...headKey(bucket, key),
    ...clean({
      cur_version: c?.versionId,
      cur_size: c?.size,
      cur_marker: c?.marker || undefined,
      cur_seq: c?.seq,
      cur_rank: c?.rank,
      object_key: sortKeyPart(key).shortened ? key : undefined,
      rev: head.rev,
      at,
    }),
  };
}

export function itemToHead(item: Item): Head {
  const v = unmarshall(item);
  const head: Head = { rev: Number(v.rev ?? 0) };
  if (v.at !== undefined) head.at = Number(v.at);
  if (typeof v.cur_version === "string") {
    const current: Current = {
      versionId: v.cur_version,
      size: Number(v.cur_size ?? 0),
      marker: v.cur_marker === true,
    };
    if (typeof v.cur_seq === "string") current.seq = v.cur_seq;
    if (v.cur_rank !== undefined) current.rank = Number(v.cur_rank);
    head.current = current;
  }
  return head;
}

export function totalToItem(bucket: string, total: BucketTotal, at: number): Item {
  return {
    ...totalKey(bucket),
    ...clean({
      total_size: total.totalSize,
      object_count: total.objectCount,
      current_size: total.currentSize,
      current_count: total.currentCount,
      versioned: total.versioned,
      rev: total.rev,
      last_record_at: total.lastRecordAt,
      baseline_at: total.baselineAt,
      seeding: total.seeding,
      at,
    }),
  };
}

export function itemToTotal(item: Item): BucketTotal {
  const v = unmarshall(item);
  const total: BucketTotal = {
    totalSize: Number(v.total_size ?? 0),
    objectCount: Number(v.object_count ?? 0),
    currentSize: Number(v.current_size ?? 0),
    currentCount: Number(v.current_count ?? 0),
    versioned: v.versioned === true,
    rev: Number(v.rev ?? 0),
    lastRecordAt: Number(v.last_record_at ?? 0),
  };
  if (v.baseline_at !== undefined) total.baselineAt = Number(v.baseline_at);
  if (v.seeding && typeof v.seeding === "object") {
    const s = v.seeding as { owner?: string; since?: number; after?: string };
    total.seeding = { owner: String(s.owner ?? ""), since: Number(s.since ?? 0) };
    if (typeof s.after === "string") total.seeding.after = s.after;
  }
  return total;
}
