// Large windows: the step line is cut to a few vertices per pixel column and markers are left out
// once they merge, while the chart a reader sees stays the one the full line draws.
import { expect } from "chai";
import { chartInputWithPoints } from "../../bench/chart-input.ts";
import { demoChartInput } from "../../handlers/chart/demo-chart.ts";
import { chartLayout, MARKER_RADIUS, type SizeChartInput } from "../../handlers/chart/layout.ts";
import type { RawImage } from "../../handlers/chart/png-encoder.ts";
import { CHART_COLORS, drawSizeChart } from "../../handlers/chart/render-size-chart.ts";
import { stepVertices } from "../../handlers/chart/step-path.ts";

const pixel = (image: RawImage, x: number, y: number) => {
  const i = (image.width * y + x) * 4;
  return Array.from(image.rgba.subarray(i, i + 4));
};

function differingPixels(a: RawImage, b: RawImage, where: (x: number, y: number) => boolean = () => true) {
  let count = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (a.width * y + x) * 4;
      if (!where(x, y)) continue;
      for (let c = 0; c < 4; c++) {
        if (a.rgba[i + c] !== b.rgba[i + c]) {
          count++;
          break;
        }
      }
    }
  }
  return count;
}

/** Whether the pixel is (nearly) the colour: a line's solid core, not an anti-aliased edge. */
function isColor(image: RawImage, x: number, y: number, hex: string): boolean {
  const [r, g, b] = pixel(image, x, y);
  const n = Number.parseInt(hex.slice(1), 16);
  return (
    Math.abs(r! - (n >> 16)) <= 24 && Math.abs(g! - ((n >> 8) & 255)) <= 24 && Math.abs(b! - (n & 255)) <= 24
  );
}
const isStep = (image: RawImage, x: number, y: number) => isColor(image, x, y, CHART_COLORS.step);

describe("step line decimation", () => {
  const identity = (v: number) => v;

  it("keeps one column's first, last, lowest and highest levels and the directions in and out", () => {
    // Twelve records in one pixel column: 5 → 7 → 2 → 9 → 4 → … → 6.
    const levels = [7, 2, 9, 4, 8, 3, 5, 8, 2, 9, 5, 6];
    const series = {
      baseline: { timestamp: 0, totalSize: 5 },
      points: levels.map((totalSize) => ({ timestamp: 10, totalSize })),
    };
    const full = stepVertices(series, { start: 0, end: 20 }, identity, identity, false);
    const cut = stepVertices(series, { start: 0, end: 20 }, identity, identity);
    expect(full).to.have.length(2 + 2 * levels.length);
    // Arrives at 5, leaves upwards to 7 as the full line does, spans 2..9, arrives at 6 from 5.
    expect(cut).to.deep.equal([
      { x: 0, y: 5 },
      { x: 10, y: 5 },
      { x: 10, y: 7 },
      { x: 10, y: 2 },
      { x: 10, y: 9 },
      { x: 10, y: 5 },
      { x: 10, y: 6 },
      { x: 20, y: 6 },
    ]);
  });

  it("leaves a line with one record per pixel column as it is", () => {
    const layout = chartLayout(demoChartInput);
    const full = chartLayout(demoChartInput, { decimate: false });
    expect(layout.series[0]!.stepPath).to.deep.equal(full.series[0]!.stepPath);
  });

  it("draws the same pixels as the full line for bursts of records that wander a pixel at a time", () => {
    // Where a column's first or last level lies within a pixel of its extreme, the corner the line
    // turns there depends on the direction it takes: the case a lowest/highest-only cut gets wrong.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const { start } = demoChartInput.window;
    for (let round = 0; round < 12; round++) {
      let size = 500;
      const points = [];
      for (let column = 0; column < 40; column++) {
        for (let j = 0; j < 2 + Math.floor(random() * 8); j++) {
          size = Math.max(0, size + Math.round((random() - 0.5) * 14));
          points.push({ timestamp: start + 200 + column * 230 + j, totalSize: size });
        }
      }
      const input: SizeChartInput = {
        ...demoChartInput,
        series: [{ bucket: "b", points, baseline: { timestamp: start - 1, totalSize: 500 } }],
        max: { totalSize: 1000, bucket: "b", timestamp: start - 1, scope: "bucket" },
      };
      const cut = drawSizeChart(input);
      const full = drawSizeChart(input, { decimate: false });
      expect(differingPixels(cut, full), `round ${round}`).to.equal(0);
    }
  });

  it("draws 10,000 records with at most six vertices per pixel column", () => {
    const layout = chartLayout(chartInputWithPoints(10_000));
    const path = layout.series[0]!.stepPath;
    expect(path.length).to.be.at.most(6 * (layout.plot.width + 1));
    expect(path.length).to.be.lessThan(20_001 / 4);
  });
});

