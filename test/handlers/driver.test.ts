import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import type { HistoryRecord } from "../../handlers/common/history.ts";
import { plotRequestUrl } from "../../handlers/driver/plot-request.ts";
import { demoSteps, finalState, runScript } from "../../handlers/driver/steps.ts";
import { historySince, waitForFinalRecord } from "../../handlers/driver/wait.ts";
import { createDriverHandler, POLL_MS } from "../../handlers/driver.ts";
import { fakeHistoryTable, TEST_CREDENTIALS } from "./fake-history-table.ts";

const START = Date.UTC(2024, 0, 2, 3, 4, 0, 0);

/** A clock that only moves when the code under test sleeps (plus 1 ms per reading, like a real one). */
function fakeClock() {
  let now = START;
  const sleeps: number[] = [];
  return {
    now: () => now++,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

function rec(timestamp: number, totalSize: number, objectCount: number): HistoryRecord {
  return {
    bucketName: "data",
    timestamp,
    totalSize,
    objectCount,
    recordedAt: new Date(timestamp).toISOString(),
  };
}

describe("driver: the demo script", () => {
  it("puts exactly 18, 27 and 2 bytes, deleting leftovers first and assignment1.txt before the last put", () => {
    const steps = demoSteps();
    expect(steps.map((s) => [s.step, s.action, s.key])).to.deep.equal([
      [1, "delete", "assignment1.txt"],
      [1, "delete", "assignment2.txt"],
      [2, "put", "assignment1.txt"],
      [3, "put", "assignment1.txt"],
      [4, "delete", "assignment1.txt"],
      [5, "put", "assignment2.txt"],
    ]);
    const bodies = steps.filter((s) => s.action === "put").map((s) => s.body!);
    expect(bodies).to.deep.equal(["Empty Assignment 1", "Empty Assignment 2222222222", "33"]);
    expect(bodies.map((b) => Buffer.byteLength(b))).to.deep.equal([18, 27, 2]);
    expect(finalState(steps)).to.deep.equal({ totalSize: 2, objectCount: 1 });
  });

  it("sleeps between numbered steps only, and notes the start just before the first put", async () => {
    const clock = fakeClock();
    const order: string[] = [];
    const run = await runScript(demoSteps(), {
      perform: async (a) => {
        order.push(`${a.action} ${a.key}`);
      },
      sleep: async (ms) => {
        order.push(`sleep ${ms}`);
        await clock.sleep(ms);
      },
      now: clock.now,
      sleepMs: 700,
    });
    expect(order).to.deep.equal([
      "delete assignment1.txt",
      "delete assignment2.txt",
      "sleep 700",
      "put assignment1.txt",
      "sleep 700",
      "put assignment1.txt",
      "sleep 700",
      "delete assignment1.txt",
      "sleep 700",
      "put assignment2.txt",
    ]);
    expect(run.performed.map((p) => p.bytes)).to.deep.equal([0, 0, 18, 27, 0, 2]);
    expect(run.startedAt).to.equal(run.performed[2]!.at);
    expect(run.lastPutAt).to.equal(run.performed[5]!.at);
    expect(run.performed[5]!.at - run.performed[2]!.at).to.be.at.least(3 * 700);
  });
});

describe("driver: waiting for the tracker", () => {
  const expected = { totalSize: 2, objectCount: 1 };
  const window = { start: START, eventsFrom: START };

  it("returns once a record after the last put shows the final state, ignoring an older one that matches", async () => {
    const clock = fakeClock();
    const reads: HistoryRecord[][] = [
      [rec(START - 5, 2, 1)],
      [rec(START - 5, 2, 1), rec(START + 10, 0, 0)],
      [rec(START - 5, 2, 1), rec(START + 10, 0, 0), rec(START + 20, 2, 1)],
    ];
    let calls = 0;
    const final = await waitForFinalRecord({
      readRecords: async () => reads[Math.min(calls++, reads.length - 1)]!,
      sleep: clock.sleep,
      now: clock.now,
      timeoutMs: 10_000,
      pollMs: 100,
      notBefore: START,
      expected,
      window,
      changes: 2,
    });
    expect(calls).to.equal(3);
    expect(clock.sleeps).to.deep.equal([100, 100]);
    expect(historySince(final.records, window).map((p) => p.totalSize)).to.deep.equal([0, 2]);
    expect(final.recordedAt).to.equal(START + 20);
    expect(final.noticedAt).to.equal(clock.now() - 1);
  });

  it("leaves out records the clearing deletes caused, however late the tracker wrote them", () => {
    const triggered = (timestamp: number, size: number, eventName: string, eventTime: number) => ({
      ...rec(timestamp, size, size > 0 ? 1 : 0),
      trigger: { eventName, objectKey: "assignment1.txt", eventTime: new Date(eventTime).toISOString() },
    });
    const cleared = START - 1000;
    const records = [
      triggered(START - 900, 0, "ObjectRemoved:Delete", START - 1010),
      // A cold tracker listed for a clearing delete after the first put was sent, before it landed…
      triggered(START + 40, 0, "ObjectRemoved:Delete", START - 1005),
      triggered(START + 90, 18, "ObjectCreated:Put", START + 20),
      // …and for another one after it landed: the right size, but not a change of the demo's.
      triggered(START + 120, 18, "ObjectRemoved:Delete", START - 1002),
      triggered(START + 2000, 27, "ObjectCreated:Put", START + 1950),
      triggered(START + 4000, 0, "ObjectRemoved:Delete", START + 3950),
      triggered(START + 6000, 2, "ObjectCreated:Put", START + 5950),
    ];
    const demo = { start: START, eventsFrom: (cleared + START) / 2 };
    expect(historySince(records, demo).map((p) => p.totalSize)).to.deep.equal([18, 27, 0, 2]);
    // Records without a trigger (an older tracker): everything from the first put on.
    const bare = records.map(({ trigger: _, ...record }) => record);
    expect(historySince(bare, demo).map((p) => p.totalSize)).to.deep.equal([0, 18, 18, 27, 0, 2]);
  });

  it("waits for a record of each of the demo's changes, not only one showing the final state", async () => {
    const clock = fakeClock();
    const triggered = (timestamp: number, size: number, eventTime: number) => ({
      ...rec(timestamp, size, size > 0 ? 1 : 0),
      trigger: { eventName: "ObjectCreated:Put", eventTime: new Date(eventTime).toISOString() },
    });
    const demo = { start: START, eventsFrom: START - 500 };
    // A cold tracker recorded the final state for a clearing delete first, then caught up.
    const reads = [
      [triggered(START + 9000, 2, START - 1000)],
      [triggered(START + 9000, 2, START - 1000), triggered(START + 9010, 2, START + 20)],
      [
        triggered(START + 9000, 2, START - 1000),
        triggered(START + 9010, 2, START + 20),
        triggered(START + 9020, 2, START + 2000),
        triggered(START + 9030, 2, START + 4000),
        triggered(START + 9040, 2, START + 6000),
      ],
    ];
    let calls = 0;
    const final = await waitForFinalRecord({
      readRecords: async () => reads[Math.min(calls++, reads.length - 1)]!,
      sleep: clock.sleep,
      now: clock.now,
      timeoutMs: 10_000,
      pollMs: 50,
      notBefore: START + 6000,
      expected,
      window: demo,
      changes: 4,
    });
    expect(calls).to.equal(3);
    expect(historySince(final.records, demo)).to.have.length(4);
  });

  it("notes when the clearing ended, for telling its records from the demo's", async () => {
    const clock = fakeClock();
    const run = await runScript(demoSteps(), {
      perform: async () => {},
      sleep: clock.sleep,
      now: clock.now,
      sleepMs: 500,
    });
    expect(run.clearedAt).to.be.a("number");
    expect(run.startedAt - run.clearedAt!).to.be.at.least(500);
  });

  it("times out within its bound, saying what it last saw", async () => {
    const clock = fakeClock();
    const error = await waitForFinalRecord({
      readRecords: async () => [rec(START + 3, 18, 1), rec(START + 7, 0, 0)],
      sleep: clock.sleep,
      now: clock.now,
      timeoutMs: 1000,
      pollMs: 300,
      notBefore: START,
      expected,
      window,
      changes: 4,
    }).catch((e: Error) => e);
    expect(String(error)).to.match(/timed out after 1000 ms/);
    expect(String(error)).to.contain("2 of the demo's 4 changes have a record");
    expect(String(error)).to.contain("2 bytes in 1 object(s)");
    expect(String(error)).to.contain(
      `newest record (${new Date(START + 7).toISOString()}) shows 0 bytes in 0 objects`,
    );
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).to.be.at.most(1000);
  });

  it("says so when no record was written at all", async () => {
    const clock = fakeClock();
    const error = await waitForFinalRecord({
      readRecords: async () => [],
      sleep: clock.sleep,
      now: clock.now,
      timeoutMs: 500,
      pollMs: 200,
      notBefore: START,
      expected,
      window,
      changes: 4,
    }).catch((e: Error) => e);
    expect(String(error)).to.contain("no record has been written since the demo started");
  });

  it("adds the demo bucket and a 10 s window only to an API URL without a query", () => {
    expect(plotRequestUrl("https://abc.execute-api.eu-west-1.amazonaws.com/demo/plot", "data")).to.equal(
      "https://abc.execute-api.eu-west-1.amazonaws.com/demo/plot?bucket=data&seconds=10",
    );
    expect(plotRequestUrl("http://127.0.0.1:4566/x/plot?seconds=30", "data")).to.equal(
      "http://127.0.0.1:4566/x/plot?seconds=30",
    );
  });
});

describe("driver handler", () => {
  let server: Server;
  let apiUrl: string;
  const apiRequests: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      apiRequests.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ bucket: "data", points: [], plot: { bucket: "data-plots", key: "plot", url: "u" } }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo/plot`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A bucket whose every change is recorded by a stand-in tracker `lagMs` later on the fake clock. */
  function system(options: { trackerWorks: boolean; othersBytes?: number[]; meddle?: boolean }) {
    const clock = fakeClock();
    const others = options.othersBytes ?? [];
    const table = fakeHistoryTable([
      rec(START - 60_000, 2 + others.reduce((a, b) => a + b, 0), 1 + others.length),
    ]);
    const objects = new Map<string, number>([
      ["assignment2.txt", 2],
      ...others.map((bytes, i): [string, number] => [`user-${i}.bin`, bytes]),
    ]);
    const s3 = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
    const s3Mock = mockClient(s3);
    const track = () => {
      if (!options.trackerWorks) return;
      const sizes = [...objects.values()];
      table.add(
        rec(
          clock.now() + 50,
          sizes.reduce((a, b) => a + b, 0),
          sizes.length,
        ),
      );
    };
    s3Mock.on(ListObjectsV2Command).callsFake(() => ({
      Contents: [...objects].map(([Key, Size]) => ({ Key, Size })),
      IsTruncated: false,
    }));
    s3Mock.on(PutObjectCommand).callsFake((input) => {
      objects.set(input.Key, Buffer.byteLength(input.Body));
      // Someone else's upload lands with the demo's last put.
      if (options.meddle && input.Key === "assignment2.txt") objects.set("intruder.bin", 5);
      track();
      return {};
    });
    s3Mock.on(DeleteObjectCommand).callsFake((input) => {
      objects.delete(input.Key);
      track();
      return {};
    });
    const lines: string[] = [];
    const handler = createDriverHandler({
      clients: () => ({ s3, dynamodb: table.client }),
      env: {
        DATA_BUCKET: "data",
        HISTORY_TABLE: "history",
        PLOT_API_URL: apiUrl,
        DRIVER_SLEEP_MS: "1500",
        DRIVER_WAIT_MS: "4000",
      },
      now: clock.now,
      sleep: clock.sleep,
      log: (line) => lines.push(line),
    });
    return { handler, s3Mock, table, clock, lines };
  }

  it("plays the script, waits for the final record, GETs the plotting API and reports 18 → 27 → 0 → 2", async () => {
    const { handler, s3Mock, table, clock, lines } = system({ trackerWorks: true });
    apiRequests.length = 0;
    const result = await handler({ sleepMs: 1000 });

    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Key, Buffer.byteLength(p.Body as string)])).to.deep.equal([
      ["assignment1.txt", 18],
      ["assignment1.txt", 27],
      ["assignment2.txt", 2],
    ]);
    expect(puts.every((p) => p.Bucket === "data")).to.equal(true);
    expect(s3Mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).to.deep.equal([
      "assignment1.txt",
      "assignment2.txt",
      "assignment1.txt",
    ]);
    // Four pauses between the five steps, then the wait asks every 50 ms, not every pause.
    expect(clock.sleeps.slice(0, 4)).to.deep.equal([1000, 1000, 1000, 1000]);
    expect(clock.sleeps.slice(4).every((ms) => ms === POLL_MS)).to.equal(true);
    expect(POLL_MS).to.be.at.most(50);

    expect(result.bucket).to.equal("data");
    expect(result.steps.map((s) => [s.step, s.action, s.bytes])).to.deep.equal([
      [1, "delete", 0],
      [1, "delete", 0],
      [2, "put", 18],
      [3, "put", 27],
      [4, "delete", 0],
      [5, "put", 2],
    ]);
    expect(result.observedSizes).to.deep.equal([18, 27, 0, 2]);
    expect(result.history.every((p) => p.timestamp >= result.startedAt)).to.equal(true);
    expect(result.plotStatus).to.equal(200);
    expect(result.plot).to.deep.include({ bucket: "data" });
    expect(apiRequests).to.deep.equal(["/demo/plot?bucket=data&seconds=10"]);
    expect(lines.filter((l) => JSON.parse(l).message === "demo step")).to.have.length(6);
    expect(table.mock.commandCalls(ScanCommand)).to.have.length(0);
  });

  it("fails with a clear message, after its bounded wait, when the tracker never records the final state", async () => {
    const { handler, clock } = system({ trackerWorks: false });
    apiRequests.length = 0;
    const error = await handler(null).catch((e: Error) => e);
    expect(String(error)).to.match(/timed out after 4000 ms waiting for the size tracker/);
    expect(String(error)).to.contain("no record has been written since the demo started");
    expect(clock.sleeps.slice(0, 4)).to.deep.equal([1500, 1500, 1500, 1500]);
    expect(apiRequests).to.deep.equal([]);
  });

  it("on a bucket that already holds objects, expects what it held plus 18, 27, 0 and 2", async () => {
    const { handler, s3Mock } = system({ trackerWorks: true, othersBytes: [100, 1_000] });
    const result = await handler({ sleepMs: 1000 });
    expect(result.before).to.deep.equal({ totalSize: 1_100, objectCount: 2 });
    expect(result.observedSizes).to.deep.equal([1_118, 1_127, 1_100, 1_102]);
    expect(result.history.map((p) => p.objectCount)).to.deep.equal([3, 3, 2, 3]);
    // Measured once, after the clearing deletes and before the first put.
    const order = s3Mock.calls().map((call) => call.args[0].constructor.name);
    expect(order.slice(0, 4)).to.deep.equal([
      "DeleteObjectCommand",
      "DeleteObjectCommand",
      "ListObjectsV2Command",
      "PutObjectCommand",
    ]);
  });

  it("names the real cause when another writer changes the bucket during the demo", async () => {
    const { handler } = system({ trackerWorks: true, othersBytes: [100], meddle: true });
    const error = await handler({ sleepMs: 1000 }).catch((e: Error) => e);
    expect(String(error)).to.contain("waiting for the size tracker to record 102 bytes in 2 object(s)");
    expect(String(error)).to.contain("the 100 bytes in 1 object(s) the bucket held before the demo");
    expect(String(error)).to.contain("107 bytes in 3 objects");
    expect(String(error)).to.contain("something else changed the bucket during the demo");
    expect(String(error)).not.to.contain("notification");
  });

  it("rejects a malformed sleepMs before touching the bucket", async () => {
    const { handler, s3Mock } = system({ trackerWorks: true });
    const error = await handler({ sleepMs: -5 }).catch((e: Error) => e);
    expect(String(error)).to.match(/sleepMs must be a non-negative whole number/);
    expect(s3Mock.calls()).to.have.length(0);
  });
});
