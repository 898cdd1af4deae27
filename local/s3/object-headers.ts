// The headers an object keeps (Content-Type and friends, x-amz-meta-*) read from an upload, and the
// headers GET and HEAD answer with.
import type { OutgoingHttpHeaders } from "node:http";
import { S3Failure } from "./failure.ts";
import type { BucketRecord, ObjectVersion, StoredHeaders } from "./store/records.ts";
import { header, type S3Call } from "./wire.ts";

const KEPT: Array<keyof StoredHeaders> = [
  "content-type",
  "content-disposition",
  "content-encoding",
  "content-language",
  "cache-control",
  "expires",
  "x-amz-website-redirect-location",
  "x-amz-storage-class",
];

const STORAGE_CLASSES = [
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
  "EXPRESS_ONEZONE",
];

const MAX_METADATA_BYTES = 2048;

/** Content-Type and the other kept headers of an upload; aws-chunked is framing, not an encoding kept. */
export function storedHeaders(headers: Record<string, string | string[] | undefined>): StoredHeaders {
  const stored: StoredHeaders = {};
  for (const name of KEPT) {
    const raw = headers[name];
    let value = Array.isArray(raw) ? raw.join(",") : raw;
    if (name === "content-encoding" && value !== undefined) {
      value = value
        .split(",")
        .map((encoding) => encoding.trim())
        .filter((encoding) => encoding !== "" && encoding !== "aws-chunked")
        .join(",");
    }
    if (value !== undefined && value !== "") stored[name] = value;
  }
  const storageClass = stored["x-amz-storage-class"];
  if (storageClass !== undefined && !STORAGE_CLASSES.includes(storageClass)) {
    throw new S3Failure(400, "InvalidStorageClass", "The storage class you specified is not valid", {
      StorageClassRequested: storageClass,
    });
  }
  if (storageClass === "STANDARD") delete stored["x-amz-storage-class"];
  stored["content-type"] ??= "binary/octet-stream";
  return stored;
}

/** x-amz-meta-* headers (names lower case, prefix dropped), at most 2 KB as on S3. */
export function userMetadata(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  // Names come from the request: "x-amz-meta-__proto__" must be a plain entry, not a prototype.
  const metadata: Record<string, string> = Object.create(null);
  let size = 0;
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith("x-amz-meta-") || raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(",") : raw;
    const short = name.slice("x-amz-meta-".length);
    metadata[short] = value;
    size += Buffer.byteLength(short) + Buffer.byteLength(value);
  }
  if (size > MAX_METADATA_BYTES) {
    throw new S3Failure(
      400,
      "MetadataTooLarge",
      "Your metadata headers exceed the maximum allowed metadata size",
      {
        Size: String(size),
        MaxSizeAllowed: String(MAX_METADATA_BYTES),
      },
    );
  }
  return metadata;
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** The version id header: only buckets that have had versioning configured report one. */
export function versionHeaders(
  bucket: BucketRecord,
  version: Pick<ObjectVersion, "versionId">,
): OutgoingHttpHeaders {
  return bucket.versioning ? { "x-amz-version-id": version.versionId } : {};
}

const OVERRIDES: Array<[string, string]> = [
  ["response-content-type", "content-type"],
  ["response-content-language", "content-language"],
  ["response-expires", "expires"],
  ["response-cache-control", "cache-control"],
  ["response-content-disposition", "content-disposition"],
  ["response-content-encoding", "content-encoding"],
];

/** What GetObject and HeadObject answer with, before the length and range headers. */
export function objectHeaders(
  call: S3Call,
  bucket: BucketRecord,
  version: ObjectVersion,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ...version.headers,
    etag: `"${version.etag}"`,
    "last-modified": httpDate(version.lastModified),
    "accept-ranges": "bytes",
    "x-amz-server-side-encryption": bucket.encryption?.[0]?.algorithm ?? "AES256",
    ...versionHeaders(bucket, version),
  };
  for (const [name, value] of Object.entries(version.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (version.tags?.length) headers["x-amz-tagging-count"] = String(version.tags.length);
  if (version.checksum && header(call, "x-amz-checksum-mode") === "ENABLED") {
    headers[`x-amz-checksum-${version.checksum.algorithm.toLowerCase()}`] = version.checksum.value;
    headers["x-amz-checksum-type"] = version.checksum.type;
  }
  for (const [parameter, name] of OVERRIDES) {
    const value = call.req.query.get(parameter);
    if (value !== null) headers[name] = value;
  }
  return headers;
}
