// An S3 error answer raised anywhere in the S3 emulation and written once, as S3's REST-XML error.
import type { ServerResponse } from "node:http";
import { sendS3Error } from "../protocol/xml.ts";

export class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }

  send(res: ServerResponse): void {
    sendS3Error(res, this.status, this.code, this.message, this.extra);
  }
}
