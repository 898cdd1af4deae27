// JSON wire formats: awsJson 1.0/1.1 (DynamoDB, CloudWatch Logs) and restJson (Lambda, API Gateway).
// Errors carry the code where each protocol puts it, so the SDK raises the named exception.

import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = "application/json",
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
    ...headers,
  });
  res.end(text);
}

/** awsJson 1.0/1.1 error: the code travels in `__type` (and the X-Amzn-ErrorType header). */
export function sendAwsJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  contentType = "application/x-amz-json-1.1",
): void {
  sendJson(res, status, { __type: code, message }, contentType, { "x-amzn-errortype": code });
}

/** restJson error: the code travels in the X-Amzn-ErrorType header and the body's `Type`/`message`. */
export function sendRestJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  sendJson(res, status, { Type: "User", message, Message: message, ...extra }, "application/json", {
    "x-amzn-errortype": code,
  });
}

export function parseJsonBody<T = Record<string, unknown>>(body: Buffer): T {
  if (body.length === 0) return {} as T;
  return JSON.parse(body.toString("utf8")) as T;
}
