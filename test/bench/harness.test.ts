// The bench harness on tiny sizes, so `npm run bench` cannot rot: every group runs end to end and
// produces figures of the right shape (the harness itself fails on wrong totals or growing reads).
import { expect } from "chai";
import { type BenchResults, GROUPS, QUICK_CONFIG, runBench } from "../../bench/harness.ts";
import { formatResults } from "../../bench/report.ts";

const isSummary = (value: unknown) => {
  const s = value as { median: number; min: number; max: number; runs: number };
  expect(s.runs).to.be.greaterThan(0);
  expect(s.min).to.be.at.most(s.median);
  expect(s.median).to.be.at.most(s.max);
  expect(s.min).to.be.greaterThan(0);
};

describe("bench harness (quick sizes)", function () {
  this.timeout(180_000);
  let results: BenchResults;

  before(async () => {
    results = await runBench({ config: QUICK_CONFIG, quick: true });
  });

  it("records the machine, the date and the sizes used", () => {
    expect(results.machine.cpus).to.be.greaterThan(0);
    expect(results.machine.node).to.equal(process.version);
    expect(Number.isNaN(Date.parse(results.date))).to.equal(false);
    expect(results.sizes).to.deep.equal(QUICK_CONFIG);
  });

  it("renders warm charts for every point count and one cold process", () => {
    const render = results.render!;
    expect(render.warm.map((w) => w.points)).to.deep.equal(QUICK_CONFIG.render.points);
    for (const warm of render.warm) isSummary(warm.ms);
    isSummary(render.cold.ms);
    expect(render.cold.pngBytes).to.be.greaterThan(1000);
    isSummary(render.cacheHit.us);
  });

  it("puts matplotlib's times and the ratio beside each chart, or says how to get matplotlib", () => {
    const render = results.render!;
    if ("missing" in render.matplotlib) {
      expect(render.matplotlib.missing).to.contain("apt-get install python3-matplotlib");
      expect(formatResults(results)).to.contain("apt-get install python3-matplotlib");
      return;
    }
    for (const row of [...render.warm, render.cold]) {
      isSummary(row.matplotlib!.ms);
      expect(row.ratio).to.be.greaterThan(0);
    }
    expect(formatResults(results)).to.contain(`matplotlib ${render.matplotlib.version}`);
  });

  it("tracks each bucket size with one listing page per 1,000 objects and the true total", () => {
    const tracking = results.tracking!.listing;
    expect(tracking.map((t) => t.objects)).to.deep.equal(QUICK_CONFIG.tracking.sizes);
    for (const t of tracking) {
      expect(t.listPages).to.equal(Math.ceil(t.objects / 1000));
      expect(t.recordMatchesTruth).to.equal(true);
      // The record's PutItem, and the Query for the newest record a superseded listing yields to.
      expect(t.dynamoRequests).to.equal(2);
      isSummary(t.ms);
    }
    expect(tracking.map((t) => t.fill.method)).to.deep.equal(["PutObject", "direct"]);
  });

  it("tracks incrementally with the same two DynamoDB requests and no S3 request per event at every size", () => {
    const incremental = results.tracking!.incremental;
    expect(incremental.map((t) => t.objects)).to.deep.equal(QUICK_CONFIG.tracking.incremental.sizes);
    for (const t of incremental) {
      expect(t.dynamoRequests).to.deep.equal({ min: 2, max: 2 });
      expect(t.byOperation).to.deep.equal({ TransactGetItems: 1, TransactWriteItems: 1 });
      expect(t.s3Requests).to.equal(0);
      expect(t.recordsMatchTruth).to.equal(true);
      expect(t.ms.runs).to.equal(QUICK_CONFIG.tracking.incremental.events);
      isSummary(t.ms);
    }
  });

  it("reads the same requests and items per plot whatever the table size", () => {
    const [small, large] = results.plotReads!;
    expect(small!.tableRecords).to.be.lessThan(large!.tableRecords);
    expect(large!.dynamoRequests).to.equal(small!.dynamoRequests);
    expect(large!.itemsRead).to.equal(small!.itemsRead);
    expect(small!.windowPoints).to.equal(5);
    isSummary(large!.ms);
  });

  it("counts AWS calls for setup, an unchanged setup with no mutation, and teardown", () => {
    const steps = results.provisioning!;
    expect(steps.map((s) => s.step)).to.deep.equal(["first setup", "second setup", "teardown"]);
    expect(steps[0]!.mutating).to.be.greaterThan(0);
    expect(steps[1]!.mutating).to.equal(0);
    expect(steps[1]!.reads).to.be.greaterThan(0);
    expect(steps[2]!.mutating).to.be.greaterThan(0);
    for (const step of steps) isSummary(step.ms);
  });

  it("sizes each function's zip", () => {
    expect(results.packages!.map((p) => p.function).sort()).to.deep.equal([
      "driver",
      "plotting",
      "size-tracking",
      "web",
    ]);
    for (const p of results.packages!) expect(p.unzippedBytes).to.be.greaterThan(p.bytes);
  });

  it("loses no event in either mode's storm and ends on the bucket's true size, every incremental record exact", () => {
    const storms = results.storm!;
    expect(storms.map((s) => s.mode)).to.deep.equal(["listing", "incremental"]);
    for (const storm of storms) {
      if ("timedOut" in storm)
        expect.fail(`the ${storm.mode} storm did not settle: ${JSON.stringify(storm)}`);
      expect(storm.objects).to.equal(QUICK_CONFIG.storm.objects);
      expect(storm.settledWithinLimit).to.equal(true);
      expect(storm.settleMs).to.be.greaterThan(0);
      expect(storm.putsMs).to.be.a("number");
      expect(storm.lost).to.equal(0);
      expect(storm.objectsWithOutcome).to.equal(storm.objects);
      expect(storm.invocations).to.be.at.least(storm.objects);
      expect(storm.newestRecordMatchesTruth).to.equal(true);
      if (storm.mode === "incremental") {
        expect(storm.recordsWritten).to.equal(storm.objects);
        expect(storm.inexactRecords).to.equal(0);
      } else {
        expect(storm.recordsWritten + storm.superseded).to.be.at.least(storm.objects);
      }
    }
  });

  it("runs the packaged CLI: cold --help, a first demo that records 18 → 27 → 0 → 2, an unchanged setup", () => {
    const cli = results.cli!;
    isSummary(cli.nodeStartMs);
    isSummary(cli.helpMs);
    isSummary(cli.unchangedSetupMs);
    expect(cli.firstDemo.pausesMs).to.equal(4 * QUICK_CONFIG.cli.sleepMs);
    expect(cli.firstDemo.ms).to.be.greaterThan(cli.firstDemo.pausesMs);
    expect(cli.firstDemo.noticedFinalRecordAfterMs).to.be.at.least(0);
  });

  it("measures the S3 store's PutObject rate and a listing page at each bucket size", () => {
    const s3 = results.s3!;
    expect(s3.putObject.objectsPerSecond.median).to.be.greaterThan(0);
    expect(s3.listPages.map((p) => p.objects)).to.deep.equal(QUICK_CONFIG.s3.listSizes);
    for (const page of s3.listPages) {
      isSummary(page.httpMs);
      isSummary(page.sdkMs);
    }
  });

  it("runs every asynchronous invocation it accepted, and PUTs to a notifying bucket", () => {
    const figure = results.asyncEvents!;
    expect(figure.events).to.equal(QUICK_CONFIG.asyncEvents.events);
    expect(figure.drainedMs).to.be.a("number");
    expect(figure.acceptedPerSecond).to.be.greaterThan(0);
    expect(figure.putsPerSecondPlain).to.be.greaterThan(0);
    expect(figure.putsPerSecondNotified).to.be.greaterThan(0);
  });

  it("prints a table with all nine groups", () => {
    const text = formatResults(results);
    for (const heading of [
      "1. Plot rendering",
      "2a. Size tracking, listing mode",
      "2b. Size tracking, incremental mode",
      "3. Plot reads",
      "4. Provisioning",
      "5. Packages",
      "6. Event storm",
      "7. The packaged CLI",
      "8. Local S3 store",
      "9. Asynchronous invocations",
    ])
      expect(text).to.include(heading);
    expect(GROUPS).to.have.length(9);
  });
});
