// Group 2, size tracking vs bucket size: one tracker invocation (the real handler, in this process)
// against a local-cloud bucket of N objects: S3 requests, milliseconds, and the record it writes,
// which must equal the bucket's true totals.
import { CreateTableCommand, DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { clientConfig, s3ClientConfig } from "../../handlers/common/aws.ts";
import { historyTableDefinition, type Item, itemToRecord } from "../../handlers/common/history.ts";
import { bucketRecordsQuery } from "../../handlers/common/history-query.ts";
import { createTrackingHandler } from "../../handlers/size-tracking.ts";
import { type BenchCloud, inParallel } from "../cloud.ts";
import {
  type BucketTruth,
  checkDirectFillMatchesPutObject,
  fillBucketDirectly,
  objectAt,
} from "../fill-s3.ts";
import { RequestCounter } from "../request-counter.ts";
import { check, repeat, type Summary, timed } from "../stats.ts";

export interface TrackingFigure {
  objects: number;
  fill: { method: "PutObject" | "direct"; ms: number; objectsPerSecond: number };
  listPages: number;
  s3Requests: number;
  dynamoRequests: number;
  ms: Summary;
  totalSize: number;
  recordMatchesTruth: true;
}

export interface TrackingOptions {
  sizes: number[];
  /** Runs per size, in the order of `sizes` (the largest bucket is slow on the local cloud). */
  runs: number[];
  /** Buckets up to this size are filled through PutObject; larger ones straight through the store. */
  putObjectLimit: number;
}

const TABLE = "bench-tracking-history";

export async function benchTracking(cloud: BenchCloud, options: TrackingOptions): Promise<TrackingFigure[]> {
  await cloud.dynamodb.send(new CreateTableCommand(historyTableDefinition(TABLE)));
  const s3Counter = new RequestCounter();
  const dynamoCounter = new RequestCounter();
  // Clients of their own, so the counters see only the tracker's calls.
  const s3 = new S3Client(s3ClientConfig(cloud.target, {}));
  const dynamodb = new DynamoDBClient(clientConfig(cloud.target, {}));
  s3Counter.attach(s3);
  dynamoCounter.attach(dynamodb);
  const track = createTrackingHandler({
    clients: () => ({ s3, dynamodb }),
    env: { HISTORY_TABLE: TABLE },
    log: () => {},
  });

  if (options.sizes.some((size) => size > options.putObjectLimit)) {
    const checkBucket = "bench-fill-check";
    await cloud.s3.send(new CreateBucketCommand({ Bucket: checkBucket }));
    await checkDirectFillMatchesPutObject(cloud.s3, cloud.cloud.dataDir, checkBucket);
  }
  const figures: TrackingFigure[] = [];
  try {
    for (const [index, size] of options.sizes.entries()) {
      const bucket = `bench-track-${size}`;
      const filled = await timed(() => fillBucket(cloud, bucket, size, size <= options.putObjectLimit));
      const truth = filled.value;
      let listPages = 0;
      let s3Requests = 0;
      let dynamoRequests = 0;
      const ms = await repeat(options.runs[index] ?? 1, async () => {
        s3Counter.reset();
        dynamoCounter.reset();
        const run = await timed(() => track(eventFor(bucket)));
        const record = run.value.records[0];
        check(
          record !== undefined &&
            record.totalSize === truth.totalSize &&
            record.objectCount === truth.objectCount,
          `tracker recorded ${record?.totalSize} bytes / ${record?.objectCount} objects for ${bucket}, ` +
            `truth is ${truth.totalSize} / ${truth.objectCount}`,
        );
        const stored = await cloud.dynamodb.send(
          new QueryCommand({ ...bucketRecordsQuery(TABLE, bucket, {}, "newest-first"), Limit: 1 }),
        );
        const newest = stored.Items?.[0] ? itemToRecord(stored.Items[0] as Item) : undefined;
        check(
          newest?.totalSize === truth.totalSize && newest.objectCount === truth.objectCount,
          `the history table's newest record for ${bucket} is not the true total`,
        );
        listPages = s3Counter.count("ListObjectsV2");
        s3Requests = s3Counter.total;
        dynamoRequests = dynamoCounter.total;
        return run.ms;
      });
      check(
        listPages === Math.max(1, Math.ceil(size / 1000)),
        `${size} objects took ${listPages} ListObjectsV2 pages, expected ${Math.ceil(size / 1000)}`,
      );
      figures.push({
        objects: size,
        fill: {
          method: size <= options.putObjectLimit ? "PutObject" : "direct",
          ms: Math.round(filled.ms),
          objectsPerSecond: Math.round(size / (filled.ms / 1000)),
        },
        listPages,
        s3Requests,
        dynamoRequests,
        ms,
        totalSize: truth.totalSize,
        recordMatchesTruth: true,
      });
    }
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
  return figures;
}

async function fillBucket(
  cloud: BenchCloud,
  bucket: string,
  count: number,
  throughApi: boolean,
): Promise<BucketTruth> {
  if (!throughApi) return fillBucketDirectly(cloud.s3, cloud.cloud.dataDir, bucket, count);
  await cloud.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const truth: BucketTruth = { totalSize: 0, objectCount: 0 };
  const indexes = Array.from({ length: count }, (_, i) => i);
  await inParallel(indexes, 16, async (i) => {
    const { key, size } = objectAt(i);
    await cloud.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(size, i % 251) }),
    );
    truth.totalSize += size;
    truth.objectCount += 1;
  });
  return truth;
}

function eventFor(bucket: string) {
  return {
    Records: [
      {
        eventName: "ObjectCreated:Put",
        eventTime: new Date().toISOString(),
        s3: { bucket: { name: bucket }, object: { key: "bench", size: 0, sequencer: "0" } },
      },
    ],
  };
}
