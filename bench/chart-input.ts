// A chart input of N points, the same for the warm and the cold measurement: a 10-second window
// ending at its newest record, sizes that rise and fall, a baseline before the window and a maximum.
import type { SizeChartInput } from "../handlers/chart/render-size-chart.ts";

export function chartInputWithPoints(count: number, end = Date.UTC(2025, 0, 1, 12, 0, 10)): SizeChartInput {
  const seconds = 10;
  const start = end - seconds * 1000;
  const points = Array.from({ length: count }, (_, i) => ({
    timestamp: count === 1 ? end : Math.round(start + ((end - start) * i) / (count - 1)),
    totalSize: 1000 + Math.round(800 * Math.sin(i / 7)) + i,
  }));
  const largest = Math.max(...points.map((p) => p.totalSize)) + 500;
  return {
    series: [{ bucket: "bench-bucket", points, baseline: { timestamp: start - 1000, totalSize: 900 } }],
    windowSeconds: seconds,
    window: { start, end },
    max: { totalSize: largest, bucket: "bench-bucket", timestamp: start - 5000, scope: "global" },
  };
}
