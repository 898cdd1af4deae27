// Builds the plotter's answers in API Gateway's proxy response shape, which a direct invocation
// gets too, so the API, `aws lambda invoke` and the tests all see one format.
import type { HistoryRecord } from "../common/history.ts";
import { type HistoryPoint, historyPoint } from "../common/history-query.ts";
import type { PlotParams } from "./params.ts";
import type { PlotData } from "./reads.ts";

export interface ProxyResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

interface WindowBody {
  seconds: number;
  start: number;
  end: number;
  startIso: string;
  endIso: string;
}

export interface MaxBody {
  totalSize: number;
  bucket: string;
  timestamp: number;
  index: string;
}

/** One bucket: the answer SPEC §1 describes, unchanged for clients that ask for one bucket. */
export interface SingleBucketBody {
  bucket: string;
  window: WindowBody;
  points: HistoryPoint[];
  baseline: HistoryPoint | null;
  max: MaxBody | null;
  plot: { bucket: string; key: string; url: string };
}

/** Several buckets: one entry per bucket under `series`, on the shared window. */
export interface SeveralBucketsBody {
  buckets: string[];
  window: WindowBody;
  series: {
    bucket: string;
    points: HistoryPoint[];
    baseline: HistoryPoint | null;
    /** The bucket's own maximum, with ?max=bucket. */
    max?: MaxBody | null;
  }[];
  max: MaxBody | null;
  plot: { bucket: string; key: string; url: string };
}

export type PlotBody = SingleBucketBody | SeveralBucketsBody;

export function plotBody(
  params: PlotParams,
  data: PlotData,
  plot: { bucket: string; key: string; url: string },
): PlotBody {
  const window = {
    seconds: params.seconds,
    start: data.window.start,
    end: data.window.end,
    startIso: new Date(data.window.start).toISOString(),
    endIso: new Date(data.window.end).toISOString(),
  };
  const max = data.max ? maxOf(data.max, data.maxIndex) : null;
  const [only, ...others] = data.series;
  if (only && others.length === 0) {
    return {
      bucket: only.bucket,
      window,
      points: only.points.map(historyPoint),
      baseline: only.baseline ? historyPoint(only.baseline) : null,
      max,
      plot,
    };
  }
  return {
    buckets: data.series.map((s) => s.bucket),
    window,
    series: data.series.map((s) => ({
      bucket: s.bucket,
      points: s.points.map(historyPoint),
      baseline: s.baseline ? historyPoint(s.baseline) : null,
      ...(params.max === "bucket" ? { max: s.max ? maxOf(s.max, data.maxIndex) : null } : {}),
    })),
    max,
    plot,
  };
}

function maxOf(record: HistoryRecord, index: string): MaxBody {
  return { totalSize: record.totalSize, bucket: record.bucketName, timestamp: record.timestamp, index };
}

export function jsonResponse(statusCode: number, body: unknown): ProxyResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export function pngResponse(png: Uint8Array): ProxyResponse {
  return {
    statusCode: 200,
    headers: { "content-type": "image/png" },
    body: Buffer.from(png).toString("base64"),
    isBase64Encoded: true,
  };
}

export function errorResponse(statusCode: number, error: string, message: string): ProxyResponse {
  return jsonResponse(statusCode, { error, message });
}
