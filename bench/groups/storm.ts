// Group 6, event storm: N objects written at once to a tracked bucket, each event delivered by the
// local cloud's S3 notifications to the deployed tracker zip (run by its Lambda), once per tracking
// mode: listing (the set-up stack) and incremental (the tracker deployed on its own until the CLI sets
// that mode up). How long until every event's outcome is logged and the history shows the bucket's
// true size, the records written, and whether any event was lost.
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { clientConfig, s3ClientConfig } from "../../handlers/common/aws.ts";
import { bucketRecordsQuery, queryAll } from "../../handlers/common/history-query.ts";
import type { TrackingMode } from "../../handlers/tracking/settings.ts";
import type { BenchCloud } from "../cloud.ts";
import { check } from "../stats.ts";
import { deployTracker, notifyTracker } from "../tracker-stack.ts";
import { invokeTracker } from "../tracker-storm.ts";
import { type Stack, setupStack, teardownStack } from "./provisioning.ts";

export interface StormTarget {
  mode: TrackingMode;
  bucket: string;
  historyTable: string;
  logGroup: string;
}

export interface StormFigure {
  mode: TrackingMode;
  objects: number;
  /** Until every put was answered; null when some were still unanswered at the bound. */
  putsMs: number | null;
  putsAnswered: number;
  /** From the first put until every event's outcome was logged and the newest record was the truth. */
  settleMs: number;
  lastRecordMs: number;
  /** Executions of the tracker since the storm began (its START lines): the events Lambda delivered. */
  invocations: number;
  recordsWritten: number;
  /** Listing mode: events whose listing was overtaken by a later one, so not recorded (logged). */
  superseded: number;
  /** Objects whose event has a logged outcome (recorded, superseded or ignored) by the end. */
  objectsWithOutcome: number;
  /** Objects whose event left no outcome by the end of the wait (lost, or still not delivered). */
  lost: number;
  settledWithinLimit: boolean;
  trueSize: number;
  newestRecordSize: number;
  newestRecordMatchesTruth: boolean;
  /** Incremental mode: records whose total is not the sum of the events before them (must be 0). */
  inexactRecords?: number;
}

/** How long the bench waits for the storm's records; a figure past it is reported as not settled. */
export const SETTLE_LIMIT_MS = 150_000;

/** What a storm cut off by the harness's hard deadline still knows. */
export interface StormProgress {
  mode: TrackingMode;
  objects: number;
  putsAnswered: number;
  recordsWritten: number;
  objectsWithOutcome: number;
}

export type StormTimeout = StormProgress & { timedOut: true };

interface Outcome {
  message: string;
  key?: string;
}

export async function benchStorm(
  cloud: BenchCloud,
  target: StormTarget,
  objects: number,
  live: StormProgress = {
    mode: target.mode,
    objects,
    putsAnswered: 0,
    recordsWritten: 0,
    objectsWithOutcome: 0,
  },
): Promise<StormFigure> {
  const { bucket } = target;
  const keys = Array.from({ length: objects }, (_, i) => `storm/object-${String(i).padStart(4, "0")}.txt`);
  const trueSize = (objects * (objects + 1)) / 2;
  // A socket per object, so all the puts are in flight at once rather than 50 at a time.
  const writer = new S3Client({
    ...s3ClientConfig(cloud.target, {}),
    requestHandler: { httpAgent: { maxSockets: objects } },
  });
  const start = Date.now();
  let putsMs: number | undefined;
  const puts = Promise.allSettled(
    keys.map((Key, i) =>
      writer.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Buffer.alloc(i + 1, 0x61) })).then(() => {
        live.putsAnswered += 1;
      }),
    ),
  ).then(() => {
    putsMs = Date.now() - start;
  });
  // The whole storm shares one bound, puts included: an overloaded emulator must not hang the bench.
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([puts, new Promise((resolve) => (bound = setTimeout(resolve, SETTLE_LIMIT_MS)))]);
  clearTimeout(bound);

  // Settled: every event has a logged outcome and the newest record is the bucket's size.
  const recordsQuery = bucketRecordsQuery(target.historyTable, bucket, { from: start }, "oldest-first");
  let records = await queryAll(cloud.dynamodb, recordsQuery);
  let outcomes: Outcome[] = [];
  const keysWithOutcome = () => new Set(outcomes.map((o) => o.key).filter((k) => k?.startsWith("storm/")));
  const settled = () => keysWithOutcome().size >= objects && records.at(-1)?.totalSize === trueSize;
  let settleMs = Date.now() - start;
  while (Date.now() - start < SETTLE_LIMIT_MS) {
    outcomes = await loggedOutcomes(cloud, target.logGroup, start);
    records = await queryAll(cloud.dynamodb, recordsQuery);
    live.recordsWritten = records.length;
    live.objectsWithOutcome = keysWithOutcome().size;
    settleMs = Date.now() - start;
    if (settled()) break;
    await sleep(500);
  }
  // A retried or late invocation would add records after the count is reached: give stragglers a moment.
  await sleep(1000);
  records = await queryAll(cloud.dynamodb, recordsQuery);
  outcomes = await loggedOutcomes(cloud, target.logGroup, start);
  check(records.length > 0, `no history record landed within ${SETTLE_LIMIT_MS / 1000} s of the storm`);
  const newest = records.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));

  writer.destroy();
  const listed = await listTotal(cloud, bucket);
  check(
    putsMs === undefined || listed === trueSize,
    `the bucket holds ${listed} bytes after the storm, expected ${trueSize}`,
  );
  const objectsWithOutcome = keysWithOutcome().size;
  const figure: StormFigure = {
    mode: target.mode,
    objects,
    putsMs: putsMs ?? null,
    putsAnswered: live.putsAnswered,
    settleMs,
    lastRecordMs: newest.timestamp - start,
    invocations: await countLogEvents(cloud, target.logGroup, start, '"START RequestId"'),
    recordsWritten: records.length,
    superseded: outcomes.filter((o) => o.message.startsWith("listing superseded")).length,
    objectsWithOutcome,
    lost: objects - objectsWithOutcome,
    settledWithinLimit: objectsWithOutcome === objects && newest.totalSize === listed,
    trueSize: listed,
    newestRecordSize: newest.totalSize,
    newestRecordMatchesTruth: newest.totalSize === listed,
  };
  if (target.mode === "incremental") {
    // Each put adds its own size (i + 1 bytes for object i): every record must be its predecessor plus
    // the size of the object its event names.
    let inexact = 0;
    let previous = records[0]!.totalSize - sizeOf(records[0]!.trigger?.objectKey);
    for (const record of records) {
      if (record.totalSize !== previous + sizeOf(record.trigger?.objectKey)) inexact += 1;
      previous = record.totalSize;
    }
    figure.inexactRecords = inexact;
  }
  return figure;
}

