// The chart of a clean demo run (SPEC §1: 18 → 27 → 0 → 2 bytes, 2 s apart, after a 0-byte baseline),
// and a command that renders it: `npx tsx handlers/chart/demo-chart.ts docs/demo-chart.png`.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SizeChartInput } from "./layout.ts";
import { renderSizeChart } from "./render-size-chart.ts";

const DEMO_BUCKET = "testbucket-000000000000-us-east-1";
const NEWEST = Date.UTC(2025, 0, 15, 12, 34, 56, 789);

export const demoChartInput: SizeChartInput = {
  series: [
    {
      bucket: DEMO_BUCKET,
      baseline: { timestamp: NEWEST - 14_310, totalSize: 0 },
      points: [18, 27, 0, 2].map((totalSize, i) => ({ timestamp: NEWEST - (3 - i) * 2_000, totalSize })),
    },
  ],
  windowSeconds: 10,
  window: { start: NEWEST - 10_000, end: NEWEST },
  max: { totalSize: 27, bucket: DEMO_BUCKET, timestamp: NEWEST - 4_000, scope: "global" },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? "docs/demo-chart.png";
  writeFileSync(out, renderSizeChart(demoChartInput));
  console.log(`wrote ${out}`);
}
