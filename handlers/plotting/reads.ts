// The plotter's reads of the history table, all by Query (the roles do not allow Scan): newest
// record, window, record before the window, and the maximum from one of the size indexes.
import type { DynamoDBClient, QueryCommandInput } from "@aws-sdk/client-dynamodb";
import {
  BUCKET_SIZE_INDEX,
  GLOBAL_PARTITION_VALUE,
  GLOBAL_SIZE_INDEX,
  HISTORY_KEYS,
  type HistoryRecord,
} from "../common/history.ts";
import { bucketRecordsQuery, queryAll, queryFirst } from "../common/history-query.ts";
import type { MaxScope } from "./params.ts";
import { selectWindow, type TimeWindow, type WindowSelection, windowAroundNewest } from "./window.ts";

export interface PlotData extends WindowSelection {
  window: TimeWindow;
  max?: HistoryRecord;
  maxIndex: string;
}

/** The Query for the largest record: of any bucket (global index) or of one bucket. */
export function maxQuery(table: string, scope: MaxScope, bucket: string): QueryCommandInput {
  const global = scope === "global";
  return {
    TableName: table,
    IndexName: global ? GLOBAL_SIZE_INDEX : BUCKET_SIZE_INDEX,
    KeyConditionExpression: "#p = :p",
    ExpressionAttributeNames: { "#p": global ? HISTORY_KEYS.global : HISTORY_KEYS.partition },
    ExpressionAttributeValues: { ":p": { S: global ? GLOBAL_PARTITION_VALUE : bucket } },
    ScanIndexForward: false,
  };
}

export async function readPlotData(
  dynamodb: DynamoDBClient,
  table: string,
  request: { bucket: string; seconds: number; max: MaxScope },
  now: number,
): Promise<PlotData> {
  const maxRequest = maxQuery(table, request.max, request.bucket);
  const [newest, max] = await Promise.all([
    queryFirst(dynamodb, bucketRecordsQuery(table, request.bucket, {}, "newest-first")),
    queryFirst(dynamodb, maxRequest),
  ]);
  const window = windowAroundNewest(newest?.timestamp, request.seconds, now);
  const found = { window, maxIndex: maxRequest.IndexName!, ...(max ? { max } : {}) };
  if (!newest) return { ...found, points: [] };
  const [inWindow, before] = await Promise.all([
    queryAll(
      dynamodb,
      bucketRecordsQuery(table, request.bucket, { from: window.start, to: window.end }, "oldest-first"),
    ),
    queryFirst(dynamodb, bucketRecordsQuery(table, request.bucket, { to: window.start - 1 }, "newest-first")),
  ]);
  return { ...found, ...selectWindow(before ? [before, ...inWindow] : inWindow, window) };
}