const sizeOf = (key: string | undefined) => Number(/object-(\d+)\.txt$/.exec(key ?? "")?.[1] ?? -1) + 1;

/** The tracker's outcome lines since `since`: each JSON line with the mode it ran in. */
async function loggedOutcomes(cloud: BenchCloud, group: string, since: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await eachLogEvent(cloud, group, since, '"mode"', (message) => {
    const json = message.slice(message.indexOf("{"));
    try {
      const line = JSON.parse(json) as { message?: string; trigger?: { objectKey?: string } };
      outcomes.push({
        message: line.message ?? "",
        ...(line.trigger?.objectKey ? { key: line.trigger.objectKey } : {}),
      });
    } catch {
      // Not an outcome line.
    }
  });
  return outcomes;
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

async function eachLogEvent(
  cloud: BenchCloud,
  group: string,
  since: number,
  pattern: string,
  visit: (message: string) => void,
): Promise<void> {
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
    for (const event of page.events ?? []) visit(event.message ?? "");
    nextToken = page.nextToken;
  } while (nextToken);
}

async function countLogEvents(cloud: BenchCloud, group: string, since: number, pattern: string) {
  let count = 0;
  await eachLogEvent(cloud, group, since, pattern, () => {
    count += 1;
  });
  return count;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Past this, an overloaded emulator has stopped answering: report what the storm got to, stop the cloud. */
const STORM_HARD_DEADLINE_MS = SETTLE_LIMIT_MS + 60_000;

/**
 * The storm in each mode: listing on a stack the CLI sets up (and tears down after), incremental on
 * the tracker deployed on its own with its baseline taken first, as `s3size track` will.
 */
export async function benchStorms(
  cloud: BenchCloud,
  stack: Stack,
  objects: number,
): Promise<Array<StormFigure | StormTimeout>> {
  const listing = await withDeadline({ ...started("listing", objects) }, async (live) => {
    const { value } = await setupStack(stack);
    const { names } = value;
    const target = {
      mode: "listing" as const,
      bucket: names.dataBucket,
      historyTable: names.table,
      logGroup: names.logGroups["size-tracking"],
    };
    const figure = await benchStorm(cloud, target, objects, live);
    await teardownStack(stack);
    return figure;
  });
  const clients = {
    s3: cloud.s3,
    dynamodb: cloud.dynamodb,
    iam: new IAMClient(clientConfig(cloud.target, {})),
    lambda: new LambdaClient(clientConfig(cloud.target, {})),
  };
  const incremental = await withDeadline(started("incremental", objects), async (live) => {
    const tracker = await deployTracker(clients, {
      mode: "incremental",
      name: "bench-storm",
      bucket: "bench-storm-incremental",
    });
    await invokeTracker(clients.lambda, tracker.functionName, {
      action: "baseline",
      bucket: tracker.bucket,
    });
    await notifyTracker(clients, tracker);
    const target = {
      mode: "incremental" as const,
      bucket: tracker.bucket,
      historyTable: tracker.historyTable,
      logGroup: `/aws/lambda/${tracker.functionName}`,
    };
    return benchStorm(cloud, target, objects, live);
  }).finally(() => {
    clients.iam.destroy();
    clients.lambda.destroy();
  });
  return [listing, incremental];
}

function started(mode: TrackingMode, objects: number): StormProgress {
  return { mode, objects, putsAnswered: 0, recordsWritten: 0, objectsWithOutcome: 0 };
}

async function withDeadline(
  live: StormProgress,
  run: (live: StormProgress) => Promise<StormFigure>,
): Promise<StormFigure | StormTimeout> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), STORM_HARD_DEADLINE_MS);
  });
  const storm = run(live);
  const figure = await Promise.race([storm, deadline]);
  clearTimeout(timer);
  if (figure) return figure;
  storm.catch(() => {});
  return { ...live, timedOut: true as const };
}
