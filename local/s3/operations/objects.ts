// Objects: PutObject (conditional writes, aws-chunked uploads, checksums, tags), GetObject and HeadObject
// (versions, ranges, conditional reads, parts) and DeleteObject (versions and delete markers).
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { decodeUpload } from "../aws-chunked.ts";
import { evaluateConditions, parseRange, preconditionFailed } from "../conditions.ts";
import { S3Failure } from "../failure.ts";
import { checkVersionId, deleteMarkerHeaders, findVersion, noSuchKey } from "../lookup.ts";
import { checkKey } from "../names.ts";
import { objectHeaders, storedHeaders, userMetadata, versionHeaders } from "../object-headers.ts";
import { bodyOf } from "../store/bodies.ts";
import { keys } from "../store/keys.ts";
import type { BucketRecord, ObjectVersion } from "../store/records.ts";
import type { Transaction } from "../store/transaction.ts";
import { checkTags, OBJECT_TAG_LIMIT, tagsFromHeader } from "../tags.ts";
import { hasCopySource, header, type S3Call, sendEmpty } from "../wire.ts";
import { checkAclHeaders } from "./acl.ts";
import { onObject, requireBucket, type S3Env, type S3Operation } from "./table.ts";

/** PutObject's If-None-Match: * and If-Match, evaluated against the key's current version inside the write. */
export function checkConditionalWrite(call: S3Call, tx: Transaction): void {
  const ifNoneMatch = header(call, "if-none-match");
  const ifMatch = header(call, "if-match");
  if (ifNoneMatch === undefined && ifMatch === undefined) return;
  const current = tx.get<ObjectVersion>(keys.current(call.bucket, call.key));
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") {
      throw new S3Failure(
        501,
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        {
          Header: "If-None-Match",
        },
      );
    }
    if (current) throw preconditionFailed("If-None-Match");
  }
  if (ifMatch !== undefined) {
    if (!current) throw noSuchKey(call.key);
    evaluateConditions(current, { ifMatch });
  }
}

/** The headers of a write's answer: ETag, version id and the checksum S3 kept. */
export function writtenHeaders(bucket: BucketRecord, version: ObjectVersion): OutgoingHttpHeaders {
  return {
    etag: `"${version.etag}"`,
    "x-amz-server-side-encryption": bucket.encryption?.[0]?.algorithm ?? "AES256",
    ...versionHeaders(bucket, version),
    ...(version.checksum
      ? {
          [`x-amz-checksum-${version.checksum.algorithm.toLowerCase()}`]: version.checksum.value,
          "x-amz-checksum-type": version.checksum.type,
        }
      : {}),
  };
}

export function objectTags(call: S3Call) {
  const tags = tagsFromHeader(header(call, "x-amz-tagging"));
  return tags && tags.length > 0 ? checkTags(tags, OBJECT_TAG_LIMIT) : undefined;
}

async function putObject(env: S3Env, call: S3Call, res: ServerResponse): Promise<void> {
  requireBucket(env, call);
  checkKey(call.key);
  checkAclHeaders(call);
  const upload = decodeUpload(call.req.headers, call.req.body);
  const headers = storedHeaders(call.req.headers);
  const metadata = userMetadata(call.req.headers);
  const tags = objectTags(call);
  const body = await env.store.stage(upload.body);
  const { version, bucket } = await env.store.putObject(
    call.bucket,
    call.key,
    (tx) => {
      checkConditionalWrite(call, tx);
      return {
        key: call.key,
        body,
        size: body.size,
        etag: body.md5,
        headers,
        metadata,
        ...(tags ? { tags } : {}),
        ...(upload.checksum ? { checksum: upload.checksum } : {}),
      };
    },
    body,
  );
  await env.notifier.publish(
    bucket,
    createdChange("s3:ObjectCreated:Put", "PutObject", bucket, version),
    call,
  );
  sendEmpty(res, call, 200, writtenHeaders(bucket, version));
}

export function createdChange(
  eventName: string,
  reason: string,
  bucket: BucketRecord,
  version: ObjectVersion,
) {
  return {
    eventName,
    key: version.key,
    seq: version.seq,
    reason,
    size: version.size,
    etag: version.etag,
    ...(bucket.versioning ? { versionId: version.versionId } : {}),
  };
}

/** Which bytes of the version a read serves: a Range, a partNumber, or all of it. */
function servedRange(
  call: S3Call,
  version: ObjectVersion,
): { range?: { start: number; end: number }; headers: OutgoingHttpHeaders } {
  const partNumber = call.req.query.get("partNumber");
  if (partNumber !== null) {
    const number = Number(partNumber);
    const parts = version.parts ?? [version.size];
    if (!Number.isInteger(number) || number < 1 || number > 10_000) {
      throw new S3Failure(
        400,
        "InvalidArgument",
        "Part number must be an integer between 1 and 10000, inclusive",
        {
          ArgumentName: "partNumber",
          ArgumentValue: partNumber,
        },
      );
    }
    if (number > parts.length)
      throw new S3Failure(416, "InvalidPartNumber", "The requested partnumber is not satisfiable");
    const start = parts.slice(0, number - 1).reduce((sum, size) => sum + size, 0);
    const range = { start, end: start + parts[number - 1]! - 1 };
    return { range, headers: { "x-amz-mp-parts-count": String(parts.length) } };
  }
  const range = parseRange(header(call, "range"), version.size);
  return range ? { range, headers: {} } : { headers: {} };
}

