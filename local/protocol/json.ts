// JSON wire formats: awsJson 1.0/1.1 (DynamoDB, CloudWatch Logs) and restJson (Lambda, API Gateway).
// Errors carry the code where each protocol puts it, so the SDK raises the named exception.

import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type Input, ServiceError, type Wire } from "./operations.ts";

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

/**
 * The awsJson 1.0/1.1 wire for operation-table services: `X-Amz-Target: <prefix>.<Operation>`, JSON in and
 * out, timestamps as epoch seconds. Services that moved from Query (SQS, CloudWatch) are
 * awsQueryCompatible: errors also carry the old Query code in `x-amzn-query-error`, which the SDKs and
 * the CLI read first.
 */
export function awsJsonWire(options: { contentType: string; queryCompatible?: boolean }): Wire {
  return {
    operation: (req) => req.target?.split(".").pop() ?? "",
    input(req) {
      try {
        const input = parseJsonBody<Input>(req.body);
        if (input && typeof input === "object" && !Array.isArray(input)) return input;
      } catch {
        // reported below
      }
      throw new ServiceError(
        400,
        "SerializationException",
        "Start of structure or map found where not expected.",
      );
    },
    output(res, _operation, output) {
      const text = JSON.stringify(output ?? {}, function (key, value) {
        const raw = (this as Record<string, unknown>)[key];
        return raw instanceof Date ? raw.getTime() / 1000 : value;
      });
      res.writeHead(200, {
        "content-type": options.contentType,
        "content-length": Buffer.byteLength(text),
        "x-amzn-requestid": randomUUID(),
      });
      res.end(text);
    },
    error(res, error) {
      const headers: Record<string, string> = { "x-amzn-errortype": error.code };
      if (options.queryCompatible) {
        headers["x-amzn-query-error"] = `${error.queryCode};${error.status >= 500 ? "Receiver" : "Sender"}`;
      }
      sendJson(
        res,
        error.status,
        { __type: error.code, message: error.message },
        options.contentType,
        headers,
      );
    },
  };
}
