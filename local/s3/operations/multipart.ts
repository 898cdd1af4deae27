// Multipart uploads: create, upload a part (or copy one from an object), list parts and uploads,
// complete (AWS's `<md5 of part md5s>-<parts>` ETag, EntityTooSmall, InvalidPart, InvalidPartOrder) and abort.
import { createHash } from "node:crypto";
import { xmlChildren, xmlEscape, xmlText } from "../../protocol/xml.ts";
import { decodeUpload } from "../aws-chunked.ts";
import { CHECKSUM_ALGORITHMS } from "../checksums.ts";
import { parseRange } from "../conditions.ts";
import { S3Failure } from "../failure.ts";
import { findVersion, noSuchKey } from "../lookup.ts";
import { checkKey } from "../names.ts";
import { isoDate, storedHeaders, userMetadata, versionHeaders } from "../object-headers.ts";
import { initiatorXml, ownerXml } from "../owner.ts";
import { randomChunk } from "../random.ts";
import { bodyOf } from "../store/bodies.ts";
import { invalidPart, noSuchUpload } from "../store/index.ts";
import type { ObjectChecksum, PartRecord, UploadRecord } from "../store/records.ts";
import {
  hasCopySource,
  header,
  malformedXml,
  S3_NS,
  type S3Call,
  sendEmpty,
  sendXml,
  xmlBody,
  xmlField,
} from "../wire.ts";
import { copyRequirements, parseCopySource } from "./copy.ts";
import { createdChange, objectTags } from "./objects.ts";
import { onBucket, onObject, requireBucket, type S3Env, type S3Operation } from "./table.ts";

const MIN_PART_BYTES = 5 * 1024 * 1024;

function uploadOf(env: S3Env, call: S3Call): UploadRecord {
  const uploadId = call.req.query.get("uploadId") ?? "";
  const upload = /^[A-Za-z0-9_-]{16,200}$/.test(uploadId)
    ? env.store.upload(call.bucket, uploadId)
    : undefined;
  if (!upload || upload.key !== call.key) throw noSuchUpload(uploadId);
  return upload;
}

function partNumberOf(call: S3Call): number {
  const raw = call.req.query.get("partNumber") ?? "";
  const number = Number(raw);
  if (!/^\d+$/.test(raw) || number < 1 || number > 10_000) {
    throw new S3Failure(
      400,
      "InvalidArgument",
      "Part number must be an integer between 1 and 10000, inclusive",
      {
        ArgumentName: "partNumber",
        ArgumentValue: raw,
      },
    );
  }
  return number;
}

async function storePart(
  env: S3Env,
  call: S3Call,
  upload: UploadRecord,
  bytes: Buffer,
  checksum?: ObjectChecksum,
) {
  const body = await env.store.stage(bytes);
  const part = {
    partNumber: partNumberOf(call),
    etag: body.md5,
    size: body.size,
    lastModified: Date.now(),
    ...(checksum ? { checksum: checksum.value } : {}),
  };
  await env.store.putPart(call.bucket, upload.uploadId, part, body);
  return part;
}

