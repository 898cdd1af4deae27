// Group 6, event storm: N objects written at once to the data bucket of a set-up stack (the deployed
// tracker zip, run by the local cloud's Lambda); how long until the last history record lands, the
// records written against the events delivered (the tracker's START lines and its one log line per
// record), and whether the newest record equals the bucket's true size.
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { StackNames } from "../../cli/config.ts";
import { s3ClientConfig } from "../../handlers/common/aws.ts";
import { bucketRecordsQuery, queryAll } from "../../handlers/common/history-query.ts";
import type { BenchCloud } from "../cloud.ts";
import { check } from "../stats.ts";

export interface StormFigure {
  objects: number;
  /** Until every put was answered; null when some were still unanswered at the bound. */
  putsMs: number | null;
  putsAnswered: number;
  lastRecordMs: number;
  /** Executions of the tracker since the storm began (its START lines): the events Lambda delivered. */
  invocations: number;
  recordsLogged: number;
  recordsWritten: number;
  objectsWithRecord: number;
  /** Objects whose event left no record by the end of the wait (lost, or still not delivered). */
  lost: number;
  settledWithinLimit: boolean;
  trueSize: number;
  newestRecordSize: number;
  newestRecordMatchesTruth: boolean;
  maxRecordedSizeMatchesTruth: boolean;
}

/** How long the bench waits for the storm's records; a figure past it is reported as not settled. */
export const SETTLE_LIMIT_MS = 150_000;

/** What a storm cut off by the harness's hard deadline still knows. */
export interface StormProgress {
  objects: number;
  putsAnswered: number;
  recordsWritten: number;
  objectsWithRecord: number;
}

export type StormTimeout = StormProgress & { timedOut: true };

export async function benchStorm(
  cloud: BenchCloud,
  names: StackNames,
  objects: number,
  live: StormProgress = { objects, putsAnswered: 0, recordsWritten: 0, objectsWithRecord: 0 },
): Promise<StormFigure> {
  const bucket = names.dataBucket;
  const keys = Array.from({ length: objects }, (_, i) => `storm/object-${String(i).padStart(4, "0")}.txt`);
  const trueSize = (objects * (objects + 1)) / 2;
  // A socket per object, so all the puts are in flight at once rather than 50 at a time.
  const writer = new S3Client({
    ...s3ClientConfig(cloud.target, {}),
    requestHandler: { httpAgent: { maxSockets: objects } },
  });
  const start = Date.now();
  let putsAnswered = 0;
  let putsMs: number | undefined;
  const puts = Promise.allSettled(
    keys.map((Key, i) =>
      writer.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Buffer.alloc(i + 1, 0x61) })).then(() => {
        putsAnswered += 1;
      }),
    ),
  ).then(() => {
    putsMs = Date.now() - start;
  });
  // The whole storm shares one bound, puts included: an overloaded emulator must not hang the bench.
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([puts, new Promise((resolve) => (bound = setTimeout(resolve, SETTLE_LIMIT_MS)))]);
  clearTimeout(bound);

  // Every event should produce one record; wait until each key has one, or the bound runs out.
  const recordsQuery = bucketRecordsQuery(names.table, bucket, { from: start }, "oldest-first");
  let records = await queryAll(cloud.dynamodb, recordsQuery);
  const keysWithRecord = () => new Set(records.map((r) => r.trigger?.objectKey).filter(Boolean));
  while (keysWithRecord().size < objects && Date.now() - start < SETTLE_LIMIT_MS) {
    await sleep(1000);
    records = await queryAll(cloud.dynamodb, recordsQuery);
    live.recordsWritten = records.length;
    live.objectsWithRecord = keysWithRecord().size;
  }
  // A retried or late invocation would add records after the count is reached: give stragglers a moment.
  await sleep(1000);
  records = await queryAll(cloud.dynamodb, recordsQuery);
  check(records.length > 0, `no history record landed within ${SETTLE_LIMIT_MS / 1000} s of the storm`);
  const newest = records.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));

  writer.destroy();
  const listed = await listTotal(cloud, bucket);
  check(
    putsMs === undefined || listed === trueSize,
    `the bucket holds ${listed} bytes after the storm, expected ${trueSize}`,
  );
  const logGroup = names.logGroups["size-tracking"];
  const invocations = await countLogEvents(cloud, logGroup, start, '"START RequestId"');
  const recordsLogged = await countLogEvents(cloud, logGroup, start, '"recorded bucket size"');
  const objectsWithRecord = keysWithRecord().size;
  return {
    objects,
    putsMs: putsMs ?? null,
    putsAnswered,
    lastRecordMs: newest.timestamp - start,
    invocations,
    recordsLogged,
    recordsWritten: records.length,
    objectsWithRecord,
    lost: objects - objectsWithRecord,
    settledWithinLimit: objectsWithRecord === objects,
    trueSize: listed,
    newestRecordSize: newest.totalSize,
    newestRecordMatchesTruth: newest.totalSize === listed,
    maxRecordedSizeMatchesTruth: Math.max(...records.map((r) => r.totalSize)) === listed,
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
