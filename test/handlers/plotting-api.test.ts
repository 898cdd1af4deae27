// Several buckets through the real thing: the plotting function from its zip behind the local
// cloud's API Gateway, reading the local DynamoDB history table that setup created.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { PNG } from "pngjs";
import { SERIES_COLORS } from "../../handlers/chart/palette.ts";
import { DEFAULT_TABLE_NAME, type HistoryRecord, recordToItem } from "../../handlers/common/history.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, runCli } from "../cli/run-cli.ts";

const DATA_BUCKET = "testbucket-000000000000-us-east-1";
const LOGS_BUCKET = "logs-000000000000-us-east-1";

describe("GET /plot?bucket=a,b on the local cloud", function () {
  this.timeout(240_000);
  let cloud: LocalCloud;
  let invokeUrl: string;
  const now = Date.now();
  const record = (bucketName: string, agoMs: number, totalSize: number): HistoryRecord => ({
    bucketName,
    timestamp: now - agoMs,
    totalSize,
    objectCount: 1,
    recordedAt: new Date(now - agoMs).toISOString(),
  });

  before(async () => {
    const work = mkdtempSync(join(tmpdir(), "s3size-overlay-"));
    cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 0 });
    const stateDir = join(work, ".s3size");
    const setup = await runCli(["setup", "--endpoint-url", cloud.endpoint, "--state-dir", stateDir], {
      cwd: work,
    });
    expect(setup.code, setup.stderr).to.equal(0);
    invokeUrl = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")).invokeUrl;
    const { dynamodb } = cloudClients(cloud.endpoint);
    for (const r of [
      record(DATA_BUCKET, 40_000, 5),
      record(DATA_BUCKET, 20_000, 18),
      record(DATA_BUCKET, 10_000, 27),
      record(LOGS_BUCKET, 50_000, 10),
      record(LOGS_BUCKET, 15_000, 14),
      record(LOGS_BUCKET, 5_000, 20),
    ]) {
      await dynamodb.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: recordToItem(r) }));
    }
  });

  after(async () => {
    await cloud?.stop();
  });

  it("answers each bucket's records on one window", async () => {
    const response = await fetch(`${invokeUrl}?bucket=${DATA_BUCKET},${LOGS_BUCKET}&seconds=30`);
    expect(response.status).to.equal(200);
    const body = (await response.json()) as {
      buckets: string[];
      window: { end: number };
      series: { bucket: string; points: { totalSize: number }[]; baseline: { totalSize: number } | null }[];
    };
    expect(body.buckets).to.deep.equal([DATA_BUCKET, LOGS_BUCKET]);
    expect(body.window.end).to.equal(now - 5_000);
    expect(body.series.map((s) => s.points.map((p) => p.totalSize))).to.deep.equal([
      [18, 27],
      [14, 20],
    ]);
    expect(body.series.map((s) => s.baseline?.totalSize)).to.deep.equal([5, 10]);
  });

  it("draws both lines, each in its colour", async () => {
    const response = await fetch(`${invokeUrl}?bucket=${DATA_BUCKET},${LOGS_BUCKET}&seconds=30&format=png`);
    expect(response.headers.get("content-type")).to.equal("image/png");
    const png = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
    for (const { line } of SERIES_COLORS.slice(0, 2)) {
      const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(line.slice(i, i + 2), 16));
      let count = 0;
      for (let i = 0; i < png.data.length; i += 4) {
        if (
          Math.abs(png.data[i]! - r!) + Math.abs(png.data[i + 1]! - g!) + Math.abs(png.data[i + 2]! - b!) <
          30
        )
          count++;
      }
      expect(count, line).to.be.greaterThan(500);
    }
  });

  it("answers a bad list with API Gateway's 400 and the function's JSON error", async () => {
    const response = await fetch(`${invokeUrl}?bucket=${DATA_BUCKET},,${LOGS_BUCKET}`);
    expect(response.status).to.equal(400);
    expect(await response.json()).to.deep.include({ error: "InvalidParameter" });
  });
});
