import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { slotSortKey } from "../../handlers/tracking/object-index/keys.ts";
import { RequestTally } from "../../handlers/tracking/request-tally.ts";
import { del, put } from "./tracking-fixtures.ts";
import { INDEX, incrementalTracker } from "./tracking-setup.ts";

describe("size-tracking in incremental mode: baseline and reconciliation", () => {
  it("reports and fixes keys added, removed and changed behind the index's back, with one record", async () => {
    const t = incrementalTracker();
    t.s3.createBucket("data");
    for (const key of ["a", "b", "c"]) t.s3.putObject("data", key, 10);
    await t.handler({ action: "baseline", bucket: "data" });
    // Changes whose events never reached the tracker.
    t.s3.putObject("data", "d", 7);
    t.s3.deleteObject("data", "a");
    t.s3.putObject("data", "b", 25);

    const { outcomes } = await t.handler({ action: "reconcile", bucket: "data" });
    const report = outcomes[0] as unknown as Record<string, unknown>;
    expect(report).to.include({
      outcome: "reconciled",
      added: 1,
      removed: 1,
      changed: 1,
      driftBytes: 12,
      skippedRecent: 0,
    });
    expect(report.before).to.deep.include({ totalSize: 30, objectCount: 3 });
    expect(report.after).to.deep.include({ totalSize: 42, objectCount: 3 });
    expect(report.examples).to.deep.equal([
      { key: "a", kind: "removed", bytes: -10 },
      { key: "b", kind: "changed", bytes: 15 },
      { key: "d", kind: "added", bytes: 7 },
    ]);
    expect(t.records().map((r) => [r.trigger?.eventName, r.totalSize])).to.deep.equal([
      ["s3size:Baseline", 30],
      ["s3size:Reconcile", 42],
    ]);
    // The fixed index goes on counting events right.
    t.s3.putObject("data", "b", 5);
    await t.handler(put({ key: "b", size: 5, sequencer: "01" }));
    expect(t.total()).to.include({ totalSize: 22, objectCount: 3 });

    const again = await t.handler({ action: "reconcile", bucket: "data" });
    expect(again.outcomes[0]).to.include({ added: 0, removed: 0, changed: 0, driftBytes: 0 });
    expect(again.records).to.deep.equal([]);
  });

  it("forgets an untracked bucket: its index and its place on the schedule go, its objects and history stay", async () => {
    const t = incrementalTracker();
    for (const bucket of ["keep", "drop"]) {
      t.s3.createBucket(bucket);
      for (const key of ["a", "b", "c", "d", "e"]) t.s3.putObject(bucket, key, 3);
      await t.handler({ action: "baseline", bucket });
    }
    const { forgetBucket } = await import("../../handlers/tracking/object-index/registry.ts");
    const context = {
      s3: t.s3.client,
      dynamodb: t.dynamo.client,
      settings: { mode: "incremental" as const, historyTable: "history", indexTable: INDEX },
      now: () => 0,
      sleep: async () => {},
      tally: new RequestTally(),
    };
    expect(await forgetBucket(context, "drop")).to.equal(6);
    expect(t.indexItems("drop")).to.deep.equal([]);
    expect(t.indexItems("keep")).to.have.length(6);
    const scheduled = await t.handler({ source: "aws.events", "detail-type": "Scheduled Event", detail: {} });
    expect(scheduled.outcomes.map((o) => (o as { bucket: string }).bucket)).to.deep.equal(["keep"]);
    expect(t.s3.truth("drop").objectCount).to.equal(5);
    expect(t.records().filter((r) => r.bucketName === "drop")).to.have.length(1);
  });

  it("leaves alone a key an event changed while the listing ran", async () => {
    const t = incrementalTracker();
    t.s3.createBucket("data");
    t.s3.putObject("data", "a", 10);
    await t.handler({ action: "baseline", bucket: "data" });
    // The listing saw "a" at 10 bytes; an event making it 40 is applied before the comparison.
    t.s3.mock.on(ListObjectsV2Command).callsFake(async () => {
      t.s3.putObject("data", "a", 40);
      await t.handler(put({ key: "a", size: 40, sequencer: "09" }));
      return { Contents: [{ Key: "a", Size: 10, ETag: '"x"' }], IsTruncated: false };
    });
    const { outcomes } = await t.handler({ action: "reconcile", bucket: "data" });
    expect(outcomes[0]).to.include({ changed: 0, skippedRecent: 1 });
    expect(t.total()).to.include({ totalSize: 40 });
  });

  it("reconciles every tracked bucket on an EventBridge schedule", async () => {
    const t = incrementalTracker();
    for (const bucket of ["alpha", "beta"]) {
      t.s3.createBucket(bucket);
      await t.handler({ action: "baseline", bucket });
      t.s3.putObject(bucket, "missed", bucket.length);
    }
    const { outcomes } = await t.handler({
      version: "0",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time: "2024-01-02T03:00:00Z",
      resources: ["arn:aws:events:us-east-1:000000000000:rule/s3size-reconcile"],
      detail: {},
    });
    expect(
      outcomes.map((o) => [(o as { bucket: string }).bucket, (o as { driftBytes: number }).driftBytes]),
    ).to.deep.equal([
      ["alpha", 5],
      ["beta", 4],
    ]);
  });

  it("reconciles a versioned bucket's versions and current versions", async () => {
    const t = incrementalTracker();
    t.s3.createBucket("data", "Enabled");
    const v1 = t.s3.putObject("data", "a", 10);
    t.s3.putObject("data", "a", 20);
    await t.handler({ action: "baseline", bucket: "data" });
    expect(t.records()[0]).to.include({ totalSize: 30, objectCount: 2, currentSize: 20, currentCount: 1 });
    t.s3.deleteVersion("data", "a", v1);
    t.s3.deleteObject("data", "a");
    t.s3.putObject("data", "b", 3);
    const { outcomes } = await t.handler({ action: "reconcile", bucket: "data" });
    expect(outcomes[0]).to.include({ changed: 1, added: 1, driftBytes: -7 });
    expect(t.records().at(-1)).to.include({ totalSize: 23, objectCount: 2, currentSize: 3, currentCount: 1 });
    expect(t.s3.truth("data")).to.deep.equal({
      totalSize: 23,
      objectCount: 2,
      currentSize: 3,
      currentCount: 1,
    });
  });

  it("applies events that arrive during a baseline without recording a partial total, then records the whole", async () => {
    const t = incrementalTracker();
    t.s3.createBucket("data");
    for (const key of ["a", "b", "c", "d"]) t.s3.putObject("data", key, 10);
    let once = true;
    t.s3.mock.on(ListObjectsV2Command).callsFake(async (input) => {
      if (once) {
        once = false;
        // "e" is put after the listing passed it, and "a" deleted before the listing reached it.
        t.s3.putObject("data", "e", 5);
        await t.handler(put({ key: "e", size: 5, sequencer: "01" }));
        t.s3.deleteObject("data", "a");
        await t.handler(del({ key: "a", sequencer: "02" }));
        return {
          Contents: [
            { Key: "b", Size: 10 },
            { Key: "c", Size: 10 },
            { Key: "d", Size: 10 },
          ],
          IsTruncated: false,
        };
      }
      throw new Error(`unexpected listing ${JSON.stringify(input)}`);
    });
    await t.handler({ action: "baseline", bucket: "data" });
    expect(t.lines.filter((l) => String(l.message).startsWith("applied while")).length).to.equal(2);
    expect(t.records().map((r) => [r.trigger?.eventName, r.totalSize, r.objectCount])).to.deep.equal([
      ["s3size:Baseline", 35, 4],
    ]);
  });

  it("an event arriving long after a baseline stopped resumes it; the baseline's record includes the event", async () => {
    let stopAt = 0;
    const t = incrementalTracker({
      pageSize: 50,
      hooks: {
        beforeTransactWrite: (call) => {
          if (call === stopAt) throw Object.assign(new Error("Task timed out"), { name: "TimeoutError" });
        },
      },
    });
    t.s3.createBucket("data");
    for (let i = 0; i < 120; i++) t.s3.putObject("data", `k${String(i).padStart(3, "0")}`, 2);
    // The claim (write 1) and the first chunk of 99 (write 2) land; the run stops on the second chunk.
    stopAt = 3;
    await t.handler({ action: "baseline", bucket: "data" }, { awsRequestId: "run-1" }).catch(() => {});
    expect(t.records()).to.deep.equal([]);
    t.s3.putObject("data", "new", 9);
    t.setClock(1_000_000 + 17 * 60 * 1000);
    await t.handler(put({ key: "new", size: 9, sequencer: "01" }), { awsRequestId: "run-2" });
    expect(t.lines.map((l) => l.message)).to.include.members([
      "applied while the bucket's baseline runs; no record yet",
      "recorded bucket size",
    ]);
    expect(t.records().map((r) => [r.trigger?.eventName, r.totalSize, r.objectCount])).to.deep.equal([
      ["s3size:Baseline", 249, 121],
    ]);
    expect(t.total()?.seeding).to.equal(undefined);
  });

  it("resumes a baseline cut short where it stopped, counting nothing twice", async () => {
    let stopAt = 0;
    const t = incrementalTracker({
      pageSize: 50,
      hooks: {
        beforeTransactWrite: (call) => {
          if (call === stopAt)
            throw Object.assign(new Error("Task timed out after 900.00 seconds"), { name: "TimeoutError" });
        },
      },
    });
    t.s3.createBucket("data");
    for (let i = 0; i < 250; i++) t.s3.putObject("data", `k${String(i).padStart(3, "0")}`, i + 1);
    // Claim is write 1, the seeding chunks of 99 items writes 2, 3 and 4: stop during the third chunk.
    stopAt = 4;
    const first = await t
      .handler({ action: "baseline", bucket: "data" }, { awsRequestId: "run-1" })
      .catch((e: Error) => e);
    expect(String(first)).to.match(/Task timed out/);
    expect(t.records()).to.deep.equal([]);
    expect(t.total()?.seeding).to.include({ owner: "run-1", after: "k197" });

    const busy = await t.handler({ action: "baseline", bucket: "data" }, { awsRequestId: "run-2" });
    expect(busy.outcomes[0]).to.include({ outcome: "in-progress", owner: "run-1" });

    t.setClock(1_000_000 + 17 * 60 * 1000);
    const listedBefore = t.s3.mock.commandCalls(ListObjectsV2Command).length;
    await t.handler({ action: "baseline", bucket: "data" }, { awsRequestId: "run-3" });
    const resumedFrom = t.s3.mock.commandCalls(ListObjectsV2Command)[listedBefore]!.args[0].input.StartAfter;
    expect(resumedFrom).to.equal("k197");
    expect(t.records().map((r) => [r.totalSize, r.objectCount])).to.deep.equal([[(250 * 251) / 2, 250]]);
    const slots = t.dynamo.items(INDEX).filter((i) => i.item_key?.S?.startsWith("k/"));
    expect(slots).to.have.length(250);
    expect(slots.some((i) => i.item_key?.S === slotSortKey("k249"))).to.equal(true);
  });
});
