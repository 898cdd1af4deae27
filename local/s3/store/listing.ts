// One page of a listing read straight from the ordered index: it starts by seeking to the first key it
// shows and stops after the page, jumping over everything under a common prefix, so a page of 1,000 keys
// costs the same in a bucket of a thousand objects or of a million.
import type { ClassicLevel } from "classic-level";
import { after, escapeKey, keys } from "./keys.ts";
import type { ObjectVersion } from "./records.ts";
import { lookupVersion } from "./versions.ts";

export interface PageRequest {
  prefix: string;
  /** "" for none. */
  delimiter: string;
  /** Resume after this key (or after every key under it, when it is a common prefix). */
  after: string;
  maxKeys: number;
}

export type PageEntry<T> = { object: T } | { commonPrefix: string };

export interface Page<T> {
  entries: PageEntry<T>[];
  truncated: boolean;
}

export interface ListedVersion extends ObjectVersion {
  isLatest: boolean;
}

type Db = ClassicLevel<Buffer, unknown>;

/** S3 orders keys by their UTF-8 bytes, which is not always JavaScript's string order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function resumesAfterCommonPrefix(request: PageRequest): boolean {
  const { delimiter, after: marker, prefix } = request;
  return delimiter !== "" && marker.endsWith(delimiter) && marker.startsWith(prefix);
}

async function collect<T extends { key: string }>(
  db: Db,
  range: { gt?: Buffer; gte?: Buffer; lt: Buffer },
  request: PageRequest,
  pastCommonPrefix: (commonPrefix: string) => Buffer,
  shown: (value: T) => T,
): Promise<Page<T>> {
  const { prefix, delimiter, maxKeys } = request;
  const entries: PageEntry<T>[] = [];
  let truncated = false;
  const iterator = db.iterator({ ...range, keys: false });
  // After a jump over a common prefix the next entry is often another prefix: read a little, then more.
  let size = 1000;
  try {
    fetching: for (;;) {
      const batch = await iterator.nextv(Math.max(1, Math.min(size, maxKeys - entries.length + 1)));
      size = Math.min(1000, size * 8);
      if (batch.length === 0) break;
      for (const [, raw] of batch) {
        if (entries.length >= maxKeys) {
          truncated = true;
          break fetching;
        }
        const value = raw as T;
        const index = delimiter ? value.key.indexOf(delimiter, prefix.length) : -1;
        if (index >= 0) {
          const commonPrefix = value.key.slice(0, index + delimiter.length);
          entries.push({ commonPrefix });
          iterator.seek(pastCommonPrefix(commonPrefix));
          size = 1;
          continue fetching;
        }
        entries.push({ object: shown(value) });
      }
    }
  } finally {
    await iterator.close();
  }
  return { entries, truncated };
}

/** ListObjects(V2): current versions only. */
export function listCurrentPage(db: Db, bucket: string, request: PageRequest): Promise<Page<ObjectVersion>> {
  const base = keys.currentPrefix(bucket);
  const at = (key: string) => Buffer.concat([base, Buffer.from(key, "utf8")]);
  const lt = after(at(request.prefix));
  let start: { gt?: Buffer; gte?: Buffer } = { gte: at(request.prefix) };
  if (request.after !== "" && compareKeys(request.after, request.prefix) >= 0) {
    start = resumesAfterCommonPrefix(request) ? { gte: after(at(request.after)) } : { gt: at(request.after) };
  }
  return collect<ObjectVersion>(
    db,
    { ...start, lt },
    request,
    (commonPrefix) => after(at(commonPrefix)),
    (v) => v,
  );
}

/** A key prefix in the version index: the escaped bytes without the key terminator. */
function versionPrefixOf(bucket: string, prefix: string): Buffer {
  const escaped = escapeKey(prefix);
  return Buffer.concat([keys.versionPrefix(bucket), escaped.subarray(0, escaped.length - 2)]);
}

/** ListObjectVersions: every version and delete marker, by key then newest first. */
export function listVersionPage(
  db: Db,
  bucket: string,
  request: PageRequest & { versionIdMarker: string },
): Promise<Page<ListedVersion>> {
  const lt = after(versionPrefixOf(bucket, request.prefix));
  let start: { gt?: Buffer; gte?: Buffer } = { gte: versionPrefixOf(bucket, request.prefix) };
  // The first key shown is not the key's latest when the page starts among that key's versions.
  let resumedInside: string | undefined;
  if (request.after !== "" && compareKeys(request.after, request.prefix) >= 0) {
    const marker = request.after;
    const markerVersion = request.versionIdMarker
      ? lookupVersion({ get: (key) => db.getSync(key) as never }, bucket, marker, request.versionIdMarker)
      : undefined;
    if (markerVersion) {
      start = { gt: keys.version(bucket, marker, markerVersion.seq) };
      resumedInside = marker;
    } else if (resumesAfterCommonPrefix(request)) {
      start = { gte: after(versionPrefixOf(bucket, marker)) };
    } else {
      start = { gte: keys.pastVersionsOf(bucket, marker) };
    }
  }
  let previousKey = resumedInside;
  return collect<ListedVersion>(
    db,
    { ...start, lt },
    request,
    (commonPrefix) => after(versionPrefixOf(bucket, commonPrefix)),
    (version) => {
      const isLatest = version.key !== previousKey;
      previousKey = version.key;
      return { ...version, isLatest };
    },
  );
}
