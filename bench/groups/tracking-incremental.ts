// Group 2b, incremental tracking vs bucket size: the real handler (in this process) in incremental mode
// against an index of N objects seeded straight into the local cloud's DynamoDB (1,000,000 would take
// hours through S3 notifications). Per event: DynamoDB and S3 requests and milliseconds for puts,
// overwrites and deletes, each record checked against the true total. Incremental mode sends S3 no
// request, so the bucket's objects need not exist in the local S3 for this figure.
import {
  type BatchWriteItemCommandOutput,
  CreateTableCommand,
  DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { clientConfig, s3ClientConfig } from "../../handlers/common/aws.ts";
import { historyTableDefinition } from "../../handlers/common/history.ts";
import { createTrackingHandler } from "../../handlers/size-tracking.ts";
import { slotToItem, totalToItem, ZERO_TOTALS } from "../../handlers/tracking/object-index/items.ts";
import { indexTableDefinition } from "../../handlers/tracking/object-index/keys.ts";
import { registryItem } from "../../handlers/tracking/object-index/registry.ts";
import { runningDynamoTables } from "../../local/dynamodb/index.ts";
import { type BenchCloud, inParallel } from "../cloud.ts";
import { objectAt } from "../fill-s3.ts";
import { RequestCounter } from "../request-counter.ts";
import { check, type Summary, summarize, timed } from "../stats.ts";

export interface IncrementalFigure {
  objects: number;
  seed: { method: "BatchWriteItem, in process"; ms: number; itemsPerSecond: number };
  events: number;
  /** Requests of one event; the same for every event of the run when min = max. */
  dynamoRequests: { min: number; max: number };
  s3Requests: number;
  byOperation: Record<string, number>;
  ms: Summary;
  totalSize: number;
  recordsMatchTruth: true;
}

export interface IncrementalOptions {
  sizes: number[];
  /** Events per size, cycling put of a new key, overwrite and delete of seeded keys. */
  events: number;
}

const HISTORY = "bench-incremental-history";
const INDEX = "bench-incremental-index";

/**
 * Writes the index of objects [0, count) as a baseline would have, 25 items per BatchWriteItem, straight
 * through the running cloud's DynamoDB engine: over HTTP, with signing and IAM, a million take minutes.
 */
async function seedIndex(cloud: BenchCloud, bucket: string, count: number): Promise<number> {
  const tables = runningDynamoTables(cloud.cloud.dataDir, "us-east-1");
  check(tables !== undefined, "no local cloud runs in this process to seed the index through");
  const write = async (requests: WriteRequest[]) => {
    let pending: WriteRequest[] | undefined = requests;
    while (pending && pending.length > 0) {
      const input = { RequestItems: { [INDEX]: pending } };
      const answer = (await tables.run("BatchWriteItem", tables.validate("BatchWriteItem", input))) as Pick<
        BatchWriteItemCommandOutput,
        "UnprocessedItems"
      >;
      pending = answer.UnprocessedItems?.[INDEX];
    }
  };
  const at = Date.now();
  let totalSize = 0;
  const batches: WriteRequest[][] = [];
  for (let start = 0; start < count; start += 25) {
    const batch: WriteRequest[] = [];
    for (let i = start; i < Math.min(count, start + 25); i++) {
      const { key, size } = objectAt(i);
      totalSize += size;
      batch.push({
        PutRequest: {
          Item: slotToItem(
            bucket,
            key,
            { versionId: "null", state: "live", size, marker: false, rev: 1 },
            at,
          ),
        },
      });
    }
    batches.push(batch);
  }
  await inParallel(batches, 8, write);
  const totals = {
    ...ZERO_TOTALS,
    totalSize,
    objectCount: count,
    currentSize: totalSize,
    currentCount: count,
  };
  await write([
    {
      PutRequest: {
        Item: totalToItem(
          bucket,
          { ...totals, versioned: false, rev: 1, lastRecordAt: 0, baselineAt: at },
          at,
        ),
      },
    },
    { PutRequest: { Item: registryItem(bucket, at) } },
  ]);
  return totalSize;
}

export async function benchIncrementalTracking(
  cloud: BenchCloud,
  options: IncrementalOptions,
): Promise<IncrementalFigure[]> {
  await cloud.dynamodb.send(new CreateTableCommand(historyTableDefinition(HISTORY)));
  await cloud.dynamodb.send(new CreateTableCommand(indexTableDefinition(INDEX)));
  const dynamoCounter = new RequestCounter();
  const s3Counter = new RequestCounter();
  const s3 = new S3Client(s3ClientConfig(cloud.target, {}));
  const dynamodb = new DynamoDBClient(clientConfig(cloud.target, {}));
  dynamoCounter.attach(dynamodb);
  s3Counter.attach(s3);
  const track = createTrackingHandler({
    clients: () => ({ s3, dynamodb }),
    env: { HISTORY_TABLE: HISTORY, S3SIZE_TRACKING: "incremental", INDEX_TABLE: INDEX },
    log: () => {},
  });
  const figures: IncrementalFigure[] = [];
  try {
    for (const size of options.sizes) {
      check(size > options.events, `an index of ${size} objects is too small for ${options.events} events`);
      const bucket = `bench-incremental-${size}`;
      const seeded = await timed(() => seedIndex(cloud, bucket, size));
      let truth = { totalSize: seeded.value, objectCount: size };
      const samples: number[] = [];
      const requests: number[] = [];
      let byOperation: Record<string, number> = {};
      let s3Requests = 0;
      for (let e = 0; e < options.events; e++) {
        const { event, change } = benchEvent(bucket, e);
        truth = {
          totalSize: truth.totalSize + change.bytes,
          objectCount: truth.objectCount + change.objects,
        };
        dynamoCounter.reset();
        s3Counter.reset();
        const run = await timed(() => track(event));
        const record = run.value.records[0];
        check(
          record?.totalSize === truth.totalSize && record.objectCount === truth.objectCount,
          `event ${e} at ${size} objects recorded ${record?.totalSize} B / ${record?.objectCount}, truth ${truth.totalSize} / ${truth.objectCount}`,
        );
        samples.push(run.ms);
        requests.push(dynamoCounter.total);
        byOperation = dynamoCounter.byCommand();
        s3Requests = Math.max(s3Requests, s3Counter.total);
      }
      figures.push({
        objects: size,
        seed: {
          method: "BatchWriteItem, in process",
          ms: Math.round(seeded.ms),
          itemsPerSecond: Math.round(size / (seeded.ms / 1000)),
        },
        events: options.events,
        dynamoRequests: { min: Math.min(...requests), max: Math.max(...requests) },
        s3Requests,
        byOperation,
        ms: summarize(samples),
        totalSize: truth.totalSize,
        recordsMatchTruth: true,
      });
    }
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
  return figures;
}

/** Event e of the run: a put of a new key, an overwrite of a seeded key, a delete of another, in turn. */
function benchEvent(bucket: string, e: number) {
  const kind = e % 3;
  // A seeded key per event (e < size), so each one's seeded size is the one an event replaces.
  const seeded = objectAt(e);
  const key = kind === 0 ? `bench/new-${e}.bin` : seeded.key;
  const newSize = 1 + ((e * 131) % 4000);
  const change =
    kind === 0
      ? { bytes: newSize, objects: 1 }
      : kind === 1
        ? { bytes: newSize - seeded.size, objects: 0 }
        : { bytes: -seeded.size, objects: -1 };
  const record = {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    eventTime: new Date().toISOString(),
    eventName: kind === 2 ? "ObjectRemoved:Delete" : "ObjectCreated:Put",
    s3: {
      bucket: { name: bucket },
      object: {
        key,
        ...(kind === 2 ? {} : { size: newSize, eTag: `etag${e}` }),
        sequencer: (0x1000 + e).toString(16),
      },
    },
  };
  return { event: { Records: [record] }, change };
}
