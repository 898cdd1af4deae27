// GET /plot?bucket=a,b: several buckets on one chart, one line each on a shared window, the JSON
// listing each bucket's records, and the list validated before anything is read.
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { MAX_SERIES } from "../../handlers/chart/palette.ts";
import { DEMO, get, NEWEST, record, setup } from "./plotting-fixture.ts";

/** The demo's "data" and "other", plus "logs": a record before the window and two in it, the last after data's newest. */
const HISTORY = [
  ...DEMO,
  record("logs", -30_000, 100, 1),
  record("logs", -4_000, 300, 2),
  record("logs", 1_000, 250, 2),
  record("idle", -90_000, 70, 1),
];

const sizes = (points: { totalSize: number }[]) => points.map((p) => p.totalSize);

describe("plotting several buckets", () => {
  it("answers each bucket's records on one window that ends at the newest record of any of them", async () => {
    const { handler, charts } = setup(HISTORY);
    const response = await handler(get({ bucket: "data,logs" }));
    expect(response.statusCode).to.equal(200);
    const body = JSON.parse(response.body);
    expect(body.buckets).to.deep.equal(["data", "logs"]);
    expect(body).to.not.have.property("points");
    expect(body.window).to.include({ seconds: 10, start: NEWEST + 1000 - 10_000, end: NEWEST + 1000 });
    const [data, logs] = body.series;
    expect(data.bucket).to.equal("data");
    expect(sizes(data.points)).to.deep.equal([18, 27, 0, 2]);
    expect(data.baseline).to.include({ totalSize: 0, timestamp: NEWEST - 12_000 });
    expect(logs.bucket).to.equal("logs");
    expect(sizes(logs.points)).to.deep.equal([300, 250]);
    expect(logs.baseline).to.include({ totalSize: 100 });
    expect(data).to.not.have.property("max");
    expect(body.max).to.include({ totalSize: 5000, bucket: "other", index: "global_size_index" });

    const chart = charts[0]!;
    expect(chart.series.map((s) => s.bucket)).to.deep.equal(["data", "logs"]);
    expect(sizes(chart.series[1]!.points)).to.deep.equal([300, 250]);
    expect(chart.series[1]!.baseline).to.deep.equal({ timestamp: NEWEST - 30_000, totalSize: 100 });
    expect(chart.window).to.deep.equal({ start: NEWEST - 9000, end: NEWEST + 1000 });
  });

  it("holds a quiet bucket's last size across the window, and shows a bucket with no records as empty", async () => {
    const { handler } = setup(HISTORY);
    const body = JSON.parse((await handler(get({ bucket: "logs,idle,never-written" }))).body);
    const [, idle, never] = body.series;
    expect(idle).to.deep.include({ bucket: "idle", points: [] });
    expect(idle.baseline).to.include({ totalSize: 70 });
    expect(never).to.deep.equal({ bucket: "never-written", points: [], baseline: null });
  });

  it("reads 3 Queries per bucket and one for the global maximum", async () => {
    const { handler, table } = setup(HISTORY, { pageSize: 100 });
    await handler(get({ bucket: "data,logs" }));
    const queries = table.mock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).to.have.length(7);
    expect(queries.filter((q) => q.IndexName === "global_size_index")).to.have.length(1);
  });

  it("with ?max=bucket draws the largest of the plotted buckets' own maxima and lists each", async () => {
    const { handler, table, charts } = setup(HISTORY, {});
    const body = JSON.parse((await handler(get({ bucket: "data,logs", max: "bucket" }))).body);
    expect(body.max).to.deep.equal({
      totalSize: 300,
      bucket: "logs",
      timestamp: NEWEST - 4000,
      index: "bucket_size_index",
    });
    expect(body.series.map((s: { max: { totalSize: number } }) => s.max.totalSize)).to.deep.equal([40, 300]);
    expect(charts[0]!.max).to.include({ totalSize: 300, bucket: "logs", scope: "bucket" });
    const indexes = table.mock.commandCalls(QueryCommand).map((c) => c.args[0].input.IndexName);
    expect(indexes.filter((i) => i === "bucket_size_index")).to.have.length(2);
    expect(indexes).to.not.include("global_size_index");
  });

  it("takes the list from a repeated bucket parameter and from a direct invocation's array", async () => {
    const { handler } = setup(HISTORY, {});
    const repeated = await handler(get({ bucket: "logs" }, {}, { bucket: ["data", "logs"] }));
    expect(JSON.parse(repeated.body).buckets).to.deep.equal(["data", "logs"]);
    const direct = await handler({ bucket: ["logs", "data"] });
    expect(JSON.parse(direct.body).buckets).to.deep.equal(["logs", "data"]);
  });

  it(`accepts ${MAX_SERIES} buckets, one per colour`, async () => {
    const { handler } = setup(HISTORY, {});
    const names = ["data", "logs", "idle", "other", "spare"];
    expect(names).to.have.length(MAX_SERIES);
    const response = await handler(get({ bucket: names.join(",") }));
    expect(response.statusCode).to.equal(200);
    expect(JSON.parse(response.body).series).to.have.length(MAX_SERIES);
  });

  const badLists: [string, string, RegExp][] = [
    ["an empty name between commas", "data,,logs", /empty name/],
    ["a trailing comma", "data,", /empty name/],
    ["an invalid name in the list", "data,Logs", /"Logs" is not a valid S3 bucket name/],
    ["a bucket named twice", "data,logs,data", /"data" is listed twice/],
    ["more buckets than colours", "b-1,b-2,b-3,b-4,b-5,b-6", /6 buckets; one chart overlays at most 5/],
  ];
  for (const [what, bucket, message] of badLists) {
    it(`rejects ${what} with a 400 JSON error and reads nothing`, async () => {
      const { handler, table } = setup(HISTORY);
      const response = await handler(get({ bucket }));
      expect(response.statusCode).to.equal(400);
      const body = JSON.parse(response.body);
      expect(body.error).to.equal("InvalidParameter");
      expect(body.message).to.match(message).and.to.contain("bucket");
      expect(table.mock.calls()).to.have.length(0);
    });
  }

  it("rejects an empty list in a direct invocation", async () => {
    const { handler } = setup(HISTORY);
    const response = await handler({ bucket: [] });
    expect(response.statusCode).to.equal(400);
    expect(JSON.parse(response.body).message).to.contain("empty list");
  });
});
