// Group 3, plot reads vs table size: the real plotting handler, in this process, against a history
// table of N records whose plotted window holds the same few records every time. DynamoDB requests
// and items read per plot must not grow with the table; the bench fails if they do.
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { clientConfig, s3ClientConfig } from "../../handlers/common/aws.ts";
import { type HistoryRecord, historyTableDefinition, recordToItem } from "../../handlers/common/history.ts";
import { createPlottingHandler } from "../../handlers/plotting.ts";
import { type BenchCloud, inParallel } from "../cloud.ts";
import { RequestCounter } from "../request-counter.ts";
import { check, repeat, type Summary, timed } from "../stats.ts";

export interface PlotReadFigure {
  tableRecords: number;
  fillMs: number;
  windowPoints: number;
  dynamoRequests: number;
  itemsRead: number;
  requestsByCommand: Record<string, number>;
  ms: Summary;
}

export interface PlotReadOptions {
  tableSizes: number[];
  runs: number;
}

const TABLE = "bench-plot-history";
const BUCKET = "bench-plot-data";
const PLOT_BUCKET = "bench-plot-plots";
const WINDOW_RECORDS = 5;
/** The window's records sit in the last 10 s; every other record is older. */
const NEWEST = Date.UTC(2025, 0, 1, 12, 0, 0);

/** The n-th record counted from the newest: the first few 2 s apart in the window, the rest a minute apart before it. */
function recordFromNewest(n: number): HistoryRecord {
  const timestamp = n < WINDOW_RECORDS ? NEWEST - n * 2000 : NEWEST - 60_000 * (n + 1);
  return {
    bucketName: BUCKET,
    timestamp,
    totalSize: 1000 + (n % 997),
    objectCount: 1 + (n % 50),
    recordedAt: new Date(timestamp).toISOString(),
  };
}

export async function benchPlotReads(cloud: BenchCloud, options: PlotReadOptions): Promise<PlotReadFigure[]> {
  await cloud.dynamodb.send(new CreateTableCommand(historyTableDefinition(TABLE)));
  await cloud.s3.send(new CreateBucketCommand({ Bucket: PLOT_BUCKET }));
  const counter = new RequestCounter();
  const dynamodb = new DynamoDBClient(clientConfig(cloud.target, {}));
  const s3 = new S3Client(s3ClientConfig(cloud.target, {}));
  counter.attach(dynamodb);
  const plot = createPlottingHandler({
    clients: () => ({ s3, dynamodb }),
    env: { HISTORY_TABLE: TABLE, PLOT_BUCKET, DATA_BUCKET: BUCKET },
    log: () => {},
  });

  const figures: PlotReadFigure[] = [];
  let written = 0;
  try {
    for (const size of [...options.tableSizes].sort((a, b) => a - b)) {
      // The table grows in place: older records are added below the window, which stays the newest.
      const fill = await timed(() => writeRecords(cloud.dynamodb, written, size));
      written = size;
      let windowPoints = 0;
      let requests = 0;
      let items = 0;
      let byCommand: Record<string, number> = {};
      const ms = await repeat(options.runs, async () => {
        counter.reset();
        const run = await timed(() => plot({ bucket: BUCKET, seconds: 10 }));
        check(run.value.statusCode === 200, `plot answered ${run.value.statusCode}: ${run.value.body}`);
        const body = JSON.parse(run.value.body) as { points: unknown[] };
        windowPoints = body.points.length;
        requests = counter.total;
        items = counter.itemsRead;
        byCommand = counter.byCommand();
        return run.ms;
      });
      check(
        windowPoints === WINDOW_RECORDS,
        `the window holds ${windowPoints} points, expected ${WINDOW_RECORDS}`,
      );
      figures.push({
        tableRecords: size,
        fillMs: Math.round(fill.ms),
        windowPoints,
        dynamoRequests: requests,
        itemsRead: items,
        requestsByCommand: byCommand,
        ms,
      });
    }
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
  const [smallest, ...larger] = figures;
  for (const figure of larger) {
    check(
      figure.dynamoRequests <= smallest!.dynamoRequests && figure.itemsRead <= smallest!.itemsRead,
      `plot reads grow with the table: ${smallest!.dynamoRequests} requests / ${smallest!.itemsRead} items at ` +
        `${smallest!.tableRecords} records, ${figure.dynamoRequests} / ${figure.itemsRead} at ${figure.tableRecords}`,
    );
  }
  return figures;
}

/** Writes records [from, to) counted from the newest with BatchWriteItem, 25 per call, 8 calls in flight, retrying unprocessed items. */
async function writeRecords(dynamodb: DynamoDBClient, from: number, to: number): Promise<void> {
  const batches: number[][] = [];
  for (let start = from; start < to; start += 25) {
    batches.push(Array.from({ length: Math.min(25, to - start) }, (_, i) => start + i));
  }
  await inParallel(batches, 8, async (batch) => {
    let requests = batch.map((i) => ({ PutRequest: { Item: recordToItem(recordFromNewest(i)) } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      check(attempt < 10, "BatchWriteItem kept returning unprocessed items");
      const result = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: requests } }));
      requests = (result.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
    }
  });
}
