// An S3 error answer raised anywhere in the S3 emulation and written once, as S3's REST-XML error
// (local/s3/wire.ts), with any headers S3 adds to it (x-amz-delete-marker on a deleted key, …).
import type { OutgoingHttpHeaders } from "node:http";

export class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(message);
  }
}
