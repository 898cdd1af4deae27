import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { compareSequencers } from "../../handlers/tracking/sequencer.ts";
import { del, eventBridge, marker, put } from "./tracking-fixtures.ts";
import { incrementalTracker } from "./tracking-setup.ts";

/** A bucket's tracker after its baseline, with `objects` objects of 10 bytes each already in it. */
async function baselined(objects = 0, options: Parameters<typeof incrementalTracker>[0] = {}) {
  const t = incrementalTracker(options);
  t.s3.createBucket("data");
  for (let i = 0; i < objects; i++) t.s3.putObject("data", `seed/${String(i).padStart(6, "0")}`, 10);
  await t.handler({ action: "baseline", bucket: "data" });
  t.lines.length = 0;
  return t;
}

const sizes = (t: ReturnType<typeof incrementalTracker>) => t.records().map((r) => r.totalSize);

describe("sequencers", () => {
  it("compares after left-padding the shorter with zeros, the greater being later", () => {
    expect(compareSequencers("0A", "9")).to.be.greaterThan(0);
    expect(compareSequencers("00FF", "FF")).to.equal(0);
    expect(compareSequencers("0055B1C2AA", "55B1C2AB")).to.be.lessThan(0);
    expect(compareSequencers("617f08299329d189", "617F08299329D18A")).to.be.lessThan(0);
    // A plain string compare gets this one wrong: "9" > "10".
    expect(compareSequencers("9", "10")).to.be.lessThan(0);
  });
});

