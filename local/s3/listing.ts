// Object listings (ListObjectsV2, ListObjects, ListObjectVersions) served from s3rver's folder. s3rver's
// own listing walks files in path order, which is not key order ("a/b" before "a", "a-b" before "a"),
// so its pages skip or repeat keys once a bucket holds more than one page; here keys are sorted first.
import { readdirSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { sendXml, xmlEscape } from "../protocol/xml.ts";
import { S3Failure } from "./failure.ts";

const OBJECT_SUFFIX = "._S3rver_object";
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

export interface ObjectMetadata {
  etag: string;
  "content-length": string;
  "last-modified": string;
}

/** What listing needs of s3rver's filesystem store. */
export interface ListingStore {
  getMetadata(bucket: string, key: string): Promise<ObjectMetadata>;
}

/** S3 orders keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  // Below U+D800, UTF-16 order is code point order is UTF-8 byte order: compare strings as they are.
  if (!ORDER_DIFFERS.test(a) && !ORDER_DIFFERS.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Surrogates and U+E000–U+FFFF: where JavaScript's string order and UTF-8 byte order can disagree. */
const ORDER_DIFFERS = /[\uD800-\uFFFF]/;

/**
 * Where a page starts in a sorted list, by binary search (so a page costs its own size, not the
 * bucket's): the first key after `after`, or the first key at or after `prefix`, whichever is later.
 */
function pageStart(sortedKeys: string[], prefix: string, after: string): number {
  const resume = after !== "" && compareKeys(after, prefix) >= 0;
  let low = 0;
  let high = sortedKeys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compareKeys(sortedKeys[middle]!, resume ? after : prefix);
    if (order < 0 || (resume && order === 0)) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function bucketKeys(bucketDir: string): string[] {
  const keys: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.name.endsWith(OBJECT_SUFFIX))
        keys.push(prefix + entry.name.slice(0, -OBJECT_SUFFIX.length));
    }
  };
  walk(bucketDir, "");
  // Plain string order is byte order unless some key has characters from U+D800 up.
  return keys.some((key) => ORDER_DIFFERS.test(key)) ? keys.sort(compareKeys) : keys.sort();
}

export type ListEntry = { key: string } | { commonPrefix: string };

export interface PageOptions {
  prefix: string;
  delimiter: string;
  /** Resume after this key or common prefix. */
  after: string;
  maxKeys: number;
}

/** One page of a listing: keys and common prefixes both count towards maxKeys, as on S3. */
export function pageKeys(sortedKeys: string[], options: PageOptions) {
  const entries: ListEntry[] = [];
  let truncated = false;
  let last = "";
  for (
    let position = pageStart(sortedKeys, options.prefix, options.after);
    position < sortedKeys.length;
    position += 1
  ) {
    const key = sortedKeys[position]!;
    if (!key.startsWith(options.prefix)) {
      if (compareKeys(key, options.prefix) > 0) break;
      continue;
    }
    // A page that ended on a common prefix resumes after every key under it.
    if (options.delimiter && options.after.endsWith(options.delimiter) && key.startsWith(options.after))
      continue;
    let entry: ListEntry = { key };
    if (options.delimiter) {
      const index = key.indexOf(options.delimiter, options.prefix.length);
      if (index >= 0) {
        const commonPrefix = key.slice(0, index + options.delimiter.length);
        if (commonPrefix === last) continue;
        entry = { commonPrefix };
      }
    }
    if (entries.length >= options.maxKeys) {
      truncated = true;
      break;
    }
    entries.push(entry);
    last = "key" in entry ? entry.key : entry.commonPrefix;
  }
  return { entries, truncated, last };
}

function maxKeysOf(query: URLSearchParams, name: string): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return 1000;
  if (!/^\d+$/.test(raw)) {
    throw new S3Failure(400, "InvalidArgument", "Provided max-keys not an integer or within integer range", {
      ArgumentName: name,
      ArgumentValue: raw,
    });
  }
  return Math.min(1000, Number(raw));
}