describe("a 10,000-record chart against the same chart drawn with every vertex", () => {
  const input = chartInputWithPoints(10_000);
  const layout = chartLayout(input);
  const decimated = drawSizeChart(input);
  const full = drawSizeChart(input, { decimate: false });
  const { plot } = layout;
  const points = input.series[0]!.points;

  it("draws the same pixels everywhere", () => {
    expect(differingPixels(decimated, full)).to.equal(0);
  });

  it("shows the largest and the smallest record at their columns, as the full line does", () => {
    const highest = points.reduce((a, b) => (b.totalSize > a.totalSize ? b : a));
    const lowest = points.reduce((a, b) => (b.totalSize < a.totalSize ? b : a));
    // A column's line is its vertical stroke from its lowest to its highest level; it ends flat
    // on the extreme's row above and just short of it (half a pixel) below.
    for (const [record, inside] of [
      [highest, 0],
      [lowest, -1],
    ] as const) {
      const x = layout.x(record.timestamp);
      const y = layout.y(record.totalSize);
      expect(isStep(decimated, x, y + inside), `line at ${record.totalSize} B`).to.equal(true);
      expect(differingPixels(decimated, full, (px) => Math.abs(px - x) <= 3)).to.equal(0);
    }
    // And nothing of it beyond them in those columns.
    expect(isStep(decimated, layout.x(highest.timestamp), layout.y(highest.totalSize) - 3)).to.equal(false);
    expect(isStep(decimated, layout.x(lowest.timestamp), layout.y(lowest.totalSize) + 3)).to.equal(false);
  });

  it("keeps the maximum line's row and the last level as the full line draws them", () => {
    const maxY = layout.maxLine!.y;
    expect(differingPixels(decimated, full, (_x, y) => Math.abs(y - maxY) <= 2)).to.equal(0);
    const last = points[points.length - 1]!;
    const lastY = layout.y(last.totalSize);
    const lastX = layout.x(last.timestamp);
    expect(isStep(decimated, lastX, lastY)).to.equal(true);
    expect(differingPixels(decimated, full, (x, y) => x >= lastX - 3 && Math.abs(y - lastY) <= 3)).to.equal(
      0,
    );
    // The dashed maximum is drawn on that row (its first dash, left of the band).
    expect(isColor(decimated, plot.left + 4, maxY, CHART_COLORS.max)).to.equal(true);
  });
});

describe("record markers", () => {
  it("draws one per record while they stand at least a marker's width apart", () => {
    const layout = chartLayout(chartInputWithPoints(50));
    expect(layout.series[0]!.markers).to.have.length(50);
    expect(layout.legend.items[0]).to.include({ kind: "series", marker: true });
  });

  it("leaves them out, in the legend too, once neighbours would overlap", () => {
    for (const count of [200, 10_000]) {
      const layout = chartLayout(chartInputWithPoints(count));
      expect(layout.series[0]!.markers, `${count} records`).to.deep.equal([]);
      expect(layout.legend.items[0]).to.include({ kind: "series", marker: false });
    }
  });

  it("counts two records one pixel apart in time but far apart in size as distinguishable", () => {
    const start = demoChartInput.window.start;
    const series = [
      { bucket: "b", points: [0, 40].map((totalSize, i) => ({ timestamp: start + 5000 + i, totalSize })) },
    ];
    const layout = chartLayout({ ...demoChartInput, series } satisfies SizeChartInput);
    const [a, b] = layout.series[0]!.markers;
    expect(Math.abs(a!.y - b!.y)).to.be.at.least(2 * MARKER_RADIUS);
    expect(layout.series[0]!.markers).to.have.length(2);
  });
});
