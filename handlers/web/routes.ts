// The dashboard's routes and the validation of every parameter they take, so that a bad value is a 400
// with a JSON error (as the plotting function answers) and never reaches S3, DynamoDB or the page.
import { DEFAULT_SECONDS, MAX_SECONDS, type ProxyEvent } from "../plotting/params.ts";
import type { WebConfig } from "./config.ts";

export type WebRoute =
  | { kind: "page"; bucket: string; seconds: number; cursor?: number }
  | { kind: "history"; bucket: string; cursor?: number; limit: number }
  | { kind: "objects"; bucket: string; cursor?: string }
  | { kind: "status" }
  | { kind: "upload-form" }
  | { kind: "delete"; key: string };

export type RouteResult =
  | { ok: true; route: WebRoute; head: boolean }
  | { ok: false; status: number; error: string; message: string; allow?: string };

export const HISTORY_PAGE_SIZE = 20;
export const MAX_HISTORY_PAGE_SIZE = 100;
/** S3's limit on a key's length, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

const READS = ["GET", "HEAD"];
/** Path → methods the function answers; setup creates an API Gateway method for each but HEAD. */
export const ROUTES: Record<string, { methods: string[] }> = {
  "/": { methods: READS },
  "/api/history": { methods: READS },
  "/api/objects": { methods: [...READS, "DELETE"] },
  "/api/status": { methods: READS },
  "/api/upload-form": { methods: READS },
};

function invalid(message: string): RouteResult {
  return { ok: false, status: 400, error: "InvalidParameter", message };
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

/** A whole number in [min, max] written in decimal digits, or undefined. */
export function wholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^\d{1,16}$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return value >= min && value <= max ? value : undefined;
}

/** The history's paging position: the timestamp of the last record shown, as an opaque token. */
export function encodeHistoryCursor(timestamp: number): string {
  return Buffer.from(`t:${timestamp}`).toString("base64url");
}

export function decodeHistoryCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const match = Buffer.from(cursor, "base64url")
    .toString("utf8")
    .match(/^t:(\d{1,16})$/);
  return match ? Number(match[1]) : undefined;
}

/** S3's continuation token, carried through the page as base64url so it needs no further escaping. */
export function encodeObjectsCursor(token: string): string {
  return Buffer.from(token, "utf8").toString("base64url");
}

export function decodeObjectsCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,2800}$/.test(cursor)) return undefined;
  const token = Buffer.from(cursor, "base64url").toString("utf8");
  return token.length > 0 && token.length <= 2048 ? token : undefined;
}

function bucketParam(query: Record<string, string | undefined>, config: WebConfig): string | RouteResult {
  const bucket = present(query.bucket) ? query.bucket : config.dataBucket;
  if (!config.trackedBuckets.includes(bucket)) {
    return invalid(
      `bucket "${bucket}" is not tracked by this stack; tracked: ${config.trackedBuckets.join(", ")}`,
    );
  }
  return bucket;
}

export function parseWebRequest(event: ProxyEvent, config: WebConfig): RouteResult {
  const method = (event.httpMethod ?? "GET").toUpperCase();
  // A trailing slash names the same page (…/demo/ and …/demo reach the root resource alike).
  const path = (event.path ?? "/").replace(/(.)\/+$/, "$1") || "/";
  const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  if (!route) return { ok: false, status: 404, error: "NotFound", message: `no such page or API: ${path}` };
  if (!route.methods.includes(method)) {
    const allow = route.methods.join(", ");
    return {
      ok: false,
      status: 405,
      error: "MethodNotAllowed",
      message: `method ${method} is not allowed on ${path}; use ${allow}`,
      allow,
    };
  }
  const query = event.queryStringParameters ?? {};
  const head = method === "HEAD";
  const done = (parsed: WebRoute): RouteResult => ({ ok: true, route: parsed, head });

  if (path === "/api/status") return done({ kind: "status" });
  if (path === "/api/upload-form") return done({ kind: "upload-form" });
  if (method === "DELETE") {
    const key = query.key;
    if (!present(key)) return invalid("key is required: the object to delete");
    if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES)
      return invalid(`key must be at most ${MAX_KEY_BYTES} bytes long`);
    if (!key.startsWith(config.uploadPrefix) || key === config.uploadPrefix) {
      return invalid(
        `only objects uploaded here (keys under "${config.uploadPrefix}") can be deleted from the dashboard`,
      );
    }
    return done({ kind: "delete", key });
  }

  const bucket = bucketParam(query, config);
  if (typeof bucket !== "string") return bucket;
  if (path === "/api/objects") {
    if (!present(query.cursor)) return done({ kind: "objects", bucket });
    const cursor = decodeObjectsCursor(query.cursor);
    return cursor === undefined
      ? invalid("cursor is not one this API gave out")
      : done({ kind: "objects", bucket, cursor });
  }

  let cursor: number | undefined;
  if (present(query.cursor)) {
    cursor = decodeHistoryCursor(query.cursor);
    if (cursor === undefined) return invalid("cursor is not one this API gave out");
  }
  const withCursor = cursor === undefined ? {} : { cursor };
  if (path === "/api/history") {
    const limit = present(query.limit)
      ? wholeNumber(query.limit, 1, MAX_HISTORY_PAGE_SIZE)
      : HISTORY_PAGE_SIZE;
    if (limit === undefined)
      return invalid(`limit must be a whole number from 1 to ${MAX_HISTORY_PAGE_SIZE}, got "${query.limit}"`);
    return done({ kind: "history", bucket, limit, ...withCursor });
  }
  const seconds = present(query.seconds) ? wholeNumber(query.seconds, 1, MAX_SECONDS) : DEFAULT_SECONDS;
  if (seconds === undefined)
    return invalid(`seconds must be a whole number from 1 to ${MAX_SECONDS}, got "${query.seconds}"`);
  return done({ kind: "page", bucket, seconds, ...withCursor });
}
