// The warm function's chart cache: the same chart input answers with the same bytes without
// drawing, observed through a counting renderer; different input draws; memory stays bounded.
import { expect } from "chai";
import { chartInputWithPoints } from "../../bench/chart-input.ts";
import { demoChartInput } from "../../handlers/chart/demo-chart.ts";
import type { SizeChartInput } from "../../handlers/chart/layout.ts";
import { ChartCache, chartKey } from "../../handlers/plotting/chart-cache.ts";

/** A renderer that counts its calls and returns `size` bytes naming the call. */
function countingRenderer(size = 100) {
  const calls: SizeChartInput[] = [];
  const render = (input: SizeChartInput) => {
    calls.push(input);
    const png = new Uint8Array(size);
    png[0] = calls.length;
    return png;
  };
  return { render, calls };
}

const later = (input: SizeChartInput, ms: number): SizeChartInput => ({
  ...input,
  window: { start: input.window.start + ms, end: input.window.end + ms },
});

describe("chart cache", () => {
  it("answers the same input with the same bytes and does not draw again", async () => {
    const { render, calls } = countingRenderer();
    const cache = new ChartCache(render);
    const first = await cache.png(demoChartInput);
    const again = await cache.png(structuredClone(demoChartInput));
    expect(first.drawn).to.equal(true);
    expect(again.drawn).to.equal(false);
    expect(Buffer.from(again.png).equals(Buffer.from(first.png))).to.equal(true);
    expect(calls).to.have.length(1);
  });

  it("draws again when anything on the chart changes", async () => {
    const { render, calls } = countingRenderer();
    const cache = new ChartCache(render);
    const demo = demoChartInput.series[0]!;
    const changes: SizeChartInput[] = [
      demoChartInput,
      later(demoChartInput, 1),
      { ...demoChartInput, windowSeconds: 11 },
      { ...demoChartInput, max: { ...demoChartInput.max!, totalSize: 28 } },
      { ...demoChartInput, series: [{ ...demo, bucket: "other-bucket" }] },
      { ...demoChartInput, series: [{ ...demo, baseline: { timestamp: 0, totalSize: 1 } }] },
      {
        ...demoChartInput,
        series: [{ ...demo, points: demo.points.map((p, i) => (i === 3 ? { ...p, totalSize: 3 } : p)) }],
      },
      { ...demoChartInput, series: [demo, { ...demo, bucket: "second" }] },
      { ...demoChartInput, width: 800 },
    ];
    for (const input of changes) expect((await cache.png(input)).drawn).to.equal(true);
    expect(calls).to.have.length(changes.length);
    expect(new Set(changes.map(chartKey)).size).to.equal(changes.length);
  });

  it("keys a 10,000-record chart on every record", () => {
    const input = chartInputWithPoints(10_000);
    const series = input.series[0]!;
    const points = series.points.map((p, i) => (i === 5000 ? { ...p, totalSize: p.totalSize + 1 } : p));
    expect(chartKey({ ...input, series: [{ ...series, points }] })).to.not.equal(chartKey(input));
    expect(chartKey(structuredClone(input))).to.equal(chartKey(input));
  });

  it("keeps at most its entry limit, dropping the least recently used", async () => {
    const { render, calls } = countingRenderer();
    const cache = new ChartCache(render, { entries: 2, bytes: 10_000 });
    const [a, b, c] = [0, 1, 2].map((ms) => later(demoChartInput, ms));
    await cache.png(a!);
    await cache.png(b!);
    await cache.png(a!); // a is now the most recently used
    await cache.png(c!); // evicts b
    expect(cache.size).to.equal(2);
    expect((await cache.png(a!)).drawn).to.equal(false);
    expect((await cache.png(b!)).drawn).to.equal(true);
    expect(calls).to.have.length(4);
  });

  it("keeps at most its byte limit, and never a PNG larger than it", async () => {
    const { render } = countingRenderer(400);
    const cache = new ChartCache(render, { entries: 10, bytes: 1000 });
    for (let ms = 0; ms < 5; ms++) await cache.png(later(demoChartInput, ms));
    expect(cache.size).to.equal(2);

    const huge = new ChartCache(countingRenderer(2000).render, { entries: 10, bytes: 1000 });
    expect((await huge.png(demoChartInput)).drawn).to.equal(true);
    expect(huge.size).to.equal(0);
  });

  it("does not remember a chart whose drawing failed", async () => {
    let fail = true;
    const cache = new ChartCache(() => {
      if (fail) throw new Error("no font");
      return new Uint8Array(10);
    });
    let error: unknown;
    await cache.png(demoChartInput).catch((e: unknown) => {
      error = e;
    });
    expect(String(error)).to.contain("no font");
    fail = false;
    expect((await cache.png(demoChartInput)).drawn).to.equal(true);
  });
});