/** The bytes of an UploadPartCopy: the source object, or the x-amz-copy-source-range of it. */
async function copiedBytes(env: S3Env, call: S3Call): Promise<Buffer> {
  const source = parseCopySource(call);
  if (!env.store.bucket(source.bucket)) throw noSuchKey(source.key);
  const version = await findVersion(env.store, source.bucket, source.key, source.versionId ?? null);
  const rangeHeader = header(call, "x-amz-copy-source-range");
  let range: { start: number; end: number } | undefined;
  if (rangeHeader !== undefined) {
    if (!/^bytes=\d+-\d+$/.test(rangeHeader)) {
      throw new S3Failure(
        400,
        "InvalidArgument",
        "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
        { ArgumentName: "x-amz-copy-source-range", ArgumentValue: rangeHeader },
      );
    }
    const [first, last] = rangeHeader.slice(6).split("-").map(Number) as [number, number];
    if (last >= version.size || first > last) {
      throw new S3Failure(400, "InvalidRange", "The requested range is not satisfiable", {
        RangeRequested: rangeHeader,
        ActualObjectSize: String(version.size),
      });
    }
    range = parseRange(rangeHeader, version.size);
  }
  if (version.size === 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of await env.store.readBody(bodyOf(version)!, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function requestedParts(call: S3Call): Array<{ partNumber: number; etag: string }> {
  const root = xmlBody(call);
  if (root.name !== "CompleteMultipartUpload") throw malformedXml();
  const parts = xmlChildren(root, "Part").map((part) => ({
    partNumber: Number(xmlText(part, "PartNumber")),
    etag: (xmlText(part, "ETag") ?? "").replace(/"/g, ""),
  }));
  if (parts.length === 0 || parts.some((part) => !Number.isInteger(part.partNumber))) throw malformedXml();
  return parts;
}

async function complete(env: S3Env, call: S3Call, res: Parameters<S3Operation["run"]>[2]) {
  requireBucket(env, call);
  const upload = uploadOf(env, call);
  const requested = requestedParts(call);
  for (let i = 1; i < requested.length; i++) {
    if (requested[i]!.partNumber <= requested[i - 1]!.partNumber) {
      throw new S3Failure(
        400,
        "InvalidPartOrder",
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
      );
    }
  }
  const chosen: PartRecord[] = requested.map((wanted) => {
    const part = env.store.part(upload.uploadId, wanted.partNumber);
    if (!part || part.etag !== wanted.etag) throw invalidPart();
    return part;
  });
  chosen.forEach((part, index) => {
    if (index < chosen.length - 1 && part.size < MIN_PART_BYTES) {
      throw new S3Failure(
        400,
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed object size.",
        {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_BYTES),
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        },
      );
    }
  });
  const etag = `${createHash("md5")
    .update(Buffer.concat(chosen.map((part) => Buffer.from(part.etag, "hex"))))
    .digest("hex")}-${chosen.length}`;
  const body = await env.store.bodies.stageConcatenation(chosen.map((part) => bodyOf(part)!));
  const { version, bucket } = await env.store.completeUpload(
    call.bucket,
    upload.uploadId,
    chosen,
    body,
    (stored) => ({
      key: stored.key,
      size: body.size,
      etag,
      md5: body.md5,
      headers: stored.headers,
      metadata: stored.metadata,
      parts: chosen.map((part) => part.size),
      ...(stored.tags ? { tags: stored.tags } : {}),
    }),
  );
  await env.notifier.publish(
    bucket,
    createdChange("s3:ObjectCreated:CompleteMultipartUpload", "CompleteMultipartUpload", bucket, version),
    call,
  );
  const location = `${env.ctx.endpoint}/${encodeURIComponent(call.bucket)}/${call.key.split("/").map(encodeURIComponent).join("/")}`;
  sendXml(
    res,
    call,
    200,
    `<CompleteMultipartUploadResult ${S3_NS}><Location>${xmlEscape(location)}</Location><Bucket>${call.bucket}</Bucket><Key>${xmlEscape(call.key)}</Key><ETag>"${etag}"</ETag></CompleteMultipartUploadResult>`,
    versionHeaders(bucket, version),
  );
}

export const multipartOperations: S3Operation[] = [
  {
    name: "CreateMultipartUpload",
    scope: "object",
    method: "POST",
    subresource: "uploads",
    iam: onObject("PutObject"),
    async run(env, call, res) {
      requireBucket(env, call);
      checkKey(call.key);
      const algorithm = header(call, "x-amz-checksum-algorithm")?.toUpperCase();
      if (
        algorithm !== undefined &&
        !CHECKSUM_ALGORITHMS.includes(algorithm as ObjectChecksum["algorithm"])
      ) {
        throw new S3Failure(
          400,
          "InvalidRequest",
          "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
        );
      }
      const tags = objectTags(call);
      const upload: UploadRecord = {
        uploadId: randomChunk(48).toString("base64url"),
        bucket: call.bucket,
        key: call.key,
        initiated: Date.now(),
        headers: storedHeaders(call.req.headers),
        metadata: userMetadata(call.req.headers),
        ...(tags ? { tags } : {}),
        ...(algorithm ? { checksumAlgorithm: algorithm as ObjectChecksum["algorithm"] } : {}),
      };
      await env.store.createUpload(upload);
      sendXml(
        res,
        call,
        200,
        `<InitiateMultipartUploadResult ${S3_NS}><Bucket>${call.bucket}</Bucket><Key>${xmlEscape(call.key)}</Key><UploadId>${upload.uploadId}</UploadId></InitiateMultipartUploadResult>`,
        algorithm ? { "x-amz-checksum-algorithm": algorithm } : {},
      );
    },
  },
  {
    name: "UploadPart",
    scope: "object",
    method: "PUT",
    subresource: "uploadId",
    when: (call) => !hasCopySource(call),
    iam: onObject("PutObject"),
    async run(env, call, res) {
      requireBucket(env, call);
      const upload = uploadOf(env, call);
      partNumberOf(call);
      const decoded = decodeUpload(call.req.headers, call.req.body);
      const part = await storePart(env, call, upload, decoded.body, decoded.checksum);
      const checksum = decoded.checksum
        ? { [`x-amz-checksum-${decoded.checksum.algorithm.toLowerCase()}`]: decoded.checksum.value }
        : {};
      sendEmpty(res, call, 200, { etag: `"${part.etag}"`, ...checksum });
    },
  },
  {
    name: "UploadPartCopy",
    scope: "object",
    method: "PUT",
    subresource: "uploadId",
    when: hasCopySource,
    iam: copyRequirements,
    async run(env, call, res) {
      requireBucket(env, call);
      const upload = uploadOf(env, call);
      partNumberOf(call);
      const part = await storePart(env, call, upload, await copiedBytes(env, call));
      sendXml(
        res,
        call,
        200,
        `<CopyPartResult ${S3_NS}><LastModified>${isoDate(part.lastModified)}</LastModified><ETag>"${part.etag}"</ETag></CopyPartResult>`,
      );
    },
  },
  {
    name: "CompleteMultipartUpload",
    scope: "object",
    method: "POST",
    subresource: "uploadId",
    iam: onObject("PutObject"),
    run: complete,
  },
  {
    name: "AbortMultipartUpload",
    scope: "object",
    method: "DELETE",
    subresource: "uploadId",
    iam: onObject("AbortMultipartUpload"),
    async run(env, call, res) {
      requireBucket(env, call);
      const upload = uploadOf(env, call);
      await env.store.abortUpload(call.bucket, upload.uploadId);
      sendEmpty(res, call, 204);
    },
  },
  {
    name: "ListParts",
    scope: "object",
    method: "GET",
    subresource: "uploadId",
    iam: onObject("ListMultipartUploadParts"),
    async run(env, call, res) {
      requireBucket(env, call);
      const upload = uploadOf(env, call);
      const query = call.req.query;
      const maxParts = Math.min(1000, Number(query.get("max-parts") ?? 1000));
      const marker = Number(query.get("part-number-marker") ?? 0);
      if (!Number.isInteger(maxParts) || maxParts < 0 || !Number.isInteger(marker) || marker < 0) {
        throw new S3Failure(
          400,
          "InvalidArgument",
          "Argument max-parts must be an integer between 0 and 2147483647",
        );
      }
      const parts = await env.store.listParts(upload.uploadId, marker, maxParts + 1);
      const shown = parts.slice(0, maxParts);
      const truncated = parts.length > maxParts;
      const owner = ownerXml(env.ctx.accountId);
      const items = shown.map(
        (part) =>
          `<Part><PartNumber>${part.partNumber}</PartNumber><LastModified>${isoDate(part.lastModified)}</LastModified><ETag>"${part.etag}"</ETag><Size>${part.size}</Size></Part>`,
      );
      sendXml(
        res,
        call,
        200,
        `<ListPartsResult ${S3_NS}><Bucket>${call.bucket}</Bucket><Key>${xmlEscape(call.key)}</Key><UploadId>${upload.uploadId}</UploadId><PartNumberMarker>${marker}</PartNumberMarker>${xmlField("NextPartNumberMarker", truncated ? shown.at(-1)?.partNumber : undefined)}<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>${items.join("")}${initiatorXml(env.ctx.accountId)}${owner}<StorageClass>STANDARD</StorageClass></ListPartsResult>`,
      );
    },
  },
  {
    name: "ListMultipartUploads",
    scope: "bucket",
    method: "GET",
    subresource: "uploads",
    iam: onBucket("ListBucketMultipartUploads"),
    async run(env, call, res) {
      requireBucket(env, call);
      const query = call.req.query;
      const prefix = query.get("prefix") ?? "";
      const keyMarker = query.get("key-marker") ?? "";
      const uploadIdMarker = query.get("upload-id-marker") ?? "";
      const maxUploads = Math.min(1000, Number(query.get("max-uploads") ?? 1000));
      const all = (await env.store.listUploadRecords(call.bucket))
        .filter((upload) => upload.key.startsWith(prefix))
        .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || a.initiated - b.initiated)
        .filter((upload) =>
          uploadIdMarker
            ? upload.key > keyMarker || (upload.key === keyMarker && upload.uploadId > uploadIdMarker)
            : upload.key > keyMarker,
        );
      const shown = all.slice(0, maxUploads);
      const last = all.length > shown.length ? shown.at(-1) : undefined;
      const owner = ownerXml(env.ctx.accountId);
      const items = shown.map(
        (upload) =>
          `<Upload><Key>${xmlEscape(upload.key)}</Key><UploadId>${upload.uploadId}</UploadId>${initiatorXml(env.ctx.accountId)}${owner}<StorageClass>STANDARD</StorageClass><Initiated>${isoDate(upload.initiated)}</Initiated></Upload>`,
      );
      sendXml(
        res,
        call,
        200,
        `<ListMultipartUploadsResult ${S3_NS}><Bucket>${call.bucket}</Bucket><KeyMarker>${xmlEscape(keyMarker)}</KeyMarker><UploadIdMarker>${xmlEscape(uploadIdMarker)}</UploadIdMarker>${xmlField("NextKeyMarker", last?.key)}${xmlField("NextUploadIdMarker", last?.uploadId)}${xmlField("Prefix", prefix)}<MaxUploads>${maxUploads}</MaxUploads><IsTruncated>${last !== undefined}</IsTruncated>${items.join("")}</ListMultipartUploadsResult>`,
      );
    },
  },
];
