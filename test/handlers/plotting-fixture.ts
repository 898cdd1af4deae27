// The plotting handler's fixtures: a demo history in a fake table, a counting renderer, a mocked S3.
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import type { SizeChartInput } from "../../handlers/chart/render-size-chart.ts";
import type { HistoryRecord } from "../../handlers/common/history.ts";
import { createPlottingHandler } from "../../handlers/plotting.ts";
import { type FakeTableOptions, fakeHistoryTable, TEST_CREDENTIALS } from "./fake-history-table.ts";

export const NEWEST = Date.UTC(2024, 0, 2, 3, 4, 5, 0);
/** The wall clock is a minute past the newest record: a slow tracker must not empty the window. */
export const WALL_CLOCK = NEWEST + 60_000;
export const FAKE_PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

export function record(
  bucketName: string,
  offsetMs: number,
  totalSize: number,
  objectCount = 1,
): HistoryRecord {
  const timestamp = NEWEST + offsetMs;
  return { bucketName, timestamp, totalSize, objectCount, recordedAt: new Date(timestamp).toISOString() };
}

/** A demo history with a record before the 10 s window, an older peak, and a larger bucket elsewhere. */
export const DEMO = [
  record("data", -120_000, 40, 2),
  record("data", -12_000, 0, 0),
  record("data", -9_000, 18),
  record("data", -6_000, 27),
  record("data", -3_000, 0, 0),
  record("data", 0, 2),
  record("other", -50_000, 5000, 3),
];

export function setup(
  records: HistoryRecord[],
  options: FakeTableOptions = { pageSize: 1, emptyFirstPage: true },
) {
  const table = fakeHistoryTable(records, options);
  const s3 = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
  const s3Mock = mockClient(s3);
  s3Mock.on(PutObjectCommand).resolves({});
  const charts: SizeChartInput[] = [];
  const lines: string[] = [];
  const handler = createPlottingHandler({
    clients: () => ({ s3, dynamodb: table.client }),
    env: { HISTORY_TABLE: "history", DATA_BUCKET: "data", PLOT_BUCKET: "data-plots" },
    now: () => WALL_CLOCK,
    render: (input) => {
      charts.push(input);
      return FAKE_PNG;
    },
    log: (line) => lines.push(line),
  });
  return { handler, table, s3Mock, charts, lines };
}

export function get(
  query: Record<string, string> | null,
  headers: Record<string, string> = {},
  multi?: Record<string, string[]>,
) {
  return {
    httpMethod: "GET",
    path: "/plot",
    queryStringParameters: query,
    headers,
    ...(multi ? { multiValueQueryStringParameters: multi } : {}),
  };
}
