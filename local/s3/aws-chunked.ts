// Uploads from SDKs left at their defaults arrive as `Content-Encoding: aws-chunked` with a trailing
// checksum. s3rver would store the framing as the object's bytes, so the edge unwraps them first.
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { crc32 } from "node:zlib";
import { S3Failure } from "./failure.ts";

export interface DecodedUpload {
  body: Buffer;
  /** The headers to forward: chunking and checksum headers removed, length set to the payload's. */
  headers: IncomingHttpHeaders;
}

/** Reads `<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailers>\r\n\r\n`. */
export function decodeAwsChunked(body: Buffer): { payload: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd < 0)
      throw new S3Failure(400, "IncompleteBody", "The aws-chunked body ends inside a chunk header");
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString("latin1").split(";")[0]!, 16);
    if (!Number.isFinite(size) || size < 0) {
      throw new S3Failure(400, "InvalidRequest", "The aws-chunked body has a malformed chunk header");
    }
    offset = lineEnd + 2;
    if (size === 0) break;
    if (offset + size > body.length) {
      throw new S3Failure(400, "IncompleteBody", "The aws-chunked body is shorter than its chunks say");
    }
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(offset).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { payload: Buffer.concat(parts), trailers };
}

const DIGESTS: Record<string, (data: Buffer) => string> = {
  "x-amz-checksum-crc32": (data) => {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc32(data));
    return value.toString("base64");
  },
  "x-amz-checksum-sha1": (data) => createHash("sha1").update(data).digest("base64"),
  "x-amz-checksum-sha256": (data) => createHash("sha256").update(data).digest("base64"),
};

/** Checks the checksums we can compute (CRC32, SHA-1, SHA-256) as S3 does; others are accepted as sent. */
function verifyChecksums(payload: Buffer, values: Record<string, string | string[] | undefined>): void {
  for (const [name, digest] of Object.entries(DIGESTS)) {
    const expected = values[name];
    if (typeof expected === "string" && expected !== digest(payload)) {
      const algorithm = name.slice("x-amz-checksum-".length).toUpperCase();
      throw new S3Failure(
        400,
        "BadDigest",
        `The ${algorithm} you specified did not match the calculated checksum.`,
      );
    }
  }
}

const DROPPED =
  /^(x-amz-checksum-|x-amz-sdk-checksum-algorithm$|x-amz-decoded-content-length$|x-amz-trailer$|x-amz-content-sha256$)/;

/** Turns an object upload into the plain body and headers s3rver stores correctly. */
export function decodeUpload(headers: IncomingHttpHeaders, body: Buffer): DecodedUpload {
  const encodings = String(headers["content-encoding"] ?? "")
    .split(",")
    .map((encoding) => encoding.trim())
    .filter(Boolean);
  const chunked =
    encodings.includes("aws-chunked") || /^STREAMING-/.test(String(headers["x-amz-content-sha256"] ?? ""));
  let payload = body;
  let trailers: Record<string, string> = {};
  if (chunked) {
    ({ payload, trailers } = decodeAwsChunked(body));
    const declared = headers["x-amz-decoded-content-length"];
    if (declared !== undefined && Number(declared) !== payload.length) {
      throw new S3Failure(
        400,
        "IncompleteBody",
        "The decoded length differs from x-amz-decoded-content-length",
      );
    }
  }
  verifyChecksums(payload, { ...headers, ...trailers });
  const forwarded: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!DROPPED.test(name)) forwarded[name] = value;
  const remaining = encodings.filter((encoding) => encoding !== "aws-chunked");
  if (remaining.length > 0) forwarded["content-encoding"] = remaining.join(",");
  else delete forwarded["content-encoding"];
  forwarded["content-length"] = String(payload.length);
  return { body: payload, headers: forwarded };
}
