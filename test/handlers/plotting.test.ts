import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { selectWindow, windowAroundNewest } from "../../handlers/plotting/window.ts";
import { createPlottingHandler } from "../../handlers/plotting.ts";
import { fakeHistoryTable, TEST_CREDENTIALS } from "./fake-history-table.ts";
import { DEMO, FAKE_PNG, get, NEWEST, record, setup, WALL_CLOCK } from "./plotting-fixture.ts";

describe("plotting: window selection", () => {
  it("ends the window at the newest record, or at the wall clock when there is none", () => {
    expect(windowAroundNewest(NEWEST, 10, WALL_CLOCK)).to.deep.equal({ start: NEWEST - 10_000, end: NEWEST });
    expect(windowAroundNewest(undefined, 5, WALL_CLOCK)).to.deep.equal({
      start: WALL_CLOCK - 5000,
      end: WALL_CLOCK,
    });
  });

  it("keeps the records inside the window in time order and the last one before it as the baseline", () => {
    const window = { start: NEWEST - 10_000, end: NEWEST };
    const selection = selectWindow([...DEMO].reverse(), window);
    expect(selection.points.map((r) => r.totalSize)).to.deep.equal([18, 27, 0, 2]);
    expect(selection.baseline?.timestamp).to.equal(NEWEST - 12_000);
    expect(selectWindow([record("data", 0, 2)], window)).to.not.have.property("baseline");
  });
});

