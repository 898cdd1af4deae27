// Maps what the plotter read onto the chart's input contract.
import type { SizeChartInput } from "../chart/render-size-chart.ts";
import type { PlotParams } from "./params.ts";
import type { PlotData } from "./reads.ts";

export function chartInputFor(params: PlotParams, data: PlotData): SizeChartInput {
  const point = (r: { timestamp: number; totalSize: number }) => ({
    timestamp: r.timestamp,
    totalSize: r.totalSize,
  });
  return {
    bucket: params.bucket,
    windowSeconds: params.seconds,
    window: data.window,
    points: data.points.map(point),
    ...(data.baseline ? { baseline: point(data.baseline) } : {}),
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
