// Query-string authentication (presigned URLs), SigV4 and SigV2 alike: the parameters S3 requires and
// its refusal of an expired URL. Signatures themselves are not checked, as nowhere in the local cloud.
import { S3Failure } from "./failure.ts";

const V4 = [
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Signature",
  "X-Amz-Date",
  "X-Amz-SignedHeaders",
  "X-Amz-Expires",
];
const V2 = ["AWSAccessKeyId", "Expires", "Signature"];
const WEEK_SECONDS = 7 * 24 * 3600;
/** How far ahead of this clock a signing date may be. */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

function queryError(message: string): S3Failure {
  return new S3Failure(400, "AuthorizationQueryParametersError", message);
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `20240101T000000Z` as epoch milliseconds. */
function amzDate(value: string): number | undefined {
  const match = value.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

export function isPresigned(query: URLSearchParams): boolean {
  return [...V4, ...V2].some((name) => query.has(name));
}

/** Throws S3's error for a presigned URL that is incomplete, malformed or expired. */
export function checkPresignedQuery(query: URLSearchParams, now = Date.now()): void {
  if (V4.some((name) => query.has(name))) {
    if (!V4.every((name) => query.has(name))) {
      throw queryError(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
      );
    }
    if (query.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256") {
      throw queryError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    }
    const signed = amzDate(query.get("X-Amz-Date")!);
    if (signed === undefined)
      throw queryError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
    const expires = query.get("X-Amz-Expires")!;
    if (!/^-?\d+$/.test(expires)) throw queryError("X-Amz-Expires should be a number");
    if (Number(expires) < 0) throw queryError("X-Amz-Expires must be non-negative");
    if (Number(expires) > WEEK_SECONDS)
      throw queryError("X-Amz-Expires must be less than a week (in seconds) that is 7 days");
    if (signed > now + CLOCK_SKEW_MS) throw new S3Failure(403, "AccessDenied", "Request is not valid yet");
    const expiry = signed + Number(expires) * 1000;
    if (now > expiry) {
      throw new S3Failure(403, "AccessDenied", "Request has expired", {
        "X-Amz-Expires": expires,
        Expires: isoSeconds(expiry),
        ServerTime: isoSeconds(now),
      });
    }
    return;
  }
  if (V2.some((name) => query.has(name))) {
    if (!V2.every((name) => query.has(name))) {
      throw new S3Failure(
        403,
        "AccessDenied",
        "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
      );
    }
    const expires = Number(query.get("Expires"));
    if (!Number.isInteger(expires))
      throw new S3Failure(
        403,
        "AccessDenied",
        `Invalid date (should be seconds since epoch): ${query.get("Expires")}`,
      );
    if (now > expires * 1000) {
      throw new S3Failure(403, "AccessDenied", "Request has expired", {
        Expires: isoSeconds(expires * 1000),
        ServerTime: isoSeconds(now),
      });
    }
  }
}
