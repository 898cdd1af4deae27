// The plotter's reads of the history table, all by Query (the roles do not allow Scan): each
// bucket's newest record, window and record before the window, and the maximum from one of the
// size indexes. One bucket costs 4 Queries whatever the table's size; each more bucket 3 more,
// and one more with ?max=bucket.
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

export interface BucketData extends WindowSelection {
  bucket: string;
  /** The bucket's own largest record, read only with ?max=bucket. */
  max?: HistoryRecord;
}

export interface PlotData {
  window: TimeWindow;
  /** One per requested bucket, in the order asked. */
  series: BucketData[];
  /** Global: the largest record of any bucket. Bucket: the largest of the requested buckets' own. */
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
  request: { buckets: string[]; seconds: number; max: MaxScope },
  now: number,
): Promise<PlotData> {
  const { buckets } = request;
  const global = request.max === "global";
  const maxIndex = maxQuery(table, request.max, buckets[0]!).IndexName!;
  const [newest, maxima] = await Promise.all([
    Promise.all(buckets.map((b) => queryFirst(dynamodb, bucketRecordsQuery(table, b, {}, "newest-first")))),
    Promise.all(
      (global ? [buckets[0]!] : buckets).map((b) => queryFirst(dynamodb, maxQuery(table, request.max, b))),
    ),
  ]);
  // One time axis for every line: the window ends at the newest record of any of the buckets.
  const newestOfAll = newest.reduce<number | undefined>(
    (latest, r) => (r && (latest === undefined || r.timestamp > latest) ? r.timestamp : latest),
    undefined,
  );
  const window = windowAroundNewest(newestOfAll, request.seconds, now);
  const series = await Promise.all(
    buckets.map(async (bucket, i): Promise<BucketData> => {
      const own = global ? {} : maxima[i] ? { max: maxima[i] } : {};
      if (!newest[i]) return { bucket, points: [], ...own };
      const [inWindow, before] = await Promise.all([
        queryAll(
          dynamodb,
          bucketRecordsQuery(table, bucket, { from: window.start, to: window.end }, "oldest-first"),
        ),
        queryFirst(dynamodb, bucketRecordsQuery(table, bucket, { to: window.start - 1 }, "newest-first")),
      ]);
      return { bucket, ...selectWindow(before ? [before, ...inWindow] : inWindow, window), ...own };
    }),
  );
  const max = largest(maxima);
  return { window, series, maxIndex, ...(max ? { max } : {}) };
}

/** The largest record; on a tie, the first bucket asked for. */
function largest(records: (HistoryRecord | undefined)[]): HistoryRecord | undefined {
  let found: HistoryRecord | undefined;
  for (const r of records) if (r && (!found || r.totalSize > found.totalSize)) found = r;
  return found;
}
