// Several buckets on one chart: a line, a colour and a legend entry each, one maximum line, and a
// legend that wraps rather than runs off the chart.
import { expect } from "chai";
import { demoChartInput } from "../../handlers/chart/demo-chart.ts";
import { chartLayout, LEGEND_SAMPLE_WIDTH, type SizeChartInput } from "../../handlers/chart/layout.ts";
import type { RawImage } from "../../handlers/chart/png-encoder.ts";
import { CHART_COLORS, drawSizeChart, SERIES_COLORS } from "../../handlers/chart/render-size-chart.ts";

const { start, end } = demoChartInput.window;
const at = (fraction: number) => Math.round(start + (end - start) * fraction);

/** Two buckets: "data" 18 → 27 → 0 → 2 as in the demo, "logs" from 10 B up to 14 B and 20 B. */
const twoBuckets: SizeChartInput = {
  ...demoChartInput,
  series: [
    demoChartInput.series[0]!,
    {
      bucket: "logs",
      baseline: { timestamp: start - 5000, totalSize: 10 },
      points: [
        { timestamp: at(0.35), totalSize: 14 },
        { timestamp: at(0.75), totalSize: 20 },
      ],
    },
  ],
};

function isColor(image: RawImage, x: number, y: number, hex: string, tolerance = 24): boolean {
  const i = (image.width * Math.round(y) + Math.round(x)) * 4;
  const n = Number.parseInt(hex.slice(1), 16);
  return (
    Math.abs(image.rgba[i]! - (n >> 16)) <= tolerance &&
    Math.abs(image.rgba[i + 1]! - ((n >> 8) & 255)) <= tolerance &&
    Math.abs(image.rgba[i + 2]! - (n & 255)) <= tolerance
  );
}

const colorNear = (image: RawImage, x: number, y: number, hex: string) =>
  [-2, -1, 0, 1, 2].some((dy) => isColor(image, x, y + dy, hex));

describe("chart layout with several buckets", () => {
  const layout = chartLayout(twoBuckets);

  it("gives each bucket its own colour from the colour-blind-safe palette", () => {
    expect(layout.series.map((s) => s.bucket)).to.deep.equal(["testbucket-000000000000-us-east-1", "logs"]);
    expect(layout.series.map((s) => s.color)).to.deep.equal([SERIES_COLORS[0].line, SERIES_COLORS[1].line]);
    expect(new Set(SERIES_COLORS.map((c) => c.line)).size).to.equal(SERIES_COLORS.length);
    expect(SERIES_COLORS.map((c) => c.line)).to.not.include(CHART_COLORS.max);
  });

  it("names every bucket in the title and the legend, and says which maximum the line is", () => {
    expect(layout.title.text).to.equal("S3 bucket sizes: testbucket-000000000000-us-east-1, logs");
    expect(layout.legend.items.map((i) => [i.kind, i.label])).to.deep.equal([
      ["series", "testbucket-000000000000-us-east-1"],
      ["series", "logs"],
      ["max", "Maximum of all buckets"],
    ]);
    expect(layout.subtitle.text).to.contain("2 buckets, 6 records in the window");
    const bucketMax = chartLayout({
      ...twoBuckets,
      max: { totalSize: 27, bucket: "logs", timestamp: 0, scope: "bucket" },
    });
    expect(bucketMax.maxLine!.label).to.equal("max 27 B (largest of these buckets, in logs)");
    expect(bucketMax.legend.items.at(-1)!.label).to.equal("Maximum of these buckets");
  });

  it("scales the y axis to the largest size of any bucket", () => {
    const tall = chartLayout({
      ...twoBuckets,
      series: [twoBuckets.series[0]!, { bucket: "big", points: [{ timestamp: at(0.5), totalSize: 900 }] }],
      max: undefined,
    });
    expect(tall.yTicks.at(-1)!.value).to.be.at.least(900);
  });

  it("wraps a long legend onto a second row and moves the plot down for it", () => {
    const long = (n: number) => `bucket-${n}-${"x".repeat(50)}`;
    const five = chartLayout({
      ...twoBuckets,
      series: [1, 2, 3, 4, 5].map((n) => ({ ...twoBuckets.series[1]!, bucket: long(n) })),
    });
    const rows = new Set(five.legend.items.map((i) => i.y));
    expect(rows.size).to.be.greaterThan(1);
    expect(five.plot.top).to.equal(layout.plot.top + (rows.size - 1) * 20);
    for (const item of five.legend.items) {
      expect(item.x + LEGEND_SAMPLE_WIDTH + 8).to.be.lessThan(five.width);
      expect(item.y).to.be.lessThan(five.plot.top - 8);
    }
    expect(five.legend.items[0]!.label.endsWith("…")).to.equal(true);
  });

  it("labels the records of every bucket in that bucket's text colour while they are few", () => {
    const colors = new Set(layout.pointLabels.map((l) => l.color));
    expect(colors).to.deep.equal(new Set([SERIES_COLORS[0].text, SERIES_COLORS[1].text]));
    expect(layout.pointLabels.map((l) => l.text)).to.include.members(["14 B", "20 B", "27 B"]);
  });
});

describe("rendering two buckets", () => {
  const layout = chartLayout(twoBuckets);
  const image = drawSizeChart(twoBuckets);
  const [data, logs] = layout.series;

  it("draws each bucket's step line in its colour at its own levels", () => {
    const blue = SERIES_COLORS[0].line;
    const orange = SERIES_COLORS[1].line;
    const between = (a: number, b: number) => Math.round((layout.x(a) + layout.x(b)) / 2);
    // logs holds 10 B from the window's start, 14 B from 35 %, 20 B from 75 %.
    expect(colorNear(image, layout.x(start) + 6, layout.y(10), orange)).to.equal(true);
    expect(colorNear(image, between(at(0.4), at(0.5)), layout.y(14), orange)).to.equal(true);
    expect(colorNear(image, between(at(0.8), at(0.85)), layout.y(20), orange)).to.equal(true);
    expect(colorNear(image, between(at(0.4), at(0.5)), layout.y(14), blue)).to.equal(false);
    // data's levels are still drawn in blue: 27 B between its second and third records.
    const [, second, third] = data!.markers;
    expect(colorNear(image, Math.round((second!.x + third!.x) / 2), second!.y, blue)).to.equal(true);
    expect(logs!.markers.map((m) => m.point.totalSize)).to.deep.equal([14, 20]);
    expect(isColor(image, logs!.markers[1]!.x, logs!.markers[1]!.y, orange)).to.equal(true);
  });

  it("draws each legend entry's sample in its bucket's colour", () => {
    const [first, second, max] = layout.legend.items;
    expect(isColor(image, first!.x + 3, first!.y, SERIES_COLORS[0].line)).to.equal(true);
    expect(isColor(image, second!.x + 3, second!.y, SERIES_COLORS[1].line)).to.equal(true);
    expect(isColor(image, max!.x + 3, max!.y, CHART_COLORS.max)).to.equal(true);
  });

  it("draws one dashed maximum line across the plot", () => {
    const y = layout.maxLine!.y;
    let runs = 0;
    let inRun = false;
    for (let x = layout.plot.left + 2; x < layout.plot.left + layout.plot.width; x++) {
      const on = [-1, 0, 1].some((dy) => isColor(image, x, y + dy, CHART_COLORS.max));
      if (on && !inRun) runs++;
      inRun = on;
    }
    expect(runs).to.be.at.least(20);
  });
});
