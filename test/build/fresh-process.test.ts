import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { PNG } from "pngjs";
import { PROJECT_ROOT } from "../../build/functions.ts";
import { type PackagedFunction, packageFunctions } from "../../build/package.ts";
import { CHART_COLORS } from "../../handlers/chart/render-size-chart.ts";
import type { HistoryRecord } from "../../handlers/common/history.ts";
import { startFakeAws } from "./fake-aws.ts";
import { runInFreshNode } from "./fresh-node.ts";
import { extractZip } from "./zip-contents.ts";

// Loads the bundle and reports what the process can see: whether the project's SDK would resolve
// from here, and what `handler` is.
const LOAD_PROBE = `
import { createRequire } from "node:module";
let sdkVisible = true;
try { createRequire(process.cwd() + "/").resolve("@aws-sdk/client-s3"); } catch { sdkVisible = false; }
const bundle = await import("./index.mjs");
console.log(JSON.stringify({ handlerType: typeof bundle.handler, sdkVisible, nodePath: process.env.NODE_PATH ?? null }));
`;

const PLOT_PROBE = `
const { handler } = await import("./index.mjs");
console.log(JSON.stringify(await handler({ bucket: "demo-bucket", seconds: 10, format: "png" })));
`;

const NEWEST = Date.UTC(2025, 0, 15, 12, 0, 10);
const DEMO_RECORDS: HistoryRecord[] = [0, 18, 27, 0, 2].map((totalSize, i) => ({
  bucketName: "demo-bucket",
  timestamp: NEWEST - (4 - i) * 2_000,
  totalSize,
  objectCount: totalSize > 0 ? 1 : 0,
  recordedAt: new Date(NEWEST - (4 - i) * 2_000).toISOString(),
}));

function hex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

describe("host-target zips in a fresh Node process outside the project", () => {
  let zips: PackagedFunction[];
  let outDir: string;
  const unpacked = new Map<string, string>();

  before(async () => {
    outDir = await mkdtemp(join(tmpdir(), "s3size-local-zips-"));
    zips = await packageFunctions({ target: "local", outDir });
    for (const zip of zips) {
      const dir = await mkdtemp(join(tmpdir(), `s3size-unzipped-${zip.name}-`));
      await extractZip(zip.zipPath, dir);
      unpacked.set(zip.name, dir);
    }
  });

  after(async () => {
    for (const dir of [outDir, ...unpacked.values()])
      if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("unpacks each zip outside the repository", () => {
    expect([...unpacked.keys()].sort()).to.deep.equal(["driver", "plotting", "size-tracking", "web"]);
    for (const dir of unpacked.values()) expect(dir.startsWith(PROJECT_ROOT)).to.equal(false);
  });

  it("loads each bundle there and finds handler a function, with the project's packages out of sight", async () => {
    for (const [name, dir] of unpacked) {
      const loaded = (await runInFreshNode(dir, LOAD_PROBE)) as Record<string, unknown>;
      expect(loaded, name).to.deep.equal({ handlerType: "function", sdkVisible: false, nodePath: null });
    }
  });

  it("runs the real plotting handler there: it renders the chart PNG with its shipped font and stores it", async () => {
    const aws = await startFakeAws(DEMO_RECORDS);
    try {
      const response = (await runInFreshNode(unpacked.get("plotting")!, PLOT_PROBE, {
        AWS_ENDPOINT_URL: aws.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        HISTORY_TABLE: "S3-object-size-history",
        PLOT_BUCKET: "demo-plots",
        DATA_BUCKET: "demo-bucket",
      })) as { statusCode: number; body: string; isBase64Encoded: boolean };
      expect(response.statusCode, response.body).to.equal(200);
      expect(response.isBase64Encoded).to.equal(true);
      const bytes = Buffer.from(response.body, "base64");
      expect(aws.puts.get("demo-plots/plot")?.equals(bytes)).to.equal(true);

      const png = PNG.sync.read(bytes);
      expect(png.width).to.be.above(200);
      const colours = new Map<string, number>();
      for (let i = 0; i < png.data.length; i += 4) {
        const key = hex(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!);
        colours.set(key, (colours.get(key) ?? 0) + 1);
      }
      expect(colours.get(CHART_COLORS.step) ?? 0, "step line pixels").to.be.above(50);
      expect(colours.get(CHART_COLORS.max) ?? 0, "maximum line pixels").to.be.above(20);
      expect(colours.get(CHART_COLORS.text) ?? 0, "text pixels").to.be.above(20);
    } finally {
      await aws.close();
    }
  });
});
