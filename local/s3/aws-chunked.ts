// Uploads from SDKs left at their defaults arrive as `Content-Encoding: aws-chunked` with a trailing
// checksum: the framing is unwrapped and the checksums verified before the bytes are stored.
import type { IncomingHttpHeaders } from "node:http";
import { verifyChecksums } from "./checksums.ts";
import { S3Failure } from "./failure.ts";
import type { ObjectChecksum } from "./store/records.ts";

export interface DecodedUpload {
  body: Buffer;
  checksum: ObjectChecksum | undefined;
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

export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const encodings = String(headers["content-encoding"] ?? "").split(",");
  return (
    encodings.some((encoding) => encoding.trim() === "aws-chunked") ||
    /^STREAMING-/.test(String(headers["x-amz-content-sha256"] ?? ""))
  );
}

/** The bytes of an upload, unwrapped from aws-chunked framing, with its checksums verified. */
export function decodeUpload(headers: IncomingHttpHeaders, body: Buffer): DecodedUpload {
  let payload = body;
  let trailers: Record<string, string> = {};
  if (isAwsChunked(headers)) {
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
  return { body: payload, checksum: verifyChecksums(payload, { ...headers, ...trailers }) };
}