const token = {
  encode: (key: string) => Buffer.from(`v1:${key}`).toString("base64"),
  decode: (value: string) => {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    if (!decoded.startsWith("v1:")) {
      throw new S3Failure(400, "InvalidArgument", "The continuation token provided is incorrect", {
        ArgumentName: "continuation-token",
      });
    }
    return decoded.slice(3);
  },
};

export type ListingKind = "v1" | "v2" | "versions";

export async function sendListing(
  kind: ListingKind,
  bucket: string,
  bucketDir: string,
  query: URLSearchParams,
  store: ListingStore,
  res: ServerResponse,
): Promise<void> {
  const urlEncoded = query.get("encoding-type") === "url";
  const encode = (value: string) => (urlEncoded ? encodeURIComponent(value).replace(/%2F/g, "/") : value);
  const text = (name: string, value: string | number | boolean | undefined) =>
    value === undefined || value === "" ? "" : `<${name}>${xmlEscape(String(value))}</${name}>`;
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = maxKeysOf(query, "max-keys");
  const continuation = query.get("continuation-token");
  const after =
    kind === "v2"
      ? continuation
        ? token.decode(continuation)
        : (query.get("start-after") ?? "")
      : kind === "v1"
        ? (query.get("marker") ?? "")
        : (query.get("key-marker") ?? "");
  const page = pageKeys(bucketKeys(bucketDir), { prefix, delimiter, after, maxKeys });
  const owner = "<Owner><ID>000000000000</ID><DisplayName>local</DisplayName></Owner>";
  const withOwner = kind !== "v2" || query.get("fetch-owner") === "true";

  const contents: string[] = [];
  for (const entry of page.entries) {
    if ("commonPrefix" in entry) {
      contents.push(
        `<CommonPrefixes><Prefix>${xmlEscape(encode(entry.commonPrefix))}</Prefix></CommonPrefixes>`,
      );
      continue;
    }
    const metadata = await store.getMetadata(bucket, entry.key);
    const fields = [
      text("Key", encode(entry.key)),
      kind === "versions" ? "<VersionId>null</VersionId><IsLatest>true</IsLatest>" : "",
      text("LastModified", new Date(metadata["last-modified"]).toISOString()),
      text("ETag", metadata.etag),
      text("Size", Number(metadata["content-length"])),
      withOwner ? owner : "",
      "<StorageClass>STANDARD</StorageClass>",
    ].join("");
    contents.push(kind === "versions" ? `<Version>${fields}</Version>` : `<Contents>${fields}</Contents>`);
  }

  const common = [
    text("Name", bucket),
    `<Prefix>${xmlEscape(encode(prefix))}</Prefix>`,
    text("Delimiter", encode(delimiter)),
  ];
  const next = page.truncated ? page.last : undefined;
  let head: string[];
  let root: string;
  if (kind === "v2") {
    root = "ListBucketResult";
    head = [
      ...common,
      text("StartAfter", continuation ? undefined : encode(query.get("start-after") ?? "")),
      text("ContinuationToken", continuation ?? undefined),
      text("NextContinuationToken", next === undefined ? undefined : token.encode(next)),
      `<KeyCount>${page.entries.length}</KeyCount>`,
    ];
  } else if (kind === "v1") {
    root = "ListBucketResult";
    head = [
      ...common,
      `<Marker>${xmlEscape(encode(after))}</Marker>`,
      text("NextMarker", next && encode(next)),
    ];
  } else {
    root = "ListVersionsResult";
    head = [
      ...common,
      `<KeyMarker>${xmlEscape(encode(after))}</KeyMarker>`,
      `<VersionIdMarker>${xmlEscape(query.get("version-id-marker") ?? "")}</VersionIdMarker>`,
      text("NextKeyMarker", next && encode(next)),
      next === undefined ? "" : "<NextVersionIdMarker>null</NextVersionIdMarker>",
    ];
  }
  head.push(
    `<MaxKeys>${maxKeys}</MaxKeys>`,
    text("EncodingType", urlEncoded ? "url" : undefined),
    `<IsTruncated>${page.truncated}</IsTruncated>`,
  );
  sendXml(res, 200, `<${root} ${NS}>${head.join("")}${contents.join("")}</${root}>`);
}
