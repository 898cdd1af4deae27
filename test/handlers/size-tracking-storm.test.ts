// Acceptance: the tracker's real zip on the local cloud, in both modes, under a storm of 1,000 puts,
// overwrites and deletes whose events arrive as S3 may deliver them: some twice, out of order, in
// batches, several invocations at once. The history must end on the bucket's true size, and in
// incremental mode every record must be the exact total after its event.
import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { deployTracker, notifyTracker } from "../../bench/tracker-stack.ts";
import {
  deliver,
  deliveryOrder,
  invokeTracker,
  runStormChanges,
  type StormEvent,
} from "../../bench/tracker-storm.ts";
import type { HistoryRecord } from "../../handlers/common/history.ts";
import { bucketRecordsQuery, queryAll } from "../../handlers/common/history-query.ts";
import { decodeS3Key } from "../../handlers/tracking/object-events.ts";
import { compareSequencers } from "../../handlers/tracking/sequencer.ts";
import { startTestCloud, type TestCloud } from "../local/cloud.ts";

const STORM = { ops: 1_000, keys: 150, seed: 10, concurrency: 8 };
// Incremental mode serialises a bucket's events on its total, so more invocations at once only add
// retries (two already make every event contend); listing mode's cost is per invocation, so it gets
// larger batches and more at once.
const DELIVERY = { seed: 11, duplicates: 0.15, reorderWindow: 40 };
const BATCH = { incremental: { batch: 10, concurrency: 2 }, listing: { batch: 20, concurrency: 3 } };

async function listing(s3: S3Client, bucket: string) {
  let totalSize = 0;
  let objectCount = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      totalSize += object.Size ?? 0;
      objectCount += 1;
    }
    token = page.NextContinuationToken;
  } while (token);
  return { totalSize, objectCount };
}

/**
 * Replays the records in the order the total took them, applying each one's event to a plain model of
 * the bucket (each key at the state of its latest event by sequencer): every record must equal the
 * model after its event, and no event may appear twice.
 */
function checkEveryRecord(records: HistoryRecord[], events: StormEvent[]) {
  const byRequest = new Map(events.map((e) => [e.responseElements["x-amz-request-id"], e]));
  const keys = new Map<string, { seq: string; size: number }>();
  const seen = new Set<string>();
  for (const record of records.slice(1)) {
    const requestId = record.trigger?.requestId ?? "";
    expect(seen.has(requestId), `event ${requestId} recorded twice`).to.equal(false);
    seen.add(requestId);
    const event = byRequest.get(requestId)!;
    const key = decodeS3Key(event.s3.object.key);
    const stored = keys.get(key);
    expect(
      !stored || compareSequencers(stored.seq, event.s3.object.sequencer) < 0,
      `an overtaken event for ${key} was applied`,
    ).to.equal(true);
    keys.set(key, {
      seq: event.s3.object.sequencer,
      size: event.eventName.startsWith("ObjectCreated") ? (event.s3.object.size ?? 0) : -1,
    });
    const live = [...keys.values()].filter((k) => k.size >= 0);
    const model = { totalSize: live.reduce((sum, k) => sum + k.size, 0), objectCount: live.length };
    expect(
      { totalSize: record.totalSize, objectCount: record.objectCount },
      `record for ${requestId}`,
    ).to.deep.equal(model);
  }
}

/** Polls (bounded) until the bucket has at least `count` records; returns them oldest first. */
async function waitForRecords(test: TestCloud, table: string, bucket: string, count: number) {
  const until = Date.now() + 60_000;
  for (;;) {
    const records = await queryAll(
      test.clients.dynamodb,
      bucketRecordsQuery(table, bucket, {}, "oldest-first"),
    );
    if (records.length >= count) return records;
    if (Date.now() > until)
      throw new Error(`${records.length} records of ${bucket} after a minute, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("size tracker under a storm, on the local cloud (acceptance)", function () {
  this.timeout(300_000);
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
  });
  after(async () => test.stop());

  it("incremental mode records a non-empty bucket's own size plus each change, from real S3 notifications", async () => {
    const stack = await deployTracker(test.clients, {
      mode: "incremental",
      name: "notified",
      bucket: "notified",
    });
    await test.clients.s3.send(
      new PutObjectCommand({ Bucket: stack.bucket, Key: "users/own file.txt", Body: "x".repeat(100) }),
    );
    await invokeTracker(test.clients.lambda, stack.functionName, {
      action: "baseline",
      bucket: stack.bucket,
    });
    await notifyTracker(test.clients, stack);
    const steps: Array<[string, string | undefined]> = [
      ["assignment1.txt", "Empty Assignment 1"],
      ["assignment1.txt", "Empty Assignment 2222222222"],
      ["assignment1.txt", undefined],
      ["assignment2.txt", "33"],
    ];
    for (const [i, [Key, body]] of steps.entries()) {
      if (body === undefined)
        await test.clients.s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key }));
      else await test.clients.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key, Body: body }));
      // One change at a time, so the history's order is the steps' order.
      await waitForRecords(test, stack.historyTable, stack.bucket, i + 2);
    }
    const records = await waitForRecords(test, stack.historyTable, stack.bucket, 5);
    expect(records.map((r) => r.totalSize)).to.deep.equal([100, 118, 127, 100, 102]);
    expect(records.map((r) => r.trigger?.eventName)).to.deep.equal([
      "s3size:Baseline",
      "ObjectCreated:Put",
      "ObjectCreated:Put",
      "ObjectRemoved:Delete",
      "ObjectCreated:Put",
    ]);
  });

  for (const mode of ["incremental", "listing"] as const) {
    it(`${mode} mode ends on the bucket's true size after 1,000 changes delivered twice, late and in batches`, async () => {
      const stack = await deployTracker(test.clients, {
        mode,
        name: `storm-${mode}`,
        bucket: `storm-${mode}`,
      });
      if (mode === "incremental") {
        // The baseline of the (empty) bucket, as `s3size track` will do it.
        await invokeTracker(test.clients.lambda, stack.functionName, {
          action: "baseline",
          bucket: stack.bucket,
        });
      }
      const events = await runStormChanges(test.clients.s3, stack.bucket, STORM);
      const kinds = new Set(events.map((e) => e.eventName));
      expect([...kinds].sort()).to.deep.equal(["ObjectCreated:Put", "ObjectRemoved:Delete"]);
      const batches = deliveryOrder(events, { ...DELIVERY, ...BATCH[mode] });
      expect(batches.flat().length).to.be.greaterThan(STORM.ops);
      await deliver(test.clients.lambda, stack.functionName, batches, BATCH[mode].concurrency);

      const truth = await listing(test.clients.s3, stack.bucket);
      const records = await queryAll(
        test.clients.dynamodb,
        bucketRecordsQuery(stack.historyTable, stack.bucket, {}, "oldest-first"),
      );
      const newest = records.at(-1)!;
      expect({ totalSize: newest.totalSize, objectCount: newest.objectCount }).to.deep.equal(truth);
      expect(truth.objectCount).to.be.greaterThan(50);
      for (const record of records) expect(record.trackingMode).to.equal(mode);
      if (mode === "incremental") {
        expect(records[0]!.trigger?.eventName).to.equal("s3size:Baseline");
        checkEveryRecord(records, events);
      } else {
        // A record per invocation at most, each at the time its listing began.
        expect(records.length).to.be.at.most(batches.length);
        expect(records.every((r) => (r.listingMs ?? -1) >= 0)).to.equal(true);
      }
    });
  }
});