describe("size-tracking in incremental mode", () => {
  it("baselines a bucket it has never seen from one listing, then applies the event on top", async () => {
    const t = incrementalTracker();
    t.s3.createBucket("data");
    t.s3.putObject("data", "old-1", 100);
    t.s3.putObject("data", "old-2", 50);
    t.s3.putObject("data", "new", 7);
    await t.handler(put({ key: "new", size: 7, sequencer: "10" }));
    expect(t.records().map((r) => [r.trigger?.eventName, r.totalSize, r.objectCount])).to.deep.equal([
      ["s3size:Baseline", 157, 3],
      ["ObjectCreated:Put", 157, 3],
    ]);
    expect(t.total()).to.include({ totalSize: 157, objectCount: 3 });
  });

  it("tracks a put, an overwrite and a delete with 2 DynamoDB requests and no S3 request each, at 3 and at 3,000 objects", async () => {
    for (const objects of [3, 3_000]) {
      const t = await baselined(objects, { pageSize: 1000 });
      const base = objects * 10;
      await t.handler(put({ key: "a.txt", size: 18, sequencer: "01" }));
      await t.handler(put({ key: "a.txt", size: 27, sequencer: "02" }));
      await t.handler(del({ key: "a.txt", sequencer: "03" }));
      await t.handler(put({ key: "b.txt", size: 2, sequencer: "01" }));
      expect(sizes(t).slice(1)).to.deep.equal([base + 18, base + 27, base, base + 2]);
      for (const line of t.lines) {
        expect(line.requests).to.deep.equal({
          s3: 0,
          dynamodb: 2,
          byOperation: { TransactGetItems: 1, TransactWriteItems: 1 },
        });
      }
      expect(t.s3.mock.commandCalls(ListObjectsV2Command).length).to.equal(Math.ceil(objects / 1000));
    }
  });

  it("counts a duplicated event once", async () => {
    const t = await baselined();
    const event = put({ key: "a", size: 5, sequencer: "0A" });
    await t.handler(event);
    await t.handler(event);
    expect(sizes(t)).to.deep.equal([0, 5]);
    expect(t.lines.map((l) => [l.message, l.reason])).to.deep.equal([
      ["recorded bucket size", undefined],
      ["event ignored", "duplicate"],
    ]);
    expect((t.lines[1]!.requests as { dynamodb: number }).dynamodb).to.equal(1);
  });

  it("ignores an overwrite older than the one it already applied for that key", async () => {
    const t = await baselined();
    await t.handler(put({ key: "a", size: 27, sequencer: "0000A2" }));
    await t.handler(put({ key: "a", size: 18, sequencer: "A1" }));
    expect(sizes(t)).to.deep.equal([0, 27]);
    expect(t.lines[1]).to.include({ message: "event ignored", reason: "overtaken" });
  });

  it("keeps a tombstone, so a creation older than a deletion that arrived first is ignored", async () => {
    const t = await baselined();
    await t.handler(put({ key: "a", size: 4, sequencer: "01" }));
    await t.handler(del({ key: "b", sequencer: "07" }));
    await t.handler(put({ key: "b", size: 9, sequencer: "05" }));
    expect(sizes(t)).to.deep.equal([0, 4, 4]);
    const tombstone = t.indexItems().find((i) => i.item_key?.S === "k/b");
    expect(tombstone?.state?.S).to.equal("gone");
    // DynamoDB's TTL removes it a week after the deletion, long after any late event could come.
    const week = 7 * 24 * 3600;
    expect(Number(tombstone?.expires_at?.N) - Math.floor(Number(tombstone?.at?.N) / 1000)).to.equal(week);
  });

  it("never compares sequencers across keys", async () => {
    const t = await baselined();
    await t.handler(put({ key: "a", size: 1, sequencer: "FF" }));
    await t.handler(put({ key: "b", size: 2, sequencer: "01" }));
    expect(sizes(t)).to.deep.equal([0, 1, 3]);
  });

  it("applies an event exactly once when the function stops between its read and its write", async () => {
    let crash = false;
    const t = await baselined(0, {
      hooks: {
        beforeTransactWrite: () => {
          if (crash) {
            crash = false;
            throw Object.assign(new Error("Task timed out"), { name: "TimeoutError" });
          }
        },
      },
    });
    crash = true;
    const event = put({ key: "a", size: 12, sequencer: "01" });
    const error = await t.handler(event).catch((e: Error) => e);
    expect(String(error)).to.match(/size tracking failed for data \(TimeoutError/);
    expect(sizes(t)).to.deep.equal([0]);
    await t.handler(event);
    expect(sizes(t)).to.deep.equal([0, 12]);
    expect(t.total()).to.include({ totalSize: 12, objectCount: 1 });
  });

  it("applies an event exactly once when the answer to its write is lost and the platform retries it", async () => {
    let lose = false;
    const t = await baselined(0, {
      hooks: {
        afterTransactWrite: () => {
          if (lose) {
            lose = false;
            throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
          }
        },
      },
    });
    const event = del({ key: "x", sequencer: "05" });
    await t.handler(put({ key: "x", size: 30, sequencer: "01" }));
    lose = true;
    await t.handler(event).catch(() => {});
    await t.handler(event);
    expect(sizes(t)).to.deep.equal([0, 30, 0]);
    expect(t.lines.at(-1)).to.include({ message: "event ignored", reason: "duplicate" });
  });

  it("writes again on the total another event moved, without reading the key again; each record is the total after its event", async () => {
    const gate: { armedAt?: number; hold?: Promise<void>; release?: () => void } = {};
    const t = await baselined(0, {
      hooks: {
        beforeTransactWrite: async (call) => {
          // The first event's write waits until the second event has written.
          if (call === gate.armedAt) {
            gate.hold = new Promise((resolve) => {
              gate.release = resolve;
            });
            await gate.hold;
          }
        },
        afterTransactWrite: (call) => {
          if (call === gate.armedAt! + 1) gate.release?.();
        },
      },
    });
    gate.armedAt = t.dynamo.transactWrites() + 1;
    const first = t.handler(put({ key: "a", size: 100, sequencer: "01" }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await t.handler(put({ key: "b", size: 1, sequencer: "01" }));
    await first;
    expect(sizes(t)).to.deep.equal([0, 1, 101]);
    const retried = t.lines.find((l) => l.totalSize === 101)!;
    // The cancellation handed back the moved total (ALL_OLD): one read, two writes.
    expect(retried.attempts).to.equal(2);
    expect(retried.requests).to.deep.include({ dynamodb: 3 });
    expect((retried.requests as { byOperation: object }).byOperation).to.deep.equal({
      TransactGetItems: 1,
      TransactWriteItems: 2,
    });
    expect(t.total()).to.include({ totalSize: 101, objectCount: 2 });
  });

  it("reads the key again when an event for the same key got there first, and finds itself overtaken", async () => {
    const gate: { armedAt?: number; release?: () => void } = {};
    const t = await baselined(0, {
      hooks: {
        beforeTransactWrite: async (call) => {
          if (call === gate.armedAt) await new Promise<void>((resolve) => (gate.release = resolve));
        },
        afterTransactWrite: (call) => {
          if (call === gate.armedAt! + 1) gate.release?.();
        },
      },
    });
    gate.armedAt = t.dynamo.transactWrites() + 1;
    const older = t.handler(put({ key: "a", size: 5, sequencer: "01" }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await t.handler(put({ key: "a", size: 7, sequencer: "02" }));
    await older;
    expect(sizes(t)).to.deep.equal([0, 7]);
    expect(t.lines.at(-1)).to.include({ message: "event ignored", reason: "overtaken", attempts: 2 });
  });

  it("takes EventBridge's Object Created and Object Deleted events like notification records", async () => {
    const t = await baselined();
    await t.handler(
      eventBridge("Object Created", { key: "photos/cat 1.jpg", size: 40, sequencer: "0A", etag: "e1" }),
    );
    await t.handler(eventBridge("Object Deleted", { key: "photos/cat 1.jpg", sequencer: "0B" }));
    expect(sizes(t)).to.deep.equal([0, 40, 0]);
    expect(t.records()[1]!.trigger).to.deep.equal({
      eventName: "ObjectCreated:Put",
      objectKey: "photos/cat 1.jpg",
      eventTime: "2024-01-02T03:04:05Z",
      sequencer: "0A",
      requestId: "req-0A",
    });
    expect(t.records()[2]!.trigger?.eventName).to.equal("ObjectRemoved:Delete");
  });

  it("writes no record for events that do not change what is stored", async () => {
    const t = await baselined();
    await t.handler({
      Records: [
        {
          eventName: "ObjectTagging:Put",
          s3: { bucket: { name: "data" }, object: { key: "a", sequencer: "01" } },
        },
      ],
    });
    expect(sizes(t)).to.deep.equal([0]);
    expect(t.lines[0]).to.include({ message: "event ignored", reason: "no size change" });
  });

  it("serves any bucket its events name, each with its own index partition and total", async () => {
    const t = incrementalTracker();
    t.s3.createBucket("alpha");
    t.s3.createBucket("beta");
    await t.handler({
      Records: [
        ...put({ bucket: "alpha", key: "a", size: 3, sequencer: "01" }).Records,
        ...put({ bucket: "beta", key: "a", size: 5, sequencer: "01" }).Records,
      ],
    });
    expect(t.total("alpha")).to.include({ totalSize: 3 });
    expect(t.total("beta")).to.include({ totalSize: 5 });
    const byBucket = t.records().map((r) => [r.bucketName, r.totalSize, r.trigger?.eventName]);
    expect(byBucket).to.deep.include.members([
      ["alpha", 0, "s3size:Baseline"],
      ["alpha", 3, "ObjectCreated:Put"],
      ["beta", 0, "s3size:Baseline"],
      ["beta", 5, "ObjectCreated:Put"],
    ]);
  });

  it("refuses an event without a sequencer rather than guess its order", async () => {
    const t = await baselined();
    const error = await t
      .handler({
        Records: [
          { eventName: "ObjectCreated:Put", s3: { bucket: { name: "data" }, object: { key: "a", size: 1 } } },
        ],
      })
      .catch((e: Error) => e);
    expect(String(error)).to.match(/has no sequencer/);
  });

  it("needs the index table's name in incremental mode", async () => {
    const t = incrementalTracker();
    const { createTrackingHandler } = await import("../../handlers/size-tracking.ts");
    const handler = createTrackingHandler({
      clients: () => ({ s3: t.s3.client, dynamodb: t.dynamo.client }),
      env: { HISTORY_TABLE: "history", S3SIZE_TRACKING: "incremental" },
      log: () => {},
    });
    const error = await handler(put({ key: "a", size: 1, sequencer: "01" })).catch((e: Error) => e);
    expect(String(error)).to.match(/environment variable INDEX_TABLE is not set/);
  });
});

describe("size-tracking in incremental mode: versioned buckets", () => {
  async function versioned() {
    const t = incrementalTracker();
    t.s3.createBucket("data", "Enabled");
    await t.handler({ action: "baseline", bucket: "data" });
    t.lines.length = 0;
    return t;
  }
  const figures = (t: ReturnType<typeof incrementalTracker>) =>
    t.records().map((r) => [r.totalSize, r.objectCount, r.currentSize, r.currentCount]);

  it("counts every version's bytes, delete markers adding none, with the current versions beside", async () => {
    const t = await versioned();
    await t.handler(put({ key: "a", size: 10, versionId: "v1", sequencer: "01" }));
    await t.handler(put({ key: "a", size: 20, versionId: "v2", sequencer: "02" }));
    await t.handler(marker({ key: "a", versionId: "m3", sequencer: "03" }));
    await t.handler(put({ key: "b", size: 5, versionId: "v4", sequencer: "01" }));
    expect(figures(t)).to.deep.equal([
      [0, 0, 0, 0],
      [10, 1, 10, 1],
      [30, 2, 20, 1],
      [30, 2, 0, 0],
      [35, 3, 5, 1],
    ]);
  });

  it("deleting the current version for good makes the newest remaining one current, reading the key's versions once", async () => {
    const t = await versioned();
    await t.handler(put({ key: "a", size: 10, versionId: "v1", sequencer: "01" }));
    await t.handler(put({ key: "a", size: 20, versionId: "v2", sequencer: "02" }));
    await t.handler(marker({ key: "a", versionId: "m3", sequencer: "03" }));
    t.lines.length = 0;
    // Removing the delete marker brings v2 back; removing v2 brings v1 back.
    await t.handler(del({ key: "a", versionId: "m3", sequencer: "04" }));
    await t.handler(del({ key: "a", versionId: "v2", sequencer: "05" }));
    expect(figures(t).slice(-2)).to.deep.equal([
      [30, 2, 20, 1],
      [10, 1, 10, 1],
    ]);
    for (const line of t.lines) {
      expect(line.requests).to.deep.equal({
        s3: 0,
        dynamodb: 3,
        byOperation: { TransactGetItems: 1, Query: 1, TransactWriteItems: 1 },
      });
    }
  });

  it("deleting a noncurrent version leaves the current one", async () => {
    const t = await versioned();
    await t.handler(put({ key: "a", size: 10, versionId: "v1", sequencer: "01" }));
    await t.handler(put({ key: "a", size: 20, versionId: "v2", sequencer: "02" }));
    await t.handler(del({ key: "a", versionId: "v1", sequencer: "03" }));
    expect(figures(t).at(-1)).to.deep.equal([20, 1, 20, 1]);
    expect((t.lines.at(-1)!.requests as { dynamodb: number }).dynamodb).to.equal(2);
  });

  it("counts a version whose creation arrives after a newer one's, without making it current", async () => {
    const t = await versioned();
    await t.handler(put({ key: "a", size: 20, versionId: "v2", sequencer: "02" }));
    await t.handler(put({ key: "a", size: 10, versionId: "v1", sequencer: "01" }));
    await t.handler(put({ key: "a", size: 10, versionId: "v1", sequencer: "01" }));
    expect(figures(t).slice(1)).to.deep.equal([
      [20, 1, 20, 1],
      [30, 2, 20, 1],
    ]);
    expect(t.lines.at(-1)).to.include({ reason: "duplicate" });
  });

  it("ignores a version's creation arriving after its deletion", async () => {
    const t = await versioned();
    await t.handler(del({ key: "a", versionId: "v1", sequencer: "05" }));
    await t.handler(put({ key: "a", size: 10, versionId: "v1", sequencer: "01" }));
    expect(figures(t).at(-1)).to.deep.equal([0, 0, 0, 0]);
    expect(t.lines.at(-1)).to.include({ reason: "duplicate" });
  });

  it("replaces the null version a suspended bucket overwrites, and keeps the versions made before", async () => {
    const t = await versioned();
    await t.handler(put({ key: "a", size: 10, versionId: "v1", sequencer: "01" }));
    await t.handler(put({ key: "a", size: 3, versionId: "null", sequencer: "02" }));
    await t.handler(put({ key: "a", size: 4, versionId: "null", sequencer: "03" }));
    await t.handler(marker({ key: "a", versionId: "null", sequencer: "04" }));
    expect(figures(t).slice(1)).to.deep.equal([
      [10, 1, 10, 1],
      [13, 2, 3, 1],
      [14, 2, 4, 1],
      [10, 1, 0, 0],
    ]);
  });

  it("takes EventBridge's Delete Marker Created and version ids", async () => {
    const t = await versioned();
    await t.handler(eventBridge("Object Created", { key: "k", size: 8, versionId: "v1", sequencer: "01" }));
    await t.handler(
      eventBridge("Object Deleted", {
        key: "k",
        versionId: "m2",
        sequencer: "02",
        deletionType: "Delete Marker Created",
      }),
    );
    expect(figures(t).slice(1)).to.deep.equal([
      [8, 1, 8, 1],
      [8, 1, 0, 0],
    ]);
    expect(t.records().at(-1)!.trigger?.eventName).to.equal("ObjectRemoved:DeleteMarkerCreated");
  });

  it("turns an unversioned key's object into a noncurrent version when versioning is enabled", async () => {
    const t = await baselined();
    await t.handler(put({ key: "a", size: 10, sequencer: "01" }));
    await t.handler(put({ key: "a", size: 20, versionId: "v2", sequencer: "02" }));
    await t.handler(marker({ key: "a", versionId: "m3", sequencer: "03" }));
    expect(t.records().map((r) => [r.totalSize, r.currentSize])).to.deep.equal([
      [0, undefined],
      [10, undefined],
      [30, 20],
      [30, 0],
    ]);
  });
});