describe("plotting handler", () => {
  it("reads the window ending at the newest record, its baseline and the global maximum, following every page", async () => {
    const { handler, table, s3Mock, charts } = setup(DEMO);
    const response = await handler(get({ bucket: "data", seconds: "10" }));
    expect(response.statusCode).to.equal(200);
    expect(response.headers["content-type"]).to.equal("application/json");
    const body = JSON.parse(response.body);
    expect(body.bucket).to.equal("data");
    expect(body.window).to.deep.equal({
      seconds: 10,
      start: NEWEST - 10_000,
      end: NEWEST,
      startIso: new Date(NEWEST - 10_000).toISOString(),
      endIso: new Date(NEWEST).toISOString(),
    });
    expect(body.points.map((p: { totalSize: number }) => p.totalSize)).to.deep.equal([18, 27, 0, 2]);
    expect(body.points[0]).to.deep.equal({
      timestamp: NEWEST - 9000,
      recordedAt: new Date(NEWEST - 9000).toISOString(),
      totalSize: 18,
      objectCount: 1,
    });
    expect(body.baseline).to.include({ timestamp: NEWEST - 12_000, totalSize: 0 });
    expect(body.max).to.deep.equal({
      totalSize: 5000,
      bucket: "other",
      timestamp: NEWEST - 50_000,
      index: "global_size_index",
    });
    expect(charts[0]).to.deep.include({ windowSeconds: 10 });
    expect(charts[0]!.window).to.deep.equal({ start: NEWEST - 10_000, end: NEWEST });
    expect(charts[0]!.series.map((s) => s.bucket)).to.deep.equal(["data"]);
    expect(charts[0]!.series[0]!.points).to.have.length(4);
    expect(charts[0]!.series[0]!.baseline).to.deep.equal({ timestamp: NEWEST - 12_000, totalSize: 0 });
    expect(charts[0]!.max).to.deep.equal({
      totalSize: 5000,
      bucket: "other",
      timestamp: NEWEST - 50_000,
      scope: "global",
    });

    const put = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).to.include({ Bucket: "data-plots", Key: "plot", ContentType: "image/png" });
    expect(Buffer.from(put.Body as Uint8Array).equals(FAKE_PNG)).to.equal(true);
    expect(body.plot).to.include({ bucket: "data-plots", key: "plot" });
    const url = new URL(body.plot.url);
    expect(url.pathname).to.match(/\/plot$/);
    expect(url.searchParams.get("X-Amz-Expires")).to.equal("300");
    expect(url.searchParams.get("X-Amz-Signature")).to.match(/^[0-9a-f]{64}$/);
    expect(table.mock.commandCalls(ScanCommand)).to.have.length(0);
  });

  it("takes the maximum from bucket_size_index with ?max=bucket", async () => {
    const { handler, table, charts } = setup(DEMO);
    const body = JSON.parse((await handler(get({ max: "bucket" }))).body);
    expect(body.max).to.deep.equal({
      totalSize: 40,
      bucket: "data",
      timestamp: NEWEST - 120_000,
      index: "bucket_size_index",
    });
    expect(charts[0]!.max?.scope).to.equal("bucket");
    const indexes = table.mock
      .calls()
      .map((call) => (call.args[0].input as { IndexName?: string }).IndexName);
    expect(indexes).to.include("bucket_size_index");
    expect(indexes).to.not.include("global_size_index");
  });

  it("draws an empty chart and answers points [] when the table has no records", async () => {
    const { handler, s3Mock, charts } = setup([]);
    const response = await handler(get(null));
    expect(response.statusCode).to.equal(200);
    const body = JSON.parse(response.body);
    expect(body.points).to.deep.equal([]);
    expect(body.baseline).to.equal(null);
    expect(body.max).to.equal(null);
    expect(body.window).to.include({ seconds: 10, start: WALL_CLOCK - 10_000, end: WALL_CLOCK });
    expect(charts[0]!.series[0]!.points).to.deep.equal([]);
    expect(s3Mock.commandCalls(PutObjectCommand)).to.have.length(1);
  });

  it("returns the PNG base64-encoded for ?format=png and for Accept: image/png in any header case", async () => {
    const { handler } = setup(DEMO, {});
    for (const event of [get({ format: "png" }), get(null, { ACCEPT: "text/html, image/png;q=0.9" })]) {
      const response = await handler(event);
      expect(response.statusCode).to.equal(200);
      expect(response.isBase64Encoded).to.equal(true);
      expect(response.headers["content-type"]).to.equal("image/png");
      expect(Buffer.from(response.body, "base64").equals(FAKE_PNG)).to.equal(true);
    }
  });

  it("answers a direct invocation with the same proxy-shaped response", async () => {
    const { handler } = setup(DEMO, {});
    const response = await handler({ bucket: "data", seconds: 4 });
    expect(response.statusCode).to.equal(200);
    expect(JSON.parse(response.body).points.map((p: { totalSize: number }) => p.totalSize)).to.deep.equal([
      0, 2,
    ]);
  });

  const badRequests: [string, Record<string, string>][] = [
    ["an uppercase bucket", { bucket: "TestBucket" }],
    ["a too-short bucket", { bucket: "ab" }],
    ["an IP-shaped bucket", { bucket: "192.168.1.1" }],
    ["seconds=0", { seconds: "0" }],
    ["seconds=-1", { seconds: "-1" }],
    ["seconds=abc", { seconds: "abc" }],
    ["seconds=1.5", { seconds: "1.5" }],
    ["seconds beyond a day", { seconds: "86401" }],
    ["max=foo", { max: "foo" }],
    ["format=gif", { format: "gif" }],
  ];
  for (const [what, query] of badRequests) {
    it(`rejects ${what} with a 400 JSON error and reads nothing`, async () => {
      const { handler, table } = setup(DEMO);
      const response = await handler(get(query));
      expect(response.statusCode).to.equal(400);
      expect(response.headers["content-type"]).to.equal("application/json");
      const body = JSON.parse(response.body);
      expect(body.error).to.equal("InvalidParameter");
      expect(body.message).to.be.a("string").and.contain(Object.keys(query)[0]);
      expect(table.mock.calls()).to.have.length(0);
    });
  }

  it("accepts the largest window, a day", async () => {
    const { handler } = setup(DEMO, {});
    const body = JSON.parse((await handler(get({ seconds: "86400" }))).body);
    expect(body.points).to.have.length(6);
  });

  it("answers a repeated request from its chart cache: same PNG stored, no second drawing", async () => {
    const { handler, s3Mock, charts, lines } = setup(DEMO, {});
    const first = await handler(get({ format: "png" }));
    const second = await handler(get({ format: "png" }));
    expect(second.body).to.equal(first.body);
    expect(charts).to.have.length(1);
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts).to.have.length(2);
    expect(Buffer.from(puts[1]!.args[0].input.Body as Uint8Array).equals(FAKE_PNG)).to.equal(true);
    expect(lines.map((l) => JSON.parse(l).drawn)).to.deep.equal([true, false]);
    // Another window is another chart: drawn.
    await handler(get({ format: "png", seconds: "11" }));
    expect(charts).to.have.length(2);
  });

  it("answers 500 with a JSON message, and logs it, when DynamoDB fails", async () => {
    const { handler, table, lines } = setup(DEMO);
    table.mock.rejects(
      Object.assign(new Error("Requested resource not found"), { name: "ResourceNotFoundException" }),
    );
    const response = await handler(get(null));
    expect(response.statusCode).to.equal(500);
    expect(JSON.parse(response.body)).to.deep.include({ error: "InternalError" });
    expect(JSON.parse(response.body).message).to.contain("ResourceNotFoundException");
    expect(lines.map((l) => JSON.parse(l).level)).to.include("error");
  });

  it("draws a real PNG with the default renderer", async () => {
    const table = fakeHistoryTable(DEMO);
    const s3 = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
    mockClient(s3).on(PutObjectCommand).resolves({});
    const handler = createPlottingHandler({
      clients: () => ({ s3, dynamodb: table.client }),
      env: { HISTORY_TABLE: "history", DATA_BUCKET: "data", PLOT_BUCKET: "data-plots" },
      log: () => {},
    });
    const response = await handler({ format: "png" });
    const png = Buffer.from(response.body, "base64");
    expect(png.subarray(0, 8).equals(FAKE_PNG.subarray(0, 8))).to.equal(true);
    expect(png.length).to.be.greaterThan(1000);
  });
});
