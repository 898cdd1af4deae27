// Reads and validates the plot request, from an API Gateway proxy event or a direct invocation,
// so that every bad value becomes a 400 with a message instead of a failure further in.
import { MAX_SERIES } from "../chart/palette.ts";

/** The parts of an API Gateway proxy event (REST v1; v2 has the same query and header fields) it reads. */
export interface ProxyEvent {
  httpMethod?: string;
  path?: string;
  queryStringParameters?: Record<string, string | undefined> | null;
  /** REST proxy events carry every value of a repeated parameter here (`?bucket=a&bucket=b`). */
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  headers?: Record<string, string | undefined> | null;
}

/** A direct invocation: `aws lambda invoke` or a test, with the same parameters as the query string. */
export interface DirectPlotRequest {
  /** One bucket, several comma-separated (`"a,b"`), or a list. */
  bucket?: string | string[];
  seconds?: number | string;
  max?: string;
  format?: string;
}

export type MaxScope = "global" | "bucket";
export type PlotFormat = "json" | "png";

export interface PlotParams {
  /** One or more (at most `MAX_SERIES`), distinct, in the order asked: one line each on the chart. */
  buckets: string[];
  seconds: number;
  max: MaxScope;
  format: PlotFormat;
}

export type ParseResult = { ok: true; params: PlotParams } | { ok: false; status: number; message: string };

export const DEFAULT_SECONDS = 10;
export const MAX_SECONDS = 86_400;

export function isProxyEvent(event: unknown): event is ProxyEvent {
  return (
    typeof event === "object" &&
    event !== null &&
    ("httpMethod" in event || "queryStringParameters" in event || "headers" in event)
  );
}

export function parsePlotRequest(event: ProxyEvent | DirectPlotRequest, defaultBucket: string): ParseResult {
  let query: Record<string, unknown>;
  let accept = "";
  if (isProxyEvent(event)) {
    const method = event.httpMethod?.toUpperCase();
    if (method && method !== "GET" && method !== "HEAD") {
      return { ok: false, status: 405, message: `method ${method} is not allowed; use GET` };
    }
    query = { ...event.queryStringParameters };
    // API Gateway keeps only the last value of a repeated parameter in queryStringParameters.
    const repeated = event.multiValueQueryStringParameters?.bucket;
    if (repeated && repeated.length > 1) query.bucket = repeated;
    accept = headerValue(event.headers, "accept") ?? "";
  } else {
    query = (event ?? {}) as Record<string, unknown>;
  }
  const buckets = parseBuckets(query.bucket, defaultBucket);
  if (typeof buckets === "string") return invalid(buckets);

  const seconds = present(query.seconds) ? parseSeconds(query.seconds) : DEFAULT_SECONDS;
  if (seconds === undefined) {
    return invalid(`seconds must be a whole number from 1 to ${MAX_SECONDS}, got "${String(query.seconds)}"`);
  }
  const max = present(query.max) ? String(query.max) : "global";
  if (max !== "global" && max !== "bucket") return invalid(`max must be "global" or "bucket", got "${max}"`);

  const format = present(query.format) ? String(query.format) : acceptsPng(accept) ? "png" : "json";
  if (format !== "json" && format !== "png")
    return invalid(`format must be "json" or "png", got "${format}"`);
  return { ok: true, params: { buckets, seconds, max, format } };
}

/** Header names arrive in whatever case the client sent. */
export function headerValue(
  headers: Record<string, string | undefined> | null | undefined,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/**
 * The buckets to plot: `bucket` as one name, a comma-separated list or (direct invocation, repeated
 * query parameter) an array; absent, the function's data bucket. Or why the list is unusable.
 */
function parseBuckets(value: unknown, defaultBucket: string): string[] | string {
  if (!present(value))
    return defaultBucket ? [defaultBucket] : "bucket is required: this function has no default";
  const names = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(","));
  if (names.length === 0) return "bucket is an empty list: name at least one bucket";
  if (names.length > MAX_SERIES) {
    return `bucket lists ${names.length} buckets; one chart overlays at most ${MAX_SERIES}, one colour each`;
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (name === "") return `bucket "${names.join(",")}" has an empty name in its list`;
    const problem = bucketNameProblem(name);
    if (problem) return `bucket "${name}" is not a valid S3 bucket name: ${problem}`;
    if (seen.has(name)) return `bucket "${name}" is listed twice`;
    seen.add(name);
  }
  return names;
}

function acceptsPng(accept: string): boolean {
  return accept.split(",").some((range) => range.split(";")[0]?.trim().toLowerCase() === "image/png");
}

function parseSeconds(value: unknown): number | undefined {
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) return undefined;
  const seconds = Number(text);
  return seconds >= 1 && seconds <= MAX_SECONDS ? seconds : undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

function invalid(message: string): ParseResult {
  return { ok: false, status: 400, message };
}

/** Why a name breaks S3's general-purpose bucket naming rules, or undefined when it follows them. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "it must be 3 to 63 characters long";
  if (!/^[a-z0-9.-]+$/.test(name)) return "only lowercase letters, digits, dots and hyphens are allowed";
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return "it must begin and end with a letter or digit";
  if (name.includes("..")) return "it must not contain two adjacent dots";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "it must not look like an IP address";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return "it uses a reserved prefix";
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return "it uses a reserved suffix";
  return undefined;
}
