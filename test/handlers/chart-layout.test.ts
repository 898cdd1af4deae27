import { expect } from "chai";
import { demoChartInput } from "../../handlers/chart/demo-chart.ts";
import {
  type ChartSeries,
  chartLayout,
  formatBytes,
  formatTimeOfDay,
  niceTicks,
  type Rect,
  timeTicks,
  ZERO_INSET,
} from "../../handlers/chart/layout.ts";

const overlap = (a: Rect, b: Rect) =>
  a.left < b.left + b.width &&
  b.left < a.left + a.width &&
  a.top < b.top + b.height &&
  b.top < a.top + a.height;

describe("chart ticks", () => {
  it("covers 0..27 with 1-2-5 steps: 0, 5, …, 30", () => {
    expect(niceTicks(0, 27, 6)).to.deep.equal([0, 5, 10, 15, 20, 25, 30]);
  });

  it("picks round steps for large and fractional ranges without float drift", () => {
    expect(niceTicks(0, 1_234_567, 5)).to.deep.equal([0, 500_000, 1_000_000, 1_500_000]);
    expect(niceTicks(0, 0.3, 3)).to.deep.equal([0, 0.1, 0.2, 0.3]);
  });

  it("still gives an interval when min equals max", () => {
    const ticks = niceTicks(5, 5, 4);
    expect(ticks.length).to.be.greaterThan(1);
    expect(ticks[0]).to.be.at.most(5);
    expect(ticks[ticks.length - 1]).to.be.at.least(6);
  });

  it("places time ticks on round UTC seconds inside the window", () => {
    const start = Date.UTC(2025, 0, 15, 12, 34, 46, 789);
    const ticks = timeTicks(start, start + 10_000, 6);
    expect(ticks.map(formatTimeOfDay)).to.deep.equal([
      "12:34:48.0",
      "12:34:50.0",
      "12:34:52.0",
      "12:34:54.0",
      "12:34:56.0",
    ]);
  });

  it("switches to minute steps for long windows", () => {
    const start = Date.UTC(2025, 0, 15, 12, 0, 30);
    const ticks = timeTicks(start, start + 3_600_000, 6);
    expect(ticks[1]! - ticks[0]!).to.equal(600_000);
    expect(ticks.every((t) => t % 600_000 === 0)).to.equal(true);
  });

  it("labels time as HH:MM:SS.s in UTC and sizes with grouped bytes", () => {
    expect(formatTimeOfDay(Date.UTC(2025, 0, 15, 1, 2, 3, 789))).to.equal("01:02:03.7");
    expect(formatBytes(1_234_567)).to.equal("1,234,567 B");
  });
});

const demo = demoChartInput.series[0]!;
/** The demo chart with its one bucket's line changed. */
const withSeries = (change: Partial<ChartSeries>) => ({
  ...demoChartInput,
  series: [{ ...demo, ...change }],
});

