// CopyObject: a new version of the target from a source version (no bytes copied: both point at the same
// body), with S3's metadata and tagging directives, copy-source conditions and refusals.
import type { IamRequirement } from "../../types.ts";
import { evaluateConditions, preconditionFailed } from "../conditions.ts";
import { S3Failure } from "../failure.ts";
import { checkVersionId, noSuchKey, noSuchVersion } from "../lookup.ts";
import { checkKey } from "../names.ts";
import { isoDate, storedHeaders, userMetadata } from "../object-headers.ts";
import { noSuchBucket } from "../store/index.ts";
import { keys } from "../store/keys.ts";
import type { BucketRecord, ObjectVersion } from "../store/records.ts";
import type { Transaction } from "../store/transaction.ts";
import { lookupVersion } from "../store/versions.ts";
import { hasCopySource, header, S3_NS, type S3Call, sendXml } from "../wire.ts";
import { checkConditionalWrite, createdChange, objectTags, writtenHeaders } from "./objects.ts";
import { objectArn, requireBucket, type S3Operation } from "./table.ts";

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/** `x-amz-copy-source: [/]bucket/key[?versionId=…]`, the key URL-encoded. */
export function parseCopySource(call: S3Call): CopySource {
  const raw = header(call, "x-amz-copy-source") ?? "";
  const [path = "", query = ""] = raw.replace(/^\//, "").split("?", 2);
  const slash = path.indexOf("/");
  const invalid = () =>
    new S3Failure(400, "InvalidArgument", "Invalid copy source object key", {
      ArgumentName: "x-amz-copy-source",
      ArgumentValue: raw,
    });
  if (slash <= 0 || slash === path.length - 1) throw invalid();
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(path.slice(0, slash));
    key = decodeURIComponent(path.slice(slash + 1));
  } catch {
    throw invalid();
  }
  const versionId = new URLSearchParams(query).get("versionId");
  if (versionId !== null) checkVersionId(versionId);
  return { bucket, key, ...(versionId !== null ? { versionId } : {}) };
}

/** A copy (CopyObject, UploadPartCopy) reads its source and writes its target: IAM must allow both. */
export function copyRequirements(call: S3Call): IamRequirement[] {
  const source = parseCopySource(call);
  return [
    {
      action: source.versionId ? "s3:GetObjectVersion" : "s3:GetObject",
      resources: [objectArn(source.bucket, source.key)],
      ...(source.versionId ? { context: { "s3:versionid": source.versionId } } : {}),
    },
    { action: "s3:PutObject", resources: [objectArn(call.bucket, call.key)] },
  ];
}

/** The source version inside a write, with S3's refusals and the x-amz-copy-source-if-* conditions. */
export function readCopySource(
  tx: Transaction,
  call: S3Call,
  source: CopySource,
): { version: ObjectVersion; bucket: BucketRecord } {
  const bucket = tx.get<BucketRecord>(keys.bucket(source.bucket));
  if (!bucket) throw noSuchBucket(source.bucket);
  let version: ObjectVersion | undefined;
  if (source.versionId !== undefined) {
    version = lookupVersion(tx, source.bucket, source.key, source.versionId);
    if (!version) throw noSuchVersion(source.key, source.versionId);
    if (version.deleteMarker) {
      throw new S3Failure(
        400,
        "InvalidRequest",
        "The source of a copy request may not specifically refer to a delete marker by version id.",
      );
    }
  } else {
    version = tx.get<ObjectVersion>(keys.current(source.bucket, source.key));
    if (!version) throw noSuchKey(source.key);
  }
  const outcome = evaluateConditions(
    version,
    {
      ifMatch: header(call, "x-amz-copy-source-if-match"),
      ifNoneMatch: header(call, "x-amz-copy-source-if-none-match"),
      ifModifiedSince: header(call, "x-amz-copy-source-if-modified-since"),
      ifUnmodifiedSince: header(call, "x-amz-copy-source-if-unmodified-since"),
    },
    {
      ifMatch: "x-amz-copy-source-If-Match",
      ifNoneMatch: "x-amz-copy-source-If-None-Match",
      ifUnmodifiedSince: "x-amz-copy-source-If-Unmodified-Since",
      ifModifiedSince: "x-amz-copy-source-If-Modified-Since",
    },
  );
  // A copy has no 304: a condition that would make a read answer "not modified" fails the copy.
  if (outcome === "not-modified") {
    throw preconditionFailed(
      header(call, "x-amz-copy-source-if-none-match") !== undefined
        ? "x-amz-copy-source-If-None-Match"
        : "x-amz-copy-source-If-Modified-Since",
    );
  }
  return { version, bucket };
}

