// Fixtures for the tracker's unit tests: event builders in both wire shapes, and an in-memory S3 behind
// a mocked S3Client that keeps objects with versions and answers the listings the tracker sends, in
// small pages so the continuation tokens and version markers are followed.
import {
  GetBucketVersioningCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { TEST_CREDENTIALS } from "./fake-history-table.ts";

export interface EventOptions {
  bucket?: string;
  key: string;
  sequencer: string;
  size?: number;
  etag?: string;
  versionId?: string;
  eventTime?: string;
  requestId?: string;
}

/** One S3 notification record (event version 2.1), the key URL-encoded as S3 encodes it. */
export function s3Record(eventName: string, o: EventOptions) {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    eventName,
    eventTime: o.eventTime ?? "2024-01-02T03:04:05.000Z",
    responseElements: { "x-amz-request-id": o.requestId ?? `req-${o.sequencer}` },
    s3: {
      bucket: { name: o.bucket ?? "data" },
      object: {
        key: encodeURIComponent(o.key).replace(/%20/g, "+").replace(/%2F/g, "/"),
        ...(o.size !== undefined ? { size: o.size } : {}),
        ...(o.etag ? { eTag: o.etag } : {}),
        ...(o.versionId ? { versionId: o.versionId } : {}),
        sequencer: o.sequencer,
      },
    },
  };
}

export const put = (o: EventOptions) => ({ Records: [s3Record("ObjectCreated:Put", o)] });
export const del = (o: EventOptions) => ({ Records: [s3Record("ObjectRemoved:Delete", o)] });
export const marker = (o: EventOptions) => ({ Records: [s3Record("ObjectRemoved:DeleteMarkerCreated", o)] });

/** The same change as EventBridge delivers it from S3 (detail-type Object Created / Object Deleted). */
export function eventBridge(
  type: "Object Created" | "Object Deleted",
  o: EventOptions & { deletionType?: string; reason?: string },
) {
  return {
    version: "0",
    id: `id-${o.sequencer}`,
    "detail-type": type,
    source: "aws.s3",
    account: "000000000000",
    time: o.eventTime ?? "2024-01-02T03:04:05Z",
    region: "us-east-1",
    resources: [`arn:aws:s3:::${o.bucket ?? "data"}`],
    detail: {
      version: "0",
      bucket: { name: o.bucket ?? "data" },
      object: {
        key: o.key,
        ...(o.size !== undefined ? { size: o.size } : {}),
        ...(o.etag ? { etag: o.etag } : {}),
        ...(o.versionId ? { "version-id": o.versionId } : {}),
        sequencer: o.sequencer,
      },
      "request-id": o.requestId ?? `req-${o.sequencer}`,
      requester: "000000000000",
      "source-ip-address": "127.0.0.1",
      reason: o.reason ?? (type === "Object Created" ? "PutObject" : "DeleteObject"),
      ...(type === "Object Deleted" ? { "deletion-type": o.deletionType ?? "Permanently Deleted" } : {}),
    },
  };
}

interface StoredVersion {
  versionId: string;
  size: number;
  marker: boolean;
  etag: string;
  at: number;
}

