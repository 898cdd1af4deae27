// The incremental index's table: one partition per bucket, and in it
//   "k/<key>"               the key's null version (the only one in an unversioned bucket),
//   "k/<key>\0<version id>" each other version, or its tombstone once deleted,
//   "h/<key>"               the key's current version, for keys that have had versions,
//   "total"                 the bucket's running total,
// so every item an event touches is found by its key, a key's versions are one range, and a Query over
// "k/" walks the bucket in S3's listing order (both sort by UTF-8 bytes). Nothing ever scans it.
import { createHash } from "node:crypto";

export const INDEX_KEYS = { partition: "bucket_name", sort: "item_key" } as const;

export const TOTAL_SORT_KEY = "total";
export const SLOT_PREFIX = "k/";
export const HEAD_PREFIX = "h/";

/** DynamoDB limits a sort key to 1,024 bytes and S3 allows 1,024-byte keys: longer ones are shortened. */
const KEY_PART_MAX_BYTES = 900;
const VERSION_PART_MAX_BYTES = 100;
const KEEP_BYTES_OF_LONG_TEXT = 800;

/**
 * The text as it appears in a sort key: itself when short enough, otherwise its first bytes and a
 * SHA-256 of the whole (the item then carries the whole text in an attribute). A U+0001 separates the
 * two so a shortened form cannot equal a short key that does not contain one followed by a digest.
 */
export function sortKeyPart(
  text: string,
  maxBytes = KEY_PART_MAX_BYTES,
): { part: string; shortened: boolean } {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return { part: text, shortened: false };
  let end = Math.min(KEEP_BYTES_OF_LONG_TEXT, maxBytes - 70);
  // Never cut a UTF-8 sequence in half: back up to the start of a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  const digest = createHash("sha256").update(bytes).digest("hex");
  return { part: `${bytes.subarray(0, end).toString("utf8")}\u0001${digest}`, shortened: true };
}

/** "null" is the version id of an unversioned key's only version, and of null versions. */
export const NULL_VERSION = "null";

export function slotSortKey(key: string, versionId: string = NULL_VERSION): string {
  const keyPart = sortKeyPart(key).part;
  if (versionId === NULL_VERSION) return `${SLOT_PREFIX}${keyPart}`;
  return `${SLOT_PREFIX}${keyPart}\u0000${sortKeyPart(versionId, VERSION_PART_MAX_BYTES).part}`;
}

export function headSortKey(key: string): string {
  return `${HEAD_PREFIX}${sortKeyPart(key).part}`;
}

/** The inclusive sort-key range holding every version slot of one key and of no other key. */
export function keySlotRange(key: string): { from: string; to: string } {
  const base = `${SLOT_PREFIX}${sortKeyPart(key).part}`;
  // "\0" sorts below every other character, so "<key>\0…" items come right after "<key>" and before
  // "<key>a"; U+10FFFF closes the range above any version id.
  return { from: base, to: `${base}\u0000\u{10FFFF}` };
}

/** The CreateTable input for the index table (on-demand billing; no secondary index is needed). */
export function indexTableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: [
      { AttributeName: INDEX_KEYS.partition, AttributeType: "S" as const },
      { AttributeName: INDEX_KEYS.sort, AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: INDEX_KEYS.partition, KeyType: "HASH" as const },
      { AttributeName: INDEX_KEYS.sort, KeyType: "RANGE" as const },
    ],
  };
}

/** Tombstones expire (DynamoDB TTL on this attribute) once no late event can still arrive for them. */
export const EXPIRES_ATTRIBUTE = "expires_at";
export const TOMBSTONE_LIFETIME_SECONDS = 7 * 24 * 3600;
