// S3's versioning rules as changes to the store: which version a write adds or replaces, what a delete
// removes or marks, and how the key's current version and the bucket's counts follow.
import { randomChunk } from "../random.ts";
import { bodyOf, type StagedBody } from "./bodies.ts";
import { keys } from "./keys.ts";
import type { BucketRecord, BucketStats, ObjectVersion } from "./records.ts";
import type { Transaction } from "./transaction.ts";

/** 32 URL-safe characters, like S3's: the write's sequence number, then randomness. */
export function newVersionId(seq: number): string {
  const bytes = Buffer.alloc(24);
  bytes.writeBigUInt64BE(BigInt(seq));
  randomChunk(16).copy(bytes, 8);
  return bytes.toString("base64url");
}

/** The sequence number a version id was made from, or undefined when it is not one of ours. */
export function seqOfVersionId(versionId: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{32}$/.test(versionId)) return undefined;
  const seq = Number(Buffer.from(versionId, "base64url").readBigUInt64BE(0));
  return Number.isSafeInteger(seq) ? seq : undefined;
}

export const EMPTY_STATS: BucketStats = { versions: 0, objects: 0, bytes: 0, versionBytes: 0 };

function adjustStats(tx: Transaction, bucket: string, change: Partial<BucketStats>): void {
  const stats = { ...EMPTY_STATS, ...tx.get<BucketStats>(keys.stats(bucket)) };
  for (const [name, delta] of Object.entries(change) as Array<[keyof BucketStats, number]>)
    stats[name] += delta;
  tx.put(keys.stats(bucket), stats);
}

export interface NewVersion extends Omit<ObjectVersion, "versionId" | "seq" | "lastModified" | "body"> {
  /** The staged bytes of a new body, or the digest of a body the store holds (a copy). */
  body?: StagedBody | string;
  /** Kept from an older store when converting; otherwise the time of the write. */
  lastModified?: number;
}

export function lookupVersion(
  tx: Pick<Transaction, "get">,
  bucket: string,
  key: string,
  versionId: string,
): ObjectVersion | undefined {
  const seq =
    versionId === "null" ? tx.get<number>(keys.nullVersion(bucket, key)) : seqOfVersionId(versionId);
  if (seq === undefined) return undefined;
  const version = tx.get<ObjectVersion>(keys.version(bucket, key, seq));
  return version?.versionId === versionId && version.key === key ? version : undefined;
}

/** Takes a version out of the key's history (not touching which version is current). */
function dropVersion(tx: Transaction, bucket: string, version: ObjectVersion): void {
  tx.del(keys.version(bucket, version.key, version.seq));
  if (version.versionId === "null") tx.del(keys.nullVersion(bucket, version.key));
  tx.release(bodyOf(version));
  adjustStats(tx, bucket, { versions: -1, versionBytes: -version.size });
}

function setCurrent(tx: Transaction, bucket: string, key: string, next: ObjectVersion | undefined): void {
  const previous = tx.get<ObjectVersion>(keys.current(bucket, key));
  const now = next && !next.deleteMarker ? next : undefined;
  if (now) tx.put(keys.current(bucket, key), now);
  else if (previous) tx.del(keys.current(bucket, key));
  adjustStats(tx, bucket, {
    objects: (now ? 1 : 0) - (previous ? 1 : 0),
    bytes: (now?.size ?? 0) - (previous?.size ?? 0),
  });
}

/**
 * Adds a version (or delete marker) as the key's newest. Without versioning enabled it takes the place of
 * the key's null version, which is returned as `replaced`.
 */
export function addVersion(
  tx: Transaction,
  bucket: BucketRecord,
  key: string,
  input: NewVersion,
): { version: ObjectVersion; replaced?: ObjectVersion } {
  const seq = tx.nextSeq();
  const versionId = bucket.versioning === "Enabled" ? newVersionId(seq) : "null";
  const { body, lastModified, ...fields } = input;
  const version: ObjectVersion = {
    ...fields,
    key,
    versionId,
    seq,
    lastModified: Math.floor(lastModified ?? seq / 1000),
    ...(body ? { body: typeof body === "string" ? body : body.sha256 } : {}),
  };
  // Reference the new body before releasing the old: a copy onto itself keeps its body.
  if (body) tx.reference(typeof body === "string" ? { sha256: body, size: version.size } : body);
  const replaced = versionId === "null" ? lookupVersion(tx, bucket.name, key, "null") : undefined;
  if (replaced) dropVersion(tx, bucket.name, replaced);
  tx.put(keys.version(bucket.name, key, seq), version);
  if (versionId === "null") tx.put(keys.nullVersion(bucket.name, key), seq);
  adjustStats(tx, bucket.name, { versions: 1, versionBytes: version.size });
  setCurrent(tx, bucket.name, key, version);
  return { version, ...(replaced ? { replaced } : {}) };
}

/** The newest two versions of a key as committed (read before the change writes anything). */
export type NewestVersions = (bucket: string, key: string) => Promise<ObjectVersion[]>;

/**
 * Removes one version for good. When it was the newest, the next one becomes current (unless it is a
 * delete marker). Must run before the transaction writes anything, since `newest` reads committed state.
 */
export async function removeVersion(
  tx: Transaction,
  bucket: string,
  version: ObjectVersion,
  newest: NewestVersions,
): Promise<void> {
  const [first, second] = await newest(bucket, version.key);
  dropVersion(tx, bucket, version);
  if (first?.seq === version.seq) setCurrent(tx, bucket, version.key, second);
}

/** DeleteObject without a version id: removes the null version, or adds a delete marker once versioned. */
export function deleteCurrent(
  tx: Transaction,
  bucket: BucketRecord,
  key: string,
): { marker?: ObjectVersion; removed?: ObjectVersion } {
  if (bucket.versioning === undefined) {
    const removed = lookupVersion(tx, bucket.name, key, "null");
    if (!removed) return {};
    dropVersion(tx, bucket.name, removed);
    setCurrent(tx, bucket.name, key, undefined);
    return { removed };
  }
  const { version, replaced } = addVersion(tx, bucket, key, {
    key,
    deleteMarker: true,
    size: 0,
    etag: "",
    headers: {},
    metadata: {},
  });
  return { marker: version, ...(replaced ? { removed: replaced } : {}) };
}
