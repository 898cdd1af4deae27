// Conditional requests and byte ranges as S3 evaluates them: If-Match / If-Unmodified-Since fail with
// 412, If-None-Match / If-Modified-Since answer 304 on reads, and a Range S3 cannot satisfy is a 416.
import { S3Failure } from "./failure.ts";

export interface Validators {
  /** Without quotes. */
  etag: string;
  /** Epoch milliseconds. */
  lastModified: number;
}

export interface ConditionHeaders {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

function etagListMatches(list: string, etag: string): boolean {
  return list
    .split(",")
    .map((item) => item.trim().replace(/^W\//, "").replace(/^"|"$/g, ""))
    .some((item) => item === "*" || item === etag);
}

/** HTTP dates have whole seconds; S3 compares Last-Modified at that precision. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function parseDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export function preconditionFailed(condition: string): S3Failure {
  return new S3Failure(
    412,
    "PreconditionFailed",
    "At least one of the pre-conditions you specified did not hold",
    {
      Condition: condition,
    },
  );
}

/**
 * S3's order (RFC 7232): a true If-Match makes If-Unmodified-Since irrelevant, a present If-None-Match
 * makes If-Modified-Since irrelevant. Returns "not-modified" for a read that should answer 304.
 */
export function evaluateConditions(
  object: Validators,
  headers: ConditionHeaders,
  names = {
    ifMatch: "If-Match",
    ifNoneMatch: "If-None-Match",
    ifUnmodifiedSince: "If-Unmodified-Since",
    ifModifiedSince: "If-Modified-Since",
  },
): "ok" | "not-modified" {
  if (headers.ifMatch !== undefined) {
    if (!etagListMatches(headers.ifMatch, object.etag)) throw preconditionFailed(names.ifMatch);
  } else {
    const since = parseDate(headers.ifUnmodifiedSince);
    if (since !== undefined && seconds(object.lastModified) > seconds(since)) {
      throw preconditionFailed(names.ifUnmodifiedSince);
    }
  }
  if (headers.ifNoneMatch !== undefined) {
    if (etagListMatches(headers.ifNoneMatch, object.etag)) return "not-modified";
  } else {
    const since = parseDate(headers.ifModifiedSince);
    if (since !== undefined && since <= Date.now() && seconds(object.lastModified) <= seconds(since)) {
      return "not-modified";
    }
  }
  return "ok";
}

export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one byte range of a `Range: bytes=…` header. S3 ignores a header it cannot parse (or one asking
 * for several ranges) and serves the whole object; a range starting past the end is InvalidRange.
 */
export function parseRange(value: string | undefined, size: number): ByteRange | undefined {
  if (value === undefined) return undefined;
  const match = value.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) throw invalidRange(value, size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== "" && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(value, size);
  return { start, end };
}

function invalidRange(requested: string, size: number): S3Failure {
  return new S3Failure(416, "InvalidRange", "The requested range is not satisfiable", {
    RangeRequested: requested,
    ActualObjectSize: String(size),
  });
}
