import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { PNG } from "pngjs";
import { demoChartInput } from "../../handlers/chart/demo-chart.ts";
import { chartLayout, type SizeChartInput } from "../../handlers/chart/layout.ts";
import { CHART_COLORS, CHART_FONT_FILES, renderSizeChart } from "../../handlers/chart/render-size-chart.ts";

interface Image {
  width: number;
  height: number;
  data: Buffer;
}

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Whether the pixel is (nearly) the given colour; anti-aliased edges blended with white are not. */
function isColor(image: Image, x: number, y: number, hex: string, tolerance = 24): boolean {
  const i = (image.width * Math.round(y) + Math.round(x)) * 4;
  const [r, g, b] = rgb(hex);
  return (
    Math.abs(image.data[i]! - r) <= tolerance &&
    Math.abs(image.data[i + 1]! - g) <= tolerance &&
    Math.abs(image.data[i + 2]! - b) <= tolerance
  );
}

function isDark(image: Image, x: number, y: number): boolean {
  const i = (image.width * y + x) * 4;
  return image.data[i]! + image.data[i + 1]! + image.data[i + 2]! < 3 * 140;
}

/** The colour occurs within ±2 px vertically of (x, y). */
function colorNearRow(image: Image, x: number, y: number, hex: string): boolean {
  for (let dy = -2; dy <= 2; dy++) if (isColor(image, x, y + dy, hex)) return true;
  return false;
}

function countInRect(
  image: Image,
  left: number,
  top: number,
  right: number,
  bottom: number,
  test: typeof isDark,
) {
  let count = 0;
  for (let y = Math.max(0, top); y < Math.min(image.height, bottom); y++) {
    for (let x = Math.max(0, left); x < Math.min(image.width, right); x++) if (test(image, x, y)) count++;
  }
  return count;
}

/** Runs of the colour along one row between two x positions: a dashed line gives many short runs. */
function runsAlongRow(image: Image, y: number, from: number, to: number, hex: string): number[] {
  const runs: number[] = [];
  let current = 0;
  for (let x = from; x < to; x++) {
    if (isColor(image, x, y, hex)) current++;
    else if (current > 0) {
      runs.push(current);
      current = 0;
    }
  }
  if (current > 0) runs.push(current);
  return runs;
}

const decode = (png: Buffer): Image => PNG.sync.read(png);