function directive(call: S3Call, name: string): "COPY" | "REPLACE" {
  const value = header(call, name) ?? "COPY";
  if (value !== "COPY" && value !== "REPLACE") {
    const what = name === "x-amz-metadata-directive" ? "metadata" : "tagging";
    throw new S3Failure(400, "InvalidArgument", `Unknown ${what} directive.`, {
      ArgumentName: name,
      ArgumentValue: value,
    });
  }
  return value;
}

export const copyOperation: S3Operation = {
  name: "CopyObject",
  scope: "object",
  method: "PUT",
  subresource: "",
  when: hasCopySource,
  iam: copyRequirements,
  async run(env, call, res) {
    requireBucket(env, call);
    checkKey(call.key);
    const source = parseCopySource(call);
    const metadataDirective = directive(call, "x-amz-metadata-directive");
    const taggingDirective = directive(call, "x-amz-tagging-directive");
    const replacedHeaders = storedHeaders(call.req.headers);
    const replacedMetadata = userMetadata(call.req.headers);
    const replacedTags = objectTags(call);
    let copied: { version: ObjectVersion; bucket: BucketRecord } | undefined;
    const { version, bucket } = await env.store.putObject(call.bucket, call.key, (tx) => {
      copied = readCopySource(tx, call, source);
      const from = copied.version;
      const sameObject = source.bucket === call.bucket && source.key === call.key;
      const changesSomething =
        metadataDirective === "REPLACE" ||
        header(call, "x-amz-storage-class") !== undefined ||
        header(call, "x-amz-website-redirect-location") !== undefined ||
        header(call, "x-amz-server-side-encryption") !== undefined;
      if (sameObject && !changesSomething) {
        throw new S3Failure(
          400,
          "InvalidRequest",
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        );
      }
      checkConditionalWrite(call, tx);
      const tags = taggingDirective === "REPLACE" ? replacedTags : from.tags;
      return {
        key: call.key,
        body: from.body!,
        size: from.size,
        // A copy is stored as one part: its ETag is the MD5 of the bytes even when the source was multipart.
        etag: from.md5 ?? from.etag,
        headers: metadataDirective === "REPLACE" ? replacedHeaders : from.headers,
        metadata: metadataDirective === "REPLACE" ? replacedMetadata : from.metadata,
        ...(tags ? { tags } : {}),
        ...(from.checksum?.type === "FULL_OBJECT" ? { checksum: from.checksum } : {}),
      };
    });
    const sourceVersion = copied!.bucket.versioning
      ? { "x-amz-copy-source-version-id": copied!.version.versionId }
      : {};
    await env.notifier.publish(
      bucket,
      createdChange("s3:ObjectCreated:Copy", "CopyObject", bucket, version),
      call,
    );
    const { etag: _etag, ...headers } = writtenHeaders(bucket, version);
    sendXml(
      res,
      call,
      200,
      `<CopyObjectResult ${S3_NS}><LastModified>${isoDate(version.lastModified)}</LastModified><ETag>"${version.etag}"</ETag></CopyObjectResult>`,
      { ...headers, ...sourceVersion },
    );
  },
};
