// A bucket's listing as a stream of keys, each with its versions (newest first), in S3's key order:
// the shape the baseline seeds the index from and reconciliation compares the index with. An
// unversioned bucket is read with ListObjectsV2 (one "null" version per key), a versioned one with
// ListObjectVersions, whose pages may split one key's versions: a key is only handed on once complete.
import { ListObjectsV2Command, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { listingPages, versionPages } from "../bucket-totals.ts";
import type { TrackingContext } from "../context.ts";
import { NULL_VERSION } from "./keys.ts";

export interface ListedVersion {
  versionId: string;
  size: number;
  marker: boolean;
  etag?: string;
  isLatest: boolean;
}

export interface ListedKey {
  key: string;
  /** Newest first, as S3 lists them. */
  versions: ListedVersion[];
}

/** The bucket's keys after `after` (all of them when undefined), in order. */
export async function* listedKeys(
  context: TrackingContext,
  bucket: string,
  versioned: boolean,
  after?: string,
): AsyncGenerator<ListedKey> {
  const { s3, tally } = context;
  if (!versioned) {
    const pages = listingPages((token) =>
      tally.call("s3", "ListObjectsV2", () =>
        s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            ...(token ? { ContinuationToken: token } : after !== undefined ? { StartAfter: after } : {}),
          }),
        ),
      ),
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const version: ListedVersion = {
          versionId: NULL_VERSION,
          size: object.Size ?? 0,
          marker: false,
          isLatest: true,
        };
        if (object.ETag) version.etag = object.ETag;
        yield { key: object.Key, versions: [version] };
      }
    }
    return;
  }
  const pages = versionPages((marker) =>
    tally.call("s3", "ListObjectVersions", () =>
      s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          KeyMarker: marker?.keyMarker ?? after,
          VersionIdMarker: marker?.versionIdMarker,
        }),
      ),
    ),
  );
  let pending: ListedKey | undefined;
  for await (const page of pages) {
    // S3 interleaves a key's versions and delete markers newest first, but the SDK parses them into two
    // lists: merged back by IsLatest, then modification time, newest first.
    const entries = [
      ...(page.Versions ?? []).map((v) => ({ ...v, marker: false })),
      ...(page.DeleteMarkers ?? []).map((m) => ({ ...m, Size: 0, ETag: undefined, marker: true })),
    ];
    const byKey = new Map<string, typeof entries>();
    for (const entry of entries) {
      if (entry.Key === undefined) continue;
      const list = byKey.get(entry.Key) ?? [];
      list.push(entry);
      byKey.set(entry.Key, list);
    }
    for (const key of [...byKey.keys()].sort(compareKeys)) {
      const versions = byKey
        .get(key)!
        .sort((a, b) => Number(b.IsLatest === true) - Number(a.IsLatest === true) || time(b) - time(a))
        .map((entry): ListedVersion => {
          const version: ListedVersion = {
            versionId: entry.VersionId ?? NULL_VERSION,
            size: entry.Size ?? 0,
            marker: entry.marker,
            isLatest: entry.IsLatest === true,
          };
          if (entry.ETag) version.etag = entry.ETag;
          return version;
        });
      if (pending && pending.key === key) {
        pending.versions.push(...versions);
        continue;
      }
      if (pending) yield pending;
      pending = { key, versions };
    }
  }
  if (pending) yield pending;
}

const time = (entry: { LastModified?: Date }) => entry.LastModified?.getTime() ?? 0;

/** S3 (and DynamoDB) order keys by their UTF-8 bytes, which is not JavaScript's UTF-16 order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
