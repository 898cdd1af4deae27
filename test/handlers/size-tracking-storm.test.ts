// Acceptance: the tracker's real zip on the local cloud, fed by the local S3's own notifications, in
// both modes, under a storm of 1,000 puts, overwrites and deletes whose events the local S3 delivers
// as AWS may: some twice, some out of order (its realism switches), several invocations at once. The
// history must end on the bucket's true size, and in incremental mode every record must be the exact
// total after its event.
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { deployTracker, notifyTracker } from "../../bench/tracker-stack.ts";
import { invokeTracker, runStormChanges } from "../../bench/tracker-storm.ts";
import { bucketRecordsQuery, queryAll } from "../../handlers/common/history-query.ts";
import { startTestCloud, type TestCloud } from "../local/cloud.ts";
import { checkEveryRecord, listing, waitForRecords } from "./storm-checks.ts";

const STORM = { ops: 1_000, keys: 150, seed: 20, concurrency: 8 };
const REALISM = { eventDuplicates: 0.2, eventReorderMs: 400 };

describe("size tracker under a storm of S3 notifications, on the local cloud (acceptance)", function () {
  this.timeout(300_000);
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud({ realism: REALISM });
  });
  after(async () => test.stop());

  for (const mode of ["incremental", "listing"] as const) {
    it(`${mode} mode ends on the bucket's true size after 1,000 changes, events delivered twice and late`, async () => {
      const stack = await deployTracker(test.clients, {
        mode,
        name: `storm-${mode}`,
        bucket: `storm-${mode}`,
      });
      if (mode === "incremental") {
        // The (empty) bucket's baseline, as `s3size track` will take it.
        await invokeTracker(test.clients.lambda, stack.functionName, {
          action: "baseline",
          bucket: stack.bucket,
        });
      }
      await notifyTracker(test.clients, stack);
      const events = await runStormChanges(test.clients.s3, stack.bucket, STORM);
      expect(new Set(events.map((e) => e.eventName))).to.deep.equal(
        new Set(["ObjectCreated:Put", "ObjectRemoved:Delete"]),
      );
      const truth = await listing(test.clients.s3, stack.bucket);
      expect(truth.objectCount).to.be.greaterThan(50);
      const records = await settled(test, stack.historyTable, stack.bucket, truth);
      expect(records.at(-1)).to.deep.include(truth);
      for (const record of records) expect(record.trackingMode).to.equal(mode);
      const group = `/aws/lambda/${stack.functionName}`;
      // The switches were on: more deliveries than changes.
      expect(await countLogLines(test, group, '"START RequestId"')).to.be.greaterThan(STORM.ops);
      if (mode === "incremental") {
        expect(records[0]!.trigger?.eventName).to.equal("s3size:Baseline");
        checkEveryRecord(records, events);
        expect(await countLogLines(test, group, '"duplicate"')).to.be.greaterThan(0);
      } else {
        // Each at the time its listing began, and never after a listing that began later.
        expect(records.every((r) => (r.listingMs ?? -1) >= 0)).to.equal(true);
      }
    });
  }

  it("incremental mode records a non-empty bucket's own size plus each change", async () => {
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
      // One change at a time, so the history's order is the steps' order (a duplicate is ignored).
      await waitForRecords(test, stack.historyTable, stack.bucket, i + 2);
    }
    await new Promise((resolve) => setTimeout(resolve, 3 * REALISM.eventReorderMs));
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
});

/**
 * The history once the storm is over: its newest record is the bucket's size and nothing new has come
 * for a while longer than S3 holds an event back.
 */
async function settled(
  test: TestCloud,
  table: string,
  bucket: string,
  truth: { totalSize: number; objectCount: number },
) {
  const until = Date.now() + 240_000;
  let last = -1;
  let quietSince = Date.now();
  for (;;) {
    const records = await queryAll(
      test.clients.dynamodb,
      bucketRecordsQuery(table, bucket, {}, "oldest-first"),
    );
    if (records.length !== last) {
      last = records.length;
      quietSince = Date.now();
    }
    const newest = records.at(-1);
    const done = newest?.totalSize === truth.totalSize && newest.objectCount === truth.objectCount;
    if (done && Date.now() - quietSince > 3 * REALISM.eventReorderMs + 2_000) return records;
    if (Date.now() > until)
      throw new Error(`the history of ${bucket} did not settle on ${JSON.stringify(truth)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function countLogLines(test: TestCloud, group: string, pattern: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await test.clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: group, filterPattern: pattern, nextToken }),
    );
    count += page.events?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}
