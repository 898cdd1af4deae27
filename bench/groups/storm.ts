// Group 6, event storm: N objects written at once to the data bucket of a set-up stack (the deployed
// tracker zip, run by the local cloud's Lambda); how long until the last history record lands, the
// records written against the events delivered (the tracker's START lines and its one log line per
// record), and whether the newest record equals the bucket's true size.
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { StackNames } from "../../cli/config.ts";
import { bucketRecordsQuery, queryAll } from "../../handlers/common/history-query.ts";
import type { BenchCloud } from "../cloud.ts";
import { check } from "../stats.ts";

export interface StormFigure {
  objects: number;
  putsMs: number;
  lastRecordMs: number;
  /** Executions of the tracker since the storm began (its START lines): the events Lambda delivered. */
  invocations: number;
  recordsLogged: number;
  recordsWritten: number;
  objectsWithRecord: number;
  lost: number;
  trueSize: number;
  newestRecordSize: number;
  newestRecordMatchesTruth: boolean;
  maxRecordedSizeMatchesTruth: boolean;
}

const SETTLE_LIMIT_MS = 180_000;

export async function benchStorm(
  cloud: BenchCloud,
  names: StackNames,
  objects: number,
): Promise<StormFigure> {
  const bucket = names.dataBucket;
  const keys = Array.from({ length: objects }, (_, i) => `storm/object-${String(i).padStart(4, "0")}.txt`);
  const trueSize = (objects * (objects + 1)) / 2;
  const start = Date.now();
  await Promise.all(
    keys.map((Key, i) =>
      cloud.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Buffer.alloc(i + 1, 0x61) })),
    ),
  );
  const putsMs = Date.now() - start;

  // Every event should produce one record; wait until each key has one, or the bound runs out.
  const recordsQuery = bucketRecordsQuery(names.table, bucket, { from: start }, "oldest-first");
  let records = await queryAll(cloud.dynamodb, recordsQuery);
  const keysWithRecord = () => new Set(records.map((r) => r.trigger?.objectKey).filter(Boolean));
  while (keysWithRecord().size < objects && Date.now() - start < SETTLE_LIMIT_MS) {
    await sleep(250);
    records = await queryAll(cloud.dynamodb, recordsQuery);
  }
  // A retried or late invocation would add records after the count is reached: give stragglers a moment.
  await sleep(1000);
  records = await queryAll(cloud.dynamodb, recordsQuery);
  check(records.length > 0, `no history record landed within ${SETTLE_LIMIT_MS / 1000} s of the storm`);
  const newest = records.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));

  const listed = await listTotal(cloud, bucket);
  check(listed === trueSize, `the bucket holds ${listed} bytes after the storm, expected ${trueSize}`);
  const logGroup = names.logGroups["size-tracking"];
  const invocations = await countLogEvents(cloud, logGroup, start, '"START RequestId"');
  const recordsLogged = await countLogEvents(cloud, logGroup, start, '"recorded bucket size"');
  const objectsWithRecord = keysWithRecord().size;
  return {
    objects,
    putsMs,
    lastRecordMs: newest.timestamp - start,
    invocations,
    recordsLogged,
    recordsWritten: records.length,
    objectsWithRecord,
    lost: objects - objectsWithRecord,
    trueSize,
    newestRecordSize: newest.totalSize,
    newestRecordMatchesTruth: newest.totalSize === trueSize,
    maxRecordedSizeMatchesTruth: Math.max(...records.map((r) => r.totalSize)) === trueSize,
  };
}

async function listTotal(cloud: BenchCloud, bucket: string): Promise<number> {
  let total = 0;
  let token: string | undefined;
  do {
    const page = await cloud.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) total += object.Size ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return total;
}

async function countLogEvents(cloud: BenchCloud, group: string, since: number, pattern: string) {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await cloud.logs.send(
      new FilterLogEventsCommand({
        logGroupName: group,
        startTime: since,
        filterPattern: pattern,
        nextToken,
      }),
    );
    count += page.events?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