/** An in-memory bucket store: objects with versions, listed in pages of `pageSize`. */
export function fakeS3(pageSize = 2) {
  const buckets = new Map<
    string,
    { versioning?: "Enabled" | "Suspended"; keys: Map<string, StoredVersion[]> }
  >();
  let clock = 0;
  let versionCounter = 0;
  const client = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
  const mock = mockClient(client);
  const bucketOf = (name: string | undefined) => {
    const bucket = buckets.get(name ?? "");
    if (!bucket)
      throw Object.assign(new Error("The specified bucket does not exist"), { name: "NoSuchBucket" });
    return bucket;
  };
  const sortedKeys = (keys: Iterable<string>) =>
    [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

  mock.on(GetBucketVersioningCommand).callsFake((input) => {
    const status = bucketOf(input.Bucket).versioning;
    return status ? { Status: status } : {};
  });
  mock.on(ListObjectsV2Command).callsFake((input) => {
    const bucket = bucketOf(input.Bucket);
    const after = input.ContinuationToken ?? input.StartAfter ?? "";
    const current = sortedKeys(bucket.keys.keys())
      .filter((key) => Buffer.compare(Buffer.from(key), Buffer.from(after)) > 0)
      .map((key) => ({ key, version: bucket.keys.get(key)![0]! }))
      .filter(({ version }) => !version.marker);
    const page = current.slice(0, pageSize);
    const truncated = current.length > pageSize;
    return {
      Contents: page.map(({ key, version }) => ({ Key: key, Size: version.size, ETag: version.etag })),
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: page[page.length - 1]!.key } : {}),
    };
  });
  mock.on(ListObjectVersionsCommand).callsFake((input) => {
    const bucket = bucketOf(input.Bucket);
    const entries = sortedKeys(bucket.keys.keys()).flatMap((key) =>
      bucket.keys.get(key)!.map((version, i) => ({ key, version, latest: i === 0 })),
    );
    let start = 0;
    if (input.KeyMarker !== undefined) {
      start = entries.findIndex((e) =>
        input.VersionIdMarker
          ? e.key === input.KeyMarker && e.version.versionId === input.VersionIdMarker
          : Buffer.compare(Buffer.from(e.key), Buffer.from(input.KeyMarker!)) > 0,
      );
      if (input.VersionIdMarker) start += 1;
      if (start < 0) start = entries.length;
    }
    const page = entries.slice(start, start + pageSize);
    const truncated = start + pageSize < entries.length;
    const last = page[page.length - 1];
    return {
      Versions: page
        .filter((e) => !e.version.marker)
        .map((e) => ({
          Key: e.key,
          VersionId: e.version.versionId,
          IsLatest: e.latest,
          Size: e.version.size,
          ETag: e.version.etag,
          LastModified: new Date(e.version.at),
        })),
      DeleteMarkers: page
        .filter((e) => e.version.marker)
        .map((e) => ({
          Key: e.key,
          VersionId: e.version.versionId,
          IsLatest: e.latest,
          LastModified: new Date(e.version.at),
        })),
      IsTruncated: truncated,
      ...(truncated && last ? { NextKeyMarker: last.key, NextVersionIdMarker: last.version.versionId } : {}),
    };
  });

  const newVersionId = (bucket: { versioning?: string }) =>
    bucket.versioning === "Enabled" ? `v${String(++versionCounter).padStart(4, "0")}` : "null";

  return {
    client,
    mock,
    createBucket(name: string, versioning?: "Enabled" | "Suspended") {
      buckets.set(name, { ...(versioning ? { versioning } : {}), keys: new Map() });
    },
    setVersioning(name: string, status: "Enabled" | "Suspended") {
      bucketOf(name).versioning = status;
    },
    /** Writes an object as S3 would; returns the new version's id ("null" when unversioned). */
    putObject(name: string, key: string, size: number): string {
      const bucket = bucketOf(name);
      const versionId = newVersionId(bucket);
      const versions = (bucket.keys.get(key) ?? []).filter(
        (v) => !(versionId === "null" && v.versionId === "null"),
      );
      versions.unshift({ versionId, size, marker: false, etag: `"etag-${key}-${size}"`, at: ++clock });
      bucket.keys.set(key, versions);
      return versionId;
    },
    /** DeleteObject without a version id: removes the object, or in a versioned bucket adds a marker. */
    deleteObject(name: string, key: string): string | undefined {
      const bucket = bucketOf(name);
      if (!bucket.versioning) {
        bucket.keys.delete(key);
        return undefined;
      }
      const versionId = newVersionId(bucket);
      const versions = (bucket.keys.get(key) ?? []).filter(
        (v) => !(versionId === "null" && v.versionId === "null"),
      );
      versions.unshift({ versionId, size: 0, marker: true, etag: "", at: ++clock });
      bucket.keys.set(key, versions);
      return versionId;
    },
    deleteVersion(name: string, key: string, versionId: string) {
      const bucket = bucketOf(name);
      const versions = (bucket.keys.get(key) ?? []).filter((v) => v.versionId !== versionId);
      if (versions.length > 0) bucket.keys.set(key, versions);
      else bucket.keys.delete(key);
    },
    /** Every version's bytes, the current versions' bytes and count, as S3 would bill and list them. */
    truth(name: string) {
      const bucket = bucketOf(name);
      let totalSize = 0;
      let objectCount = 0;
      let currentSize = 0;
      let currentCount = 0;
      for (const versions of bucket.keys.values()) {
        for (const v of versions) {
          if (v.marker) continue;
          totalSize += v.size;
          objectCount += 1;
        }
        if (versions[0] && !versions[0].marker) {
          currentSize += versions[0].size;
          currentCount += 1;
        }
      }
      return { totalSize, objectCount, currentSize, currentCount };
    },
  };
}