async function readObject(env: S3Env, call: S3Call, res: ServerResponse, withBody: boolean): Promise<void> {
  const bucket = requireBucket(env, call);
  // A concurrent overwrite may delete the body between the index read and the open: read again.
  for (let attempt = 0; ; attempt++) {
    const version = await findVersion(env.store, call.bucket, call.key, call.req.query.get("versionId"));
    const headers = objectHeaders(call, bucket, version);
    const outcome = evaluateConditions(version, {
      ifMatch: header(call, "if-match"),
      ifNoneMatch: header(call, "if-none-match"),
      ifModifiedSince: header(call, "if-modified-since"),
      ifUnmodifiedSince: header(call, "if-unmodified-since"),
    });
    if (outcome === "not-modified") {
      res.writeHead(304, { ...call.headers, etag: headers.etag, "last-modified": headers["last-modified"] });
      res.end();
      return;
    }
    const { range, headers: partHeaders } = servedRange(call, version);
    const status = range ? 206 : 200;
    const length = range ? range.end - range.start + 1 : version.size;
    const answer: OutgoingHttpHeaders = {
      ...call.headers,
      ...headers,
      ...partHeaders,
      "content-length": String(length),
    };
    if (range) answer["content-range"] = `bytes ${range.start}-${range.end}/${version.size}`;
    if (!withBody || length === 0) {
      res.writeHead(status, answer);
      res.end();
      return;
    }
    let stream: Awaited<ReturnType<typeof env.store.readBody>>;
    try {
      stream = await env.store.readBody(bodyOf(version)!, range);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && attempt < 3) continue;
      throw error;
    }
    res.writeHead(status, answer);
    stream.pipe(res);
    await new Promise<void>((resolve) => {
      stream.once("close", resolve);
      res.once("close", () => {
        stream.destroy();
        resolve();
      });
    });
    return;
  }
}

async function deleteObject(env: S3Env, call: S3Call, res: ServerResponse): Promise<void> {
  requireBucket(env, call);
  const versionId = call.req.query.get("versionId");
  if (versionId !== null) checkVersionId(versionId);
  const result = await env.store.deleteObject(call.bucket, call.key, versionId ?? undefined);
  const headers: OutgoingHttpHeaders = {};
  if (result.marker) Object.assign(headers, deleteMarkerHeaders(result.marker));
  else if (versionId !== null) {
    headers["x-amz-version-id"] = versionId;
    if (result.removed?.deleteMarker) headers["x-amz-delete-marker"] = "true";
  }
  const change = removedChange(result, call.key);
  if (change) await env.notifier.publish(result.bucket, change, call);
  sendEmpty(res, call, 204, headers);
}

/** The event a delete produces: a delete marker added, a version removed for good, or nothing at all. */
export function removedChange(
  result: { marker?: ObjectVersion; removed?: ObjectVersion; seq?: number; bucket: BucketRecord },
  key: string,
) {
  const versioned = result.bucket.versioning !== undefined;
  if (result.marker) {
    return {
      eventName: "s3:ObjectRemoved:DeleteMarkerCreated",
      key,
      seq: result.marker.seq,
      reason: "DeleteObject",
      versionId: result.marker.versionId,
      deletionType: "Delete Marker Created" as const,
    };
  }
  if (!result.removed || result.seq === undefined) return undefined;
  return {
    eventName: "s3:ObjectRemoved:Delete",
    key,
    seq: result.seq,
    reason: "DeleteObject",
    ...(versioned ? { versionId: result.removed.versionId } : {}),
    deletionType: "Permanently Deleted" as const,
  };
}

export const objectOperations: S3Operation[] = [
  {
    name: "PutObject",
    scope: "object",
    method: "PUT",
    subresource: "",
    when: (call) => !hasCopySource(call),
    iam: onObject("PutObject"),
    run: putObject,
  },
  {
    name: "GetObject",
    scope: "object",
    method: "GET",
    subresource: "",
    iam: onObject("GetObject", "GetObjectVersion"),
    run: (env, call, res) => readObject(env, call, res, true),
  },
  {
    name: "HeadObject",
    scope: "object",
    method: "HEAD",
    subresource: "",
    iam: onObject("GetObject", "GetObjectVersion"),
    run: (env, call, res) => readObject(env, call, res, false),
  },
  {
    name: "DeleteObject",
    scope: "object",
    method: "DELETE",
    subresource: "",
    iam: onObject("DeleteObject", "DeleteObjectVersion"),
    run: deleteObject,
  },
];
