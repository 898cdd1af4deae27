// ListObjectsV2, ListObjects and ListObjectVersions: S3's parameters, checks and answers around one
// page read from the ordered index (local/s3/store/listing.ts).

import { xmlEscape } from "../../protocol/xml.ts";
import type { IamRequirement } from "../../types.ts";
import { S3Failure } from "../failure.ts";
import { isoDate } from "../object-headers.ts";
import { ownerXml } from "../owner.ts";
import { listCurrentPage, listVersionPage, type Page, type PageEntry } from "../store/listing.ts";
import type { ObjectVersion } from "../store/records.ts";
import { S3_NS, type S3Call, sendXml } from "../wire.ts";
import { bucketArn, requireBucket, type S3Operation } from "./table.ts";

/** XML text that may hold any key: escaped, and characters XML 1.0 cannot carry as character references. */
function keyText(value: string): string {
  let out = "";
  for (const char of xmlEscape(value)) {
    const code = char.charCodeAt(0);
    out += code < 0x20 && code !== 0x09 && code !== 0x0a ? `&#x${code.toString(16)};` : char;
  }
  return out;
}

function maxKeysOf(query: URLSearchParams, name: string): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return 1000;
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) > 2_147_483_647) {
    throw new S3Failure(400, "InvalidArgument", `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: raw,
    });
  }
  if (Number(raw) < 0) {
    throw new S3Failure(
      400,
      "InvalidArgument",
      "Argument maxKeys must be an integer between 0 and 2147483647",
      {
        ArgumentName: name,
        ArgumentValue: raw,
      },
    );
  }
  return Math.min(1000, Number(raw));
}

function encoderOf(query: URLSearchParams): (value: string) => string {
  const encoding = query.get("encoding-type");
  if (encoding === null) return keyText;
  if (encoding !== "url") {
    throw new S3Failure(400, "InvalidArgument", "Invalid Encoding Method specified in Request", {
      ArgumentName: "encoding-type",
      ArgumentValue: encoding,
    });
  }
  return (value) => encodeURIComponent(value).replace(/%2F/g, "/");
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

function listRequirement(action: string) {
  return (call: S3Call): IamRequirement[] => {
    const query = call.req.query;
    const context: Record<string, string> = {};
    for (const name of ["prefix", "delimiter", "max-keys"]) {
      const value = query.get(name);
      if (value !== null) context[`s3:${name}`] = value;
    }
    return [{ action, resources: [bucketArn(call.bucket)], context }];
  };
}

interface Common {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  encode: (value: string) => string;
}

function commonOf(call: S3Call): Common {
  const query = call.req.query;
  return {
    prefix: query.get("prefix") ?? "",
    delimiter: query.get("delimiter") ?? "",
    maxKeys: maxKeysOf(query, "max-keys"),
    encode: encoderOf(query),
  };
}

function field(name: string, value: string | number | boolean | undefined): string {
  return value === undefined || value === "" ? "" : `<${name}>${value}</${name}>`;
}

/** The last key or common prefix of a truncated page: where the next page resumes. */
function lastOf<T extends ObjectVersion>(page: Page<T>): string | undefined {
  const last = page.entries.at(-1);
  if (!page.truncated || !last) return undefined;
  return "object" in last ? last.object.key : last.commonPrefix;
}

function head(bucket: string, common: Common, call: S3Call): string {
  return [
    `<Name>${bucket}</Name>`,
    `<Prefix>${common.encode(common.prefix)}</Prefix>`,
    field("Delimiter", common.delimiter && common.encode(common.delimiter)),
    `<MaxKeys>${common.maxKeys}</MaxKeys>`,
    field("EncodingType", call.req.query.get("encoding-type") ?? undefined),
  ].join("");
}

function renderEntries<T extends ObjectVersion>(
  entries: PageEntry<T>[],
  common: Common,
  render: (object: T) => string,
): string {
  const objects: string[] = [];
  const prefixes: string[] = [];
  for (const entry of entries) {
    if ("commonPrefix" in entry)
      prefixes.push(`<CommonPrefixes><Prefix>${common.encode(entry.commonPrefix)}</Prefix></CommonPrefixes>`);
    else objects.push(render(entry.object));
  }
  return objects.join("") + prefixes.join("");
}

function contents(object: ObjectVersion, common: Common, owner: string): string {
  const checksum = object.checksum
    ? `<ChecksumAlgorithm>${object.checksum.algorithm}</ChecksumAlgorithm><ChecksumType>${object.checksum.type}</ChecksumType>`
    : "";
  return `<Contents><Key>${common.encode(object.key)}</Key><LastModified>${isoDate(object.lastModified)}</LastModified><ETag>"${object.etag}"</ETag>${checksum}<Size>${object.size}</Size>${owner}<StorageClass>${object.headers["x-amz-storage-class"] ?? "STANDARD"}</StorageClass></Contents>`;
}

export const listingOperations: S3Operation[] = [
  {
    name: "ListObjectsV2",
    scope: "bucket",
    method: "GET",
    subresource: "",
    when: (call) => call.req.query.get("list-type") === "2",
    iam: listRequirement("s3:ListBucket"),
    async run(env, call, res) {
      requireBucket(env, call);
      const query = call.req.query;
      const common = commonOf(call);
      const continuation = query.get("continuation-token");
      const startAfter = query.get("start-after") ?? "";
      const after = continuation !== null ? token.decode(continuation) : startAfter;
      const page = await listCurrentPage(env.store.db, call.bucket, { ...common, after });
      const owner = query.get("fetch-owner") === "true" ? ownerXml(env.ctx.accountId) : "";
      const next = lastOf(page);
      const body = [
        head(call.bucket, common, call),
        field("StartAfter", startAfter && common.encode(startAfter)),
        field("ContinuationToken", continuation === null ? undefined : keyText(continuation)),
        field("NextContinuationToken", next === undefined ? undefined : token.encode(next)),
        `<KeyCount>${page.entries.length}</KeyCount>`,
        `<IsTruncated>${page.truncated}</IsTruncated>`,
        renderEntries(page.entries, common, (object) => contents(object, common, owner)),
      ];
      sendXml(res, call, 200, `<ListBucketResult ${S3_NS}>${body.join("")}</ListBucketResult>`);
    },
  },
  {
    name: "ListObjects",
    scope: "bucket",
    method: "GET",
    subresource: "",
    when: (call) => call.req.query.get("list-type") !== "2",
    iam: listRequirement("s3:ListBucket"),
    async run(env, call, res) {
      requireBucket(env, call);
      const common = commonOf(call);
      const marker = call.req.query.get("marker") ?? "";
      const page = await listCurrentPage(env.store.db, call.bucket, { ...common, after: marker });
      const next = lastOf(page);
      const body = [
        head(call.bucket, common, call),
        `<Marker>${common.encode(marker)}</Marker>`,
        // S3 names the next marker only when a delimiter is given (otherwise it is the last key shown).
        field("NextMarker", common.delimiter && next !== undefined ? common.encode(next) : undefined),
        `<IsTruncated>${page.truncated}</IsTruncated>`,
        renderEntries(page.entries, common, (object) =>
          contents(object, common, ownerXml(env.ctx.accountId)),
        ),
      ];
      sendXml(res, call, 200, `<ListBucketResult ${S3_NS}>${body.join("")}</ListBucketResult>`);
    },
  },
  {
    name: "ListObjectVersions",
    scope: "bucket",
    method: "GET",
    subresource: "versions",
    iam: listRequirement("s3:ListBucketVersions"),
    async run(env, call, res) {
      requireBucket(env, call);
      const query = call.req.query;
      const common = commonOf(call);
      const keyMarker = query.get("key-marker") ?? "";
      const versionIdMarker = query.get("version-id-marker") ?? "";
      if (versionIdMarker && !keyMarker) {
        throw new S3Failure(
          400,
          "InvalidArgument",
          "A version-id marker cannot be specified without a key marker.",
          {
            ArgumentName: "version-id-marker",
            ArgumentValue: versionIdMarker,
          },
        );
      }
      const page = await listVersionPage(env.store.db, call.bucket, {
        ...common,
        after: keyMarker,
        versionIdMarker,
      });
      const owner = ownerXml(env.ctx.accountId);
      const last = page.truncated ? page.entries.at(-1) : undefined;
      const body = [
        head(call.bucket, common, call),
        `<KeyMarker>${common.encode(keyMarker)}</KeyMarker>`,
        `<VersionIdMarker>${keyText(versionIdMarker)}</VersionIdMarker>`,
        last
          ? `<NextKeyMarker>${common.encode("object" in last ? last.object.key : last.commonPrefix)}</NextKeyMarker>`
          : "",
        last && "object" in last ? `<NextVersionIdMarker>${last.object.versionId}</NextVersionIdMarker>` : "",
        `<IsTruncated>${page.truncated}</IsTruncated>`,
        renderEntries(page.entries, common, (version) => {
          const shared = `<Key>${common.encode(version.key)}</Key><VersionId>${version.versionId}</VersionId><IsLatest>${version.isLatest}</IsLatest><LastModified>${isoDate(version.lastModified)}</LastModified>`;
          if (version.deleteMarker) return `<DeleteMarker>${shared}${owner}</DeleteMarker>`;
          return `<Version>${shared}<ETag>"${version.etag}"</ETag><Size>${version.size}</Size><StorageClass>${version.headers["x-amz-storage-class"] ?? "STANDARD"}</StorageClass>${owner}</Version>`;
        }),
      ];
      sendXml(res, call, 200, `<ListVersionsResult ${S3_NS}>${body.join("")}</ListVersionsResult>`);
    },
  },
];