describe("chart layout", () => {
  const layout = chartLayout(demoChartInput);
  const { plot } = layout;
  const line = layout.series[0]!;

  it("maps 0 B near the bottom and the top tick to the plot's top edge", () => {
    expect(layout.yTicks.map((t) => t.value)).to.deep.equal([0, 5, 10, 15, 20, 25, 30]);
    expect(layout.y(0)).to.equal(plot.top + plot.height - ZERO_INSET);
    expect(layout.y(30)).to.equal(plot.top);
  });

  it("maps the demo history 18 → 27 → 0 → 2 to proportional heights, 2 s apart", () => {
    const ys = line.markers.map((m) => m.y);
    const zeroY = layout.y(0);
    const perByte = (zeroY - plot.top) / 30;
    [18, 27, 0, 2].forEach((size, i) => {
      expect(ys[i]).to.be.closeTo(zeroY - size * perByte, 0.5);
    });
    const xs = line.markers.map((m) => m.x);
    const gaps = xs.slice(1).map((x, i) => x - xs[i]!);
    expect(Math.max(...gaps) - Math.min(...gaps)).to.be.at.most(1);
    expect(gaps[0]).to.be.closeTo((plot.width / 10_300) * 2_000, 1);
  });

  it("draws a step path: from the baseline at the window start, horizontal then vertical at each record", () => {
    const x = line.markers.map((m) => m.x);
    const y = (size: number) => layout.y(size);
    expect(line.stepPath).to.deep.equal([
      { x: layout.x(demoChartInput.window.start), y: y(0) },
      { x: x[0], y: y(0) },
      { x: x[0], y: y(18) },
      { x: x[1], y: y(18) },
      { x: x[1], y: y(27) },
      { x: x[2], y: y(27) },
      { x: x[2], y: y(0) },
      { x: x[3], y: y(0) },
      { x: x[3], y: y(2) },
    ]);
    expect(layout.x(demoChartInput.window.start)).to.equal(plot.left);
  });

  it("puts the maximum line at the maximum's level with its label clear of the line and inside the plot", () => {
    const max = layout.maxLine!;
    expect(max.y).to.equal(layout.y(27));
    expect(max.label).to.equal("max 27 B (global, in bucket testbucket-000000000000-us-east-1)");
    expect(max.labelBox.top + max.labelBox.height).to.be.lessThan(max.y);
    expect(max.labelBox.top).to.be.at.least(plot.top);
    for (const marker of line.markers) {
      const markerBox = { left: marker.x - 6, top: marker.y - 6, width: 12, height: 12 };
      expect(overlap(max.labelBox, markerBox)).to.equal(false);
    }
  });

  it("labels every demo record with its size, without labels overlapping each other or the max label", () => {
    expect(layout.pointLabels.map((l) => l.text)).to.deep.equal(["18 B", "27 B", "0 B", "2 B"]);
    const boxes = [...layout.pointLabels.map((l) => l.box), layout.maxLine!.labelBox];
    boxes.forEach((a, i) => {
      boxes.slice(i + 1).forEach((b) => {
        expect(overlap(a, b)).to.equal(false);
      });
    });
  });

  it("leaves value labels out when the window holds more records than fit", () => {
    const { start } = demoChartInput.window;
    const points = Array.from({ length: 30 }, (_, i) => ({ timestamp: start + i * 300, totalSize: i % 7 }));
    const busy = chartLayout(withSeries({ points }));
    expect(busy.series[0]!.markers).to.have.length(30);
    expect(busy.pointLabels).to.deep.equal([]);
  });

  it("extends the y range to a maximum above every point", () => {
    const other = chartLayout({
      ...demoChartInput,
      max: { totalSize: 1_000, bucket: "other", timestamp: 0, scope: "global" },
    });
    expect(other.yTicks[other.yTicks.length - 1]!.value).to.be.at.least(1_000);
    expect(other.maxLine!.y).to.be.lessThan(other.y(27));
    expect(other.maxLine!.label).to.contain("global, in bucket other)");
  });

  it("says which maximum a bucket-scoped line is and shortens long bucket names", () => {
    const long = `b-${"x".repeat(200)}`;
    const bucketMax = chartLayout({
      ...withSeries({ bucket: long }),
      max: { totalSize: 27, bucket: long, timestamp: 0, scope: "bucket" },
    });
    expect(bucketMax.maxLine!.label).to.match(/^max 27 B \(this bucket: b-x+…\)$/);
    expect(bucketMax.maxLine!.labelBox.width).to.be.at.most(bucketMax.plot.width);
    expect(bucketMax.title.text.endsWith("…")).to.equal(true);
    expect(bucketMax.legend.items.map((i) => i.label)).to.include("Maximum of this bucket");
  });

  it("marks an empty window and draws nothing in it", () => {
    const empty = chartLayout({ ...withSeries({ points: [], baseline: undefined }), max: undefined });
    expect(empty.emptyMessage?.text).to.equal("No data in the last 10 s");
    expect(empty.series[0]!.stepPath).to.deep.equal([]);
    expect(empty.series[0]!.markers).to.deep.equal([]);
    expect(empty.yTicks.map((t) => t.value)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(empty.legend.items).to.deep.equal([]);
  });

  it("holds the baseline level across a window with no records", () => {
    const flat = chartLayout(withSeries({ points: [], baseline: { timestamp: 0, totalSize: 7 } }));
    expect(flat.emptyMessage).to.not.equal(undefined);
    expect(flat.series[0]!.stepPath).to.deep.equal([
      { x: flat.x(demoChartInput.window.start), y: flat.y(7) },
      { x: flat.x(demoChartInput.window.end), y: flat.y(7) },
    ]);
  });
});