describe("renderSizeChart", () => {
  const png = renderSizeChart(demoChartInput);
  const image = decode(png);
  const layout = chartLayout(demoChartInput);
  const { plot } = layout;
  const { markers } = layout.series[0]!;

  it("writes a PNG of the default size", () => {
    expect(png.subarray(1, 4).toString("latin1")).to.equal("PNG");
    expect([image.width, image.height]).to.deep.equal([1000, 560]);
  });

  it("draws the dashed maximum line on the row of the maximum, with gaps along it", () => {
    const maxY = layout.maxLine!.y;
    // Left of the first record the line runs alone (the step line is at 0 B there).
    const to = markers[0]!.x - 10;
    const dashedRows = [-2, -1, 0, 1, 2].map((dy) =>
      runsAlongRow(image, maxY + dy, plot.left + 2, to, CHART_COLORS.max),
    );
    const best = dashedRows.reduce((a, b) => (b.length > a.length ? b : a));
    expect(best.length).to.be.at.least(10);
    expect(Math.max(...best)).to.be.at.most(12);
    // Nowhere well away from that row does the dash colour run along the plot.
    for (const dy of [-12, -8, 8, 12]) {
      expect(runsAlongRow(image, maxY + dy, plot.left + 2, to, CHART_COLORS.max).length).to.be.at.most(1);
    }
  });

  it("moves the maximum line when the maximum changes", () => {
    const input = { ...demoChartInput, max: { ...demoChartInput.max!, totalSize: 40 } };
    const other = decode(renderSizeChart(input));
    const otherY = chartLayout(input).maxLine!.y;
    expect(otherY).to.not.be.closeTo(layout.maxLine!.y, 10);
    const runs = [-1, 0, 1].map((dy) =>
      runsAlongRow(other, otherY + dy, plot.left + 2, plot.left + 300, CHART_COLORS.max),
    );
    expect(Math.max(...runs.map((r) => r.length))).to.be.at.least(10);
  });

  it("passes the step line through each record's level just right of its marker", () => {
    const records = markers.slice(0, -1);
    for (const marker of records) {
      for (const dx of [9, 20]) {
        expect(
          colorNearRow(image, marker.x + dx, marker.y, CHART_COLORS.step),
          `level ${marker.point.totalSize} at +${dx}px`,
        ).to.equal(true);
      }
    }
    const last = markers[markers.length - 1]!;
    expect(isColor(image, last.x, last.y, CHART_COLORS.step)).to.equal(true);
  });

  it("holds each level until the next record (a step, not a diagonal)", () => {
    const levels = [{ x: plot.left, y: layout.y(0) }, ...markers];
    for (let i = 0; i + 1 < levels.length; i++) {
      const from = levels[i]!;
      const to = levels[i + 1]!;
      const midX = Math.round((from.x + to.x) / 2);
      expect(colorNearRow(image, midX, from.y, CHART_COLORS.step), `held level ${i}`).to.equal(true);
      const diagonalY = Math.round((from.y + to.y) / 2);
      if (Math.abs(to.y - from.y) > 12) {
        expect(colorNearRow(image, midX, diagonalY, CHART_COLORS.step), `no diagonal ${i}`).to.equal(false);
        // The change itself is vertical, at the record's time.
        expect(isColor(image, to.x, diagonalY, CHART_COLORS.step), `riser ${i}`).to.equal(true);
      }
    }
  });

  it("draws text in the title band and under the x axis", () => {
    expect(countInRect(image, plot.left, 10, image.width, 36, isDark)).to.be.greaterThan(300);
    const bottom = plot.top + plot.height;
    expect(countInRect(image, plot.left, bottom + 8, image.width, bottom + 24, isDark)).to.be.greaterThan(
      100,
    );
  });

  it("keeps a time label whose tick is near the right edge whole inside the image", () => {
    // A window ending just before a round time puts its tick at the plot's right edge (as on the
    // dashboard): find such an end, whose tick's centred label would run past the image.
    const base = demoChartInput.window.end - (demoChartInput.window.end % 2000);
    const inputs = Array.from({ length: 40 }, (_, i): SizeChartInput => {
      const end = base + 1500 + i * 12;
      const points = [18, 27, 0, 2].map((totalSize, k) => ({ timestamp: end - (3 - k) * 2_000, totalSize }));
      return { ...demoChartInput, series: [{ bucket: "b", points }], window: { start: end - 10_000, end } };
    });
    const edgy = inputs.find((input) => {
      const { xTicks, width } = chartLayout(input);
      return xTicks.at(-1)!.at > width - 30;
    });
    expect(edgy, "a window whose last tick is within 30 px of the right edge").not.to.equal(undefined);
    const edge = chartLayout(edgy!);
    const drawn = decode(renderSizeChart(edgy!));
    const below = edge.plot.top + edge.plot.height;
    expect(countInRect(drawn, drawn.width - 2, below + 8, drawn.width, below + 24, isDark)).to.equal(0);
    expect(
      countInRect(drawn, drawn.width - 90, below + 8, drawn.width, below + 24, isDark),
    ).to.be.greaterThan(50);
  });

  it("gives different bytes and pixels for different data", () => {
    const demo = demoChartInput.series[0]!;
    const changed: SizeChartInput = {
      ...demoChartInput,
      series: [{ ...demo, points: demo.points.map((p, i) => (i === 1 ? { ...p, totalSize: 12 } : p)) }],
    };
    const otherPng = renderSizeChart(changed);
    expect(otherPng.equals(png)).to.equal(false);
    const other = decode(otherPng);
    let differing = 0;
    for (let i = 0; i < image.data.length; i += 4)
      if (image.data.readUInt32BE(i) !== other.data.readUInt32BE(i)) differing++;
    expect(differing).to.be.greaterThan(500);
  });

  it("draws the same bytes for the same chart whatever it drew before, at any size", () => {
    const wide = { ...demoChartInput, width: 1200, height: 500 };
    const busy: SizeChartInput = {
      ...demoChartInput,
      series: [{ bucket: "busy", points: [{ timestamp: demoChartInput.window.end, totalSize: 9 }] }],
      max: undefined,
    };
    for (const before of [busy, wide, demoChartInput]) {
      renderSizeChart(before);
      expect(renderSizeChart(demoChartInput).equals(png), "after another chart").to.equal(true);
    }
    expect(decode(renderSizeChart(wide)).width).to.equal(1200);
  });

  it("renders an empty window with the no-data message in the middle and no line", () => {
    const input = { ...demoChartInput, series: [{ bucket: "empty", points: [] }], max: undefined };
    const empty = decode(renderSizeChart(input));
    const message = chartLayout(input).emptyMessage!;
    const textPixels = countInRect(
      empty,
      message.x - 120,
      message.y - 12,
      message.x + 120,
      message.y + 12,
      (img, x, y) => !isColor(img, x, y, CHART_COLORS.background, 8),
    );
    expect(textPixels).to.be.greaterThan(300);
    const stepPixels = countInRect(
      empty,
      plot.left,
      plot.top,
      plot.left + plot.width,
      plot.top + plot.height,
      (img, x, y) => isColor(img, x, y, CHART_COLORS.step),
    );
    expect(stepPixels).to.equal(0);
  });
});

describe("chart font in a fresh process", () => {
  const projectRoot = path.resolve(import.meta.dirname, "../..");
  const renderer = path.join(projectRoot, "handlers/chart/render-size-chart.ts");
  const script = `import { renderSizeChart } from ${JSON.stringify(renderer)};
const png = renderSizeChart({ series: [{ bucket: "b", points: [] }], windowSeconds: 10, window: { start: 0, end: 10000 } });
process.stdout.write(String(png.length));`;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "s3size-font-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function render(fontDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        { cwd: projectRoot, env: { ...process.env, S3SIZE_CHART_FONT_DIR: fontDir } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it("renders with the font files from S3SIZE_CHART_FONT_DIR", async () => {
    const dejavu = path.dirname(
      createRequire(import.meta.url).resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"),
    );
    for (const file of CHART_FONT_FILES) copyFileSync(path.join(dejavu, file), path.join(dir, file));
    const result = await render(dir);
    expect(result.stderr).to.not.contain("Chart font");
    expect(result.code).to.equal(0);
    expect(Number(result.stdout)).to.be.greaterThan(1000);
  });

  it("fails loudly instead of drawing blank text when the font is missing", async () => {
    const result = await render(dir);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.contain("Chart font not found");
    expect(result.stdout).to.equal("");
  });

  it("fails loudly when the font files are not fonts", async () => {
    for (const file of CHART_FONT_FILES) writeFileSync(path.join(dir, file), "not a font");
    const result = await render(dir);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.contain("could not be loaded");
  });
});
