import { PutItemCommand, QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  GetBucketVersioningCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { createTrackingHandler } from "../../handlers/size-tracking.ts";
import { measureBucket } from "../../handlers/tracking/bucket-totals.ts";
import { decodeS3Key, objectChanges, type S3EventRecord } from "../../handlers/tracking/object-events.ts";
import { storeWithoutOverwrite } from "../../handlers/tracking/store-record.ts";
import { fakeHistoryTable, TEST_CREDENTIALS } from "./fake-history-table.ts";

const T = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

/** A bucket of `count` objects (sizes 1..count) served as ListObjectsV2 pages of 1,000 keys. */
function pagedBucket(count: number) {
  return (token: string | undefined) => {
    const start = token ? Number(token.slice("page-".length)) : 0;
    const end = Math.min(start + 1000, count);
    const Contents = Array.from({ length: end - start }, (_, i) => ({
      Key: `k${start + i}`,
      Size: start + i + 1,
    }));
    return end < count
      ? { Contents, IsTruncated: true, NextContinuationToken: `page-${end}` }
      : { Contents, IsTruncated: false };
  };
}

function s3Record(bucket: string, key: string, eventTime: string, extra: Partial<S3EventRecord> = {}) {
  return {
    eventName: "ObjectCreated:Put",
    eventTime,
    responseElements: { "x-amz-request-id": `req-${eventTime}` },
    s3: { bucket: { name: bucket }, object: { key, sequencer: "00A1", size: 1 } },
    ...extra,
  };
}

function setup(listings: Record<string, (token: string | undefined) => object>, now = () => T) {
  const s3 = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
  const s3Mock = mockClient(s3);
  s3Mock.on(ListObjectsV2Command).callsFake((input) => {
    const listing = listings[input.Bucket];
    if (!listing)
      throw Object.assign(new Error("The specified bucket does not exist"), { name: "NoSuchBucket" });
    return listing(input.ContinuationToken);
  });
  const table = fakeHistoryTable();
  const lines: string[] = [];
  const handler = createTrackingHandler({
    clients: () => ({ s3, dynamodb: table.client }),
    env: { HISTORY_TABLE: "history" },
    now,
    log: (line) => lines.push(line),
  });
  return { handler, s3Mock, table, lines };
}

describe("size-tracking in listing mode", () => {
  it("sums 2,500 objects across three listing pages, following each continuation token", async () => {
    const { handler, s3Mock, table } = setup({ data: pagedBucket(2500) });
    await handler({ Records: [s3Record("data", "k1", "2024-01-02T03:04:05.000Z")] });
    const tokens = s3Mock
      .commandCalls(ListObjectsV2Command)
      .map((call) => call.args[0].input.ContinuationToken);
    expect(tokens).to.deep.equal([undefined, "page-1000", "page-2000"]);
    const [stored] = table.records();
    expect(stored).to.include({
      bucketName: "data",
      totalSize: (2500 * 2501) / 2,
      objectCount: 2500,
      timestamp: T,
    });
    expect(stored!.recordedAt).to.equal(new Date(T).toISOString());
    expect(table.mock.commandCalls(ScanCommand)).to.have.length(0);
  });

  it("counts an empty bucket as 0 bytes in 0 objects", async () => {
    expect(await measureBucket(async () => ({ IsTruncated: false }))).to.deep.equal({
      totalSize: 0,
      objectCount: 0,
    });
  });

  it("refuses a truncated listing without a continuation token instead of undercounting", async () => {
    let error: unknown;
    await measureBucket(async () => ({ Contents: [{ Size: 1 }], IsTruncated: true })).catch((e) => {
      error = e;
    });
    expect(String(error)).to.match(/truncated/);
  });

  it("moves a colliding record to the next free millisecond and leaves the existing one intact", async () => {
    const { handler, table } = setup({ data: pagedBucket(3) });
    table.add({
      bucketName: "data",
      timestamp: T,
      totalSize: 999,
      objectCount: 9,
      recordedAt: new Date(T).toISOString(),
    });
    const result = await handler({ Records: [s3Record("data", "k", "2024-01-02T03:04:05.000Z")] });
    expect(result.records[0]).to.include({ timestamp: T + 1, totalSize: 6, objectCount: 3 });
    expect(result.records[0]!.recordedAt).to.equal(new Date(T + 1).toISOString());
    const byTime = table.records().map((r) => [r.timestamp, r.totalSize]);
    expect(byTime).to.deep.equal([
      [T, 999],
      [T + 1, 6],
    ]);
    const puts = table.mock.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts).to.have.length(2);
    expect(puts[0]!.ConditionExpression).to.equal("attribute_not_exists(#ts)");
    expect(puts[0]!.ExpressionAttributeNames).to.deep.equal({ "#ts": "timestamp" });
  });

  it("gives up after the bounded number of taken milliseconds and rethrows other errors at once", async () => {
    const taken = Object.assign(new Error("taken"), { name: "ConditionalCheckFailedException" });
    let tries = 0;
    const record = { bucketName: "b", timestamp: T, totalSize: 1, objectCount: 1, recordedAt: "" };
    const failure = await storeWithoutOverwrite(
      record,
      async () => {
        tries++;
        throw taken;
      },
      5,
    ).catch((e: Error) => e);
    expect(tries).to.equal(5);
    expect(String(failure)).to.match(/no free timestamp for bucket b in 5 ms/);

    tries = 0;
    const other = await storeWithoutOverwrite(record, async () => {
      tries++;
      throw new Error("ProvisionedThroughputExceeded");
    }).catch((e: Error) => e);
    expect(tries).to.equal(1);
    expect(String(other)).to.match(/ProvisionedThroughputExceeded/);
  });

  it("writes one record per bucket named in the event, triggered by each bucket's newest event record", async () => {
    const { handler, table, lines } = setup({ alpha: pagedBucket(2), beta: pagedBucket(4) });
    await handler({
      Records: [
        s3Record("alpha", "old+name.txt", "2024-01-02T03:04:05.000Z"),
        s3Record("beta", "b.txt", "2024-01-02T03:04:06.000Z", { eventName: "ObjectRemoved:Delete" }),
        s3Record("alpha", "my+file%2B%281%29.txt", "2024-01-02T03:04:07.000Z"),
      ],
    });
    const records = table.records().sort((a, b) => a.bucketName.localeCompare(b.bucketName));
    expect(records.map((r) => [r.bucketName, r.totalSize, r.objectCount])).to.deep.equal([
      ["alpha", 3, 2],
      ["beta", 10, 4],
    ]);
    expect(records[0]!.trigger).to.deep.equal({
      eventName: "ObjectCreated:Put",
      objectKey: "my file+(1).txt",
      eventTime: "2024-01-02T03:04:07.000Z",
      sequencer: "00A1",
      requestId: "req-2024-01-02T03:04:07.000Z",
    });
    expect(records[1]!.trigger?.eventName).to.equal("ObjectRemoved:Delete");
    const logged = lines.map((line) => JSON.parse(line));
    expect(logged.map((l) => l.bucketName).sort()).to.deep.equal(["alpha", "beta"]);
  });

  it("decodes S3's URL-encoded keys, '+' meaning a space", () => {
    expect(decodeS3Key("reports/2024+Q1%2Fsummary%C3%A9.txt")).to.equal("reports/2024 Q1/summaryé.txt");
    expect(objectChanges({ Records: [{ eventName: "x" }] })).to.deep.equal([]);
  });

  it("throws, naming the bucket, when a listing fails, so the platform retries", async () => {
    const { handler, table } = setup({ good: pagedBucket(1) });
    const error = await handler({
      Records: [
        s3Record("good", "a", "2024-01-02T03:04:05.000Z"),
        s3Record("gone", "a", "2024-01-02T03:04:05.000Z"),
      ],
    }).catch((e: Error) => e);
    expect(String(error)).to.match(/size tracking failed for gone \(NoSuchBucket/);
    expect(table.records().map((r) => r.bucketName)).to.deep.equal(["good"]);
  });
});

describe("size-tracking in listing mode: an honest history", () => {
  /** A bucket whose listing waits for `release` when asked to, so two listings can overlap. */
  function slowListings() {
    const s3 = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
    const gates: Array<{ started: Promise<void>; release: () => void }> = [];
    let sizes = [10, 20];
    let calls = 0;
    mockClient(s3)
      .on(ListObjectsV2Command)
      .callsFake(async () => {
        const size = sizes[calls++] ?? 0;
        const gate = gates.shift();
        if (gate) await gate.started;
        return { Contents: [{ Key: "k", Size: size }], IsTruncated: false };
      });
    return {
      s3,
      hold() {
        let release!: () => void;
        const started = new Promise<void>((resolve) => {
          release = resolve;
        });
        gates.push({ started, release });
        return release;
      },
      sizes: (next: number[]) => {
        sizes = next;
      },
    };
  }

  it("drops a slow listing that began before a faster one already recorded, and keeps the faster one at its start", async () => {
    const bucket = slowListings();
    const table = fakeHistoryTable();
    let clock = 1_000;
    const lines: string[] = [];
    const handler = createTrackingHandler({
      clients: () => ({ s3: bucket.s3, dynamodb: table.client }),
      env: { HISTORY_TABLE: "history" },
      now: () => clock,
      log: (line) => lines.push(line),
    });
    bucket.sizes([10, 20]);
    const releaseSlow = bucket.hold();
    const slow = handler({ Records: [s3Record("data", "a", "2024-01-02T03:04:05.000Z")] });
    await new Promise((resolve) => setImmediate(resolve));
    clock = 2_000;
    const fast = await handler({ Records: [s3Record("data", "b", "2024-01-02T03:04:06.000Z")] });
    clock = 3_000;
    releaseSlow();
    const late = await slow;

    expect(fast.records.map((r) => [r.timestamp, r.totalSize, r.listingMs])).to.deep.equal([[2_000, 20, 0]]);
    expect(late.records).to.deep.equal([]);
    expect(late.outcomes[0]).to.include({
      outcome: "superseded",
      listingStartedAt: 1_000,
      newestRecordAt: 2_000,
    });
    expect(table.records().map((r) => [r.timestamp, r.totalSize])).to.deep.equal([[2_000, 20]]);
    const superseded = lines
      .map((l) => JSON.parse(l))
      .find((l) => l.message.startsWith("listing superseded"));
    expect(superseded).to.include({ bucketName: "data", totalSize: 10 });
  });

  it("records a slow listing that nothing overtook at the time it began, not when it ended", async () => {
    const bucket = slowListings();
    const table = fakeHistoryTable();
    let clock = 5_000;
    const handler = createTrackingHandler({
      clients: () => ({ s3: bucket.s3, dynamodb: table.client }),
      env: { HISTORY_TABLE: "history" },
      now: () => clock,
      log: () => {},
    });
    const release = bucket.hold();
    const pending = handler({ Records: [s3Record("data", "a", "2024-01-02T03:04:05.000Z")] });
    await new Promise((resolve) => setImmediate(resolve));
    clock = 9_000;
    release();
    const { records } = await pending;
    expect(records.map((r) => [r.timestamp, r.recordedAt, r.listingMs, r.trackingMode])).to.deep.equal([
      [5_000, new Date(5_000).toISOString(), 4_000, "listing"],
    ]);
  });

  it("lists every version of a bucket whose events carry version ids, with the current versions beside", async () => {
    const s3 = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
    const s3Mock = mockClient(s3);
    s3Mock.on(ListObjectVersionsCommand).callsFake((input) =>
      input.KeyMarker === undefined
        ? {
            Versions: [
              { Key: "a", VersionId: "2", IsLatest: true, Size: 5 },
              { Key: "a", VersionId: "1", IsLatest: false, Size: 7 },
            ],
            DeleteMarkers: [{ Key: "b", VersionId: "4", IsLatest: true }],
            IsTruncated: true,
            NextKeyMarker: "b",
            NextVersionIdMarker: "4",
          }
        : { Versions: [{ Key: "b", VersionId: "3", IsLatest: false, Size: 11 }], IsTruncated: false },
    );
    const table = fakeHistoryTable();
    const handler = createTrackingHandler({
      clients: () => ({ s3, dynamodb: table.client }),
      env: { HISTORY_TABLE: "history" },
      now: () => T,
      log: () => {},
    });
    const { records } = await handler({
      Records: [
        s3Record("data", "b", "2024-01-02T03:04:05.000Z", {
          eventName: "ObjectRemoved:DeleteMarkerCreated",
          s3: { bucket: { name: "data" }, object: { key: "b", versionId: "4", sequencer: "0B" } },
        }),
      ],
    });
    expect(records[0]).to.include({ totalSize: 23, objectCount: 3, currentSize: 5, currentCount: 1 });
    expect(
      s3Mock.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input.VersionIdMarker),
    ).to.deep.equal([undefined, "4"]);
    expect(s3Mock.commandCalls(ListObjectsV2Command)).to.have.length(0);
    expect(table.records()[0]).to.include({ currentSize: 5, currentCount: 1 });
  });

  it("says in each record's log line how many S3 and DynamoDB requests it made, and what triggered it", async () => {
    const { handler, lines } = setup({ data: pagedBucket(2500) });
    await handler({ Records: [s3Record("data", "k1", "2024-01-02T03:04:05.000Z")] });
    const line = JSON.parse(lines[0]!);
    expect(line.message).to.equal("recorded bucket size");
    expect(line.requests).to.deep.equal({
      s3: 3,
      dynamodb: 2,
      byOperation: { ListObjectsV2: 3, Query: 1, PutItem: 1 },
    });
    expect(line.trigger).to.include({ eventName: "ObjectCreated:Put", objectKey: "k1", sequencer: "00A1" });
    expect(line.mode).to.equal("listing");
  });

  it("lists the bucket an EventBridge Object Created event names", async () => {
    const { handler, table } = setup({ other: pagedBucket(3) });
    await handler({
      version: "0",
      "detail-type": "Object Created",
      source: "aws.s3",
      time: "2024-01-02T03:04:05Z",
      detail: {
        bucket: { name: "other" },
        object: { key: "my file.txt", size: 3, etag: "e", sequencer: "0A" },
        "request-id": "R1",
        reason: "PutObject",
      },
    });
    expect(table.records()[0]).to.include({ bucketName: "other", totalSize: 6, objectCount: 3 });
    expect(table.records()[0]!.trigger).to.deep.equal({
      eventName: "ObjectCreated:Put",
      objectKey: "my file.txt",
      eventTime: "2024-01-02T03:04:05Z",
      sequencer: "0A",
      requestId: "R1",
    });
  });

  it("stores at the listing's start without the superseded check when its role may not Query the history", async () => {
    const { handler, table, lines } = setup({ data: pagedBucket(2) });
    table.mock.on(QueryCommand).rejects(
      Object.assign(
        new Error(
          "User: arn:aws:sts::000000000000:assumed-role/r/s is not authorized to perform: dynamodb:Query",
        ),
        {
          name: "AccessDeniedException",
        },
      ),
    );
    const { records } = await handler({ Records: [s3Record("data", "k", "2024-01-02T03:04:05.000Z")] });
    expect(records.map((r) => [r.timestamp, r.totalSize])).to.deep.equal([[T, 3]]);
    expect(JSON.parse(lines[0]!).requests.byOperation).to.deep.equal({
      ListObjectsV2: 1,
      Query: 1,
      PutItem: 1,
    });
  });

  it("writes a bucket's baseline as one listing's record, and refuses to reconcile without an index", async () => {
    const { handler, table, s3Mock } = setup({ data: pagedBucket(4) });
    s3Mock.on(GetBucketVersioningCommand).resolves({});
    const { records } = await handler({ action: "baseline", bucket: "data" });
    expect(records.map((r) => [r.totalSize, r.objectCount, r.trigger?.eventName])).to.deep.equal([
      [10, 4, "s3size:Baseline"],
    ]);
    expect(table.records()).to.have.length(1);
    const error = await handler({ action: "reconcile", bucket: "data" }).catch((e: Error) => e);
    expect(String(error)).to.match(/reconciliation needs incremental tracking/);
  });

  it("refuses an unknown tracking mode, naming the variable", async () => {
    const table = fakeHistoryTable();
    const handler = createTrackingHandler({
      clients: () => ({
        s3: new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS }),
        dynamodb: table.client,
      }),
      env: { HISTORY_TABLE: "history", S3SIZE_TRACKING: "magic" },
      log: () => {},
    });
    const error = await handler({ Records: [] }).catch((e: Error) => e);
    expect(String(error)).to.match(/S3SIZE_TRACKING must be listing or incremental, got "magic"/);
  });
});
