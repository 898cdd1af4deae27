// The tracker's notifications (issue 11): one message per record with the previous and new totals, one
// per failed bucket, published after the record is stored and never at the record's expense.
import { expect } from "chai";
import { historyTableDefinition, itemToRecord } from "../../handlers/common/history.ts";
import { createTrackingHandler } from "../../handlers/size-tracking.ts";
import { changeNotification, NOTIFY_ENV, type Notification } from "../../handlers/tracking/notify.ts";
import { indexTableDefinition } from "../../handlers/tracking/object-index/keys.ts";
import { fakeDynamoDb } from "./fake-dynamodb.ts";
import { del, fakeS3, put } from "./tracking-fixtures.ts";

const TOPIC = "arn:aws:sns:us-east-1:000000000000:s3size-events";

function tracker(
  options: { mode?: "listing" | "incremental"; publish?: (n: Notification) => Promise<void> } = {},
) {
  const dynamo = fakeDynamoDb();
  dynamo.createTable(historyTableDefinition("history"));
  dynamo.createTable(indexTableDefinition("index"));
  const s3 = fakeS3();
  s3.createBucket("data");
  const published: Array<{ topicArn: string; notification: Notification }> = [];
  const lines: string[] = [];
  let clock = 1_700_000_000_000;
  const handler = createTrackingHandler({
    clients: () => ({ s3: s3.client, dynamodb: dynamo.client }),
    env: {
      HISTORY_TABLE: "history",
      [NOTIFY_ENV.topicArn]: TOPIC,
      ...(options.mode === "incremental" ? { S3SIZE_TRACKING: "incremental", INDEX_TABLE: "index" } : {}),
    },
    now: () => (clock += 10),
    sleep: async () => {},
    log: (line) => lines.push(line),
    publish: async (topicArn, notification) => {
      await options.publish?.(notification);
      published.push({ topicArn, notification });
    },
  });
  const records = () => dynamo.items("history").map(itemToRecord);
  return { handler, s3, dynamo, published, lines, records };
}

const bodies = (published: Array<{ notification: Notification }>) =>
  published.map((p) => JSON.parse(p.notification.message) as Record<string, unknown>);

for (const mode of ["listing", "incremental"] as const) {
  describe(`tracker notifications in ${mode} mode`, () => {
    it("publishes one message per record with the key, event, previous and new totals", async () => {
      const t = tracker({ mode });
      // A first record (in incremental mode, the baseline) so both modes start from a known total.
      t.s3.putObject("data", "seed.txt", 0);
      await t.handler(put({ key: "seed.txt", sequencer: "00", size: 0 }));
      t.published.length = 0;
      t.s3.putObject("data", "a b.txt", 18);
      await t.handler(put({ key: "a b.txt", sequencer: "01", size: 18 }));
      t.s3.putObject("data", "a b.txt", 27);
      await t.handler(put({ key: "a b.txt", sequencer: "02", size: 27 }));
      t.s3.deleteObject("data", "a b.txt");
      await t.handler(del({ key: "a b.txt", sequencer: "03" }));
      const sent = bodies(t.published);
      expect(sent.map((b) => [b.previousTotal, b.newTotal])).to.deep.equal([
        [0, 18],
        [18, 27],
        [27, 0],
      ]);
      expect(sent[1]).to.include({
        outcome: "success",
        bucket: "data",
        key: "a b.txt",
        event: "ObjectCreated:Put",
      });
      const stored = t.records().find((r) => r.totalSize === 27)!;
      expect(sent[1]!.recordedAt).to.equal(stored.recordedAt);
      expect(t.published.every((p) => p.topicArn === TOPIC)).to.equal(true);
      expect(t.published[1]!.notification.attributes).to.deep.equal({
        bucket: { DataType: "String", StringValue: "data" },
        outcome: { DataType: "String", StringValue: "success" },
      });
    });
  });
}

describe("tracker notifications on failure", () => {
  it("publishes one failure message naming the bucket, key and error, and still throws for a retry", async () => {
    const t = tracker();
    let thrown: unknown;
    try {
      await t.handler(put({ bucket: "gone", key: "x.txt", sequencer: "01", size: 1 }));
    } catch (error) {
      thrown = error;
    }
    expect(String(thrown)).to.match(/size tracking failed for gone/);
    const [body] = bodies(t.published);
    expect(t.published).to.have.length(1);
    expect(body).to.include({ outcome: "failure", bucket: "gone" });
    expect(body!.keys).to.deep.equal(["x.txt"]);
    expect(body!.error).to.match(/NoSuchBucket/);
    expect(t.published[0]!.notification.attributes.outcome!.StringValue).to.equal("failure");
  });

  it("keeps the record and succeeds when publishing fails, logging a warning instead", async () => {
    const t = tracker({
      publish: async () => {
        throw Object.assign(new Error("Topic does not exist"), { name: "NotFoundException" });
      },
    });
    t.s3.putObject("data", "k", 5);
    const result = await t.handler(put({ key: "k", sequencer: "01", size: 5 }));
    expect(result.records.map((r) => r.totalSize)).to.deep.equal([5]);
    expect(t.records().map((r) => r.totalSize)).to.deep.equal([5]);
    const warning = t.lines.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
    expect(warning?.error).to.match(/NotFoundException: Topic does not exist/);
  });

  it("publishes nothing when setup gave it no topic", async () => {
    const s3 = fakeS3();
    s3.createBucket("data");
    const dynamo = fakeDynamoDb();
    dynamo.createTable(historyTableDefinition("history"));
    const published: Notification[] = [];
    const handler = createTrackingHandler({
      clients: () => ({ s3: s3.client, dynamodb: dynamo.client }),
      env: { HISTORY_TABLE: "history" },
      log: () => {},
      publish: async (_arn, n) => {
        published.push(n);
      },
    });
    s3.putObject("data", "k", 5);
    await handler(put({ key: "k", sequencer: "01", size: 5 }));
    expect(dynamo.items("history")).to.have.length(1);
    expect(published).to.deep.equal([]);
  });

  it("keeps the subject ASCII and under SNS's 100 characters", () => {
    const long = "b".repeat(63);
    const { subject } = changeNotification({
      record: { bucketName: long, timestamp: 0, recordedAt: "x", totalSize: 1e15, objectCount: 1 },
      previousTotal: 1e15 - 1,
    });
    expect(subject.length).to.be.lessThan(100);
    expect(subject).to.match(/^[\x20-\x7e]+$/);
  });
});
