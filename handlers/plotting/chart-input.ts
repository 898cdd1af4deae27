// Maps what the plotter read onto the chart's input contract.
import type { ChartPoint, SizeChartInput } from "../chart/layout.ts";
import type { PlotParams } from "./params.ts";
import type { PlotData } from "./reads.ts";

export function chartInputFor(params: PlotParams, data: PlotData): SizeChartInput {
  const point = (r: ChartPoint): ChartPoint => ({ timestamp: r.timestamp, totalSize: r.totalSize });
  return {
    series: data.series.map((s) => ({
      bucket: s.bucket,
      points: s.points.map(point),
      ...(s.baseline ? { baseline: point(s.baseline) } : {}),
    })),
    windowSeconds: params.seconds,
    window: data.window,
    ...(data.max
      ? {
          max: {
            totalSize: data.max.totalSize,
            bucket: data.max.bucketName,
            timestamp: data.max.timestamp,
            scope: params.max,
          },
        }
      : {}),
  };
}
