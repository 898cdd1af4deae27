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

export interface PlotBody {
  bucket: string;
  window: { seconds: number; start: number; end: number; startIso: string; endIso: string };
  points: HistoryPoint[];
  baseline: HistoryPoint | null;
  max: { totalSize: number; bucket: string; timestamp: number; index: string } | null;
  plot: { bucket: string; key: string; url: string };
}

export function plotBody(
  params: PlotParams,
  data: PlotData,
  plot: { bucket: string; key: string; url: string },
): PlotBody {
  return {
    bucket: params.bucket,
    window: {
      seconds: params.seconds,
      start: data.window.start,
      end: data.window.end,
      startIso: new Date(data.window.start).toISOString(),
      endIso: new Date(data.window.end).toISOString(),
    },
    points: data.points.map(historyPoint),
    baseline: data.baseline ? historyPoint(data.baseline) : null,
    max: data.max ? maxOf(data.max, data.maxIndex) : null,
    plot,
  };
}

function maxOf(record: HistoryRecord, index: string): NonNullable<PlotBody["max"]> {
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
