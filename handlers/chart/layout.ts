// Pure chart geometry: ticks, scales and where every element of the size chart goes, in pixels.
// Drawing (render-size-chart.ts) only paints what this computes, so tests can predict pixel positions.
import { estimateTextWidth, fitText, placeMaxLabel, placePointLabels } from "./label-placement.ts";
import { formatBytes, formatTimeOfDay, linearScale, niceTicks, timeTicks } from "./ticks.ts";

export { estimateTextWidth, fitText, MARKER_RADIUS } from "./label-placement.ts";
export { formatBytes, formatTimeOfDay, linearScale, niceTicks, timeTicks } from "./ticks.ts";

export interface ChartPoint {
  timestamp: number;
  totalSize: number;
}

export interface ChartMax {
  totalSize: number;
  bucket: string;
  timestamp: number;
  scope: "global" | "bucket";
}

export interface SizeChartInput {
  bucket: string;
  windowSeconds: number;
  /** Epoch ms; `end` is the newest record's timestamp. */
  window: { start: number; end: number };
  /** Records in [start, end], ascending by timestamp. */
  points: ChartPoint[];
  /** The last record before the window: the level the line starts from. */
  baseline?: ChartPoint;
  max?: ChartMax;
  width?: number;
  height?: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Tick {
  value: number;
  /** Pixel position along the tick's axis (x for time ticks, y for size ticks). */
  at: number;
  label: string;
}

export interface MaxLineLayout {
  y: number;
  value: number;
  label: string;
  /** Box behind the label (the text sits inside it, left-aligned, vertically centred). */
  labelBox: Rect;
}

export interface LegendItem {
  kind: "step" | "max";
  label: string;
  /** Left edge of the sample glyph; the text starts `LEGEND_SAMPLE_WIDTH + 8` px to its right. */
  x: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  plot: Rect;
  title: { text: string; x: number; y: number };
  subtitle: { text: string; x: number; y: number };
  legend: { y: number; items: LegendItem[] };
  xTicks: Tick[];
  yTicks: Tick[];
  xAxisTitle: { text: string; x: number; y: number };
  yAxisTitle: { text: string; x: number; y: number };
  /** The step line's vertices, left to right (empty when there is nothing to draw). */
  stepPath: { x: number; y: number }[];
  /** One marker per record in the window. */
  markers: { x: number; y: number; point: ChartPoint }[];
  /** Value labels next to markers, for the records where one fits without covering anything. */
  pointLabels: { text: string; box: Rect }[];
  maxLine?: MaxLineLayout;
  /** Set when the window holds no records: the message to centre in the plot. */
  emptyMessage?: { text: string; x: number; y: number };
  x: (timestamp: number) => number;
  y: (totalSize: number) => number;
}

export const DEFAULT_CHART_WIDTH = 1000;
export const DEFAULT_CHART_HEIGHT = 560;
export const FONT_PX = {
  title: 18,
  subtitle: 13,
  legend: 13,
  tick: 12,
  axisTitle: 13,
  maxLabel: 12,
  pointLabel: 11,
  empty: 20,
};
/** Zero sits this far above the x axis, so a line at 0 B stays visible instead of merging with the axis. */
export const ZERO_INSET = 8;
export const LEGEND_SAMPLE_WIDTH = 30;

export function chartLayout(input: SizeChartInput): ChartLayout {
  const width = input.width ?? DEFAULT_CHART_WIDTH;
  const height = input.height ?? DEFAULT_CHART_HEIGHT;
  const { start, end } = input.window;

  const sizes = [0, ...input.points.map((p) => p.totalSize)];
  if (input.baseline) sizes.push(input.baseline.totalSize);
  if (input.max) sizes.push(input.max.totalSize);
  // 10% headroom keeps the maximum line (and its label) off the plot's top edge; at least 0..4 B so
  // an all-zero history still gets whole-byte ticks.
  const yValues = niceTicks(0, Math.max(Math.max(...sizes) * 1.1, 4), 6);
  const yTop = yValues[yValues.length - 1]!;
  const yLabels = yValues.map((v) => v.toLocaleString("en-US"));

  const tickLabelWidth = Math.max(...yLabels.map((l) => estimateTextWidth(l, FONT_PX.tick)));
  const plotLeft = 16 + FONT_PX.axisTitle + 12 + tickLabelWidth + 8;
  const plotTop = 96;
  const plotRight = width - 28;
  const plotBottom = height - 64;
  const plot: Rect = {
    left: plotLeft,
    top: plotTop,
    width: plotRight - plotLeft,
    height: plotBottom - plotTop,
  };

  // A little room after the newest record so its marker is not cut by the plot's right edge.
  const span = Math.max(end - start, 1_000);
  const xDomainEnd = start + span * 1.03;
  const xScale = linearScale([start, xDomainEnd], [plotLeft, plotRight]);
  const yScale = linearScale([0, yTop], [plotBottom - ZERO_INSET, plotTop]);
  const x = (timestamp: number) => Math.round(xScale(timestamp));
  const y = (totalSize: number) => Math.round(yScale(totalSize));

  const yTicks = yValues.map((value, i) => ({ value, at: y(value), label: yLabels[i]! }));
  const tickCount = Math.max(2, Math.floor(plot.width / 120));
  const xTicks = timeTicks(start, xDomainEnd, tickCount).map((value) => ({
    value,
    at: x(value),
    label: formatTimeOfDay(value),
  }));

  const stepPath = stepVertices(input, x, y);
  const markers = input.points.map((point) => ({ x: x(point.timestamp), y: y(point.totalSize), point }));

  const maxLine =
    input.max && placeMaxLabel(input.max, plot, y(input.max.totalSize), stepPath, FONT_PX.maxLabel);

  const endIso = new Date(end).toISOString();
  const recordWord = input.points.length === 1 ? "record" : "records";
  const subtitleParts = [
    `Last ${input.windowSeconds} s ending ${endIso.slice(0, 10)} ${formatTimeOfDay(end)} UTC`,
    `${input.points.length} ${recordWord} in the window`,
  ];
  if (input.baseline) subtitleParts.push(`level before the window: ${formatBytes(input.baseline.totalSize)}`);

  const legendItems: LegendItem[] = [];
  let legendX = plotLeft;
  const addLegend = (kind: LegendItem["kind"], label: string) => {
    legendItems.push({ kind, label, x: legendX });
    legendX += LEGEND_SAMPLE_WIDTH + 8 + estimateTextWidth(label, FONT_PX.legend) + 28;
  };
  if (stepPath.length > 0 || markers.length > 0)
    addLegend("step", "Total size (holds until the next change)");
  if (input.max)
    addLegend("max", input.max.scope === "global" ? "Maximum of all buckets" : "Maximum of this bucket");

  return {
    width,
    height,
    plot,
    title: {
      text: fitText(`S3 bucket size: ${input.bucket}`, FONT_PX.title, width - 2 * plotLeft, true),
      x: plotLeft,
      y: 30,
    },
    subtitle: { text: subtitleParts.join("  ·  "), x: plotLeft, y: 54 },
    legend: { y: 78, items: legendItems },
    xTicks,
    yTicks,
    xAxisTitle: { text: "Time (UTC)", x: plotLeft + plot.width / 2, y: plotBottom + 46 },
    yAxisTitle: { text: "Total size (bytes)", x: 16 + FONT_PX.axisTitle / 2, y: plotTop + plot.height / 2 },
    stepPath,
    markers,
    maxLine,
    pointLabels: placePointLabels(markers, plot, stepPath, maxLine, FONT_PX.pointLabel),
    emptyMessage:
      input.points.length === 0
        ? {
            text: `No data in the last ${input.windowSeconds} s`,
            x: plotLeft + plot.width / 2,
            y: plotTop + plot.height / 2,
          }
        : undefined,
    x,
    y,
  };
}

/** The size holds until the next record: horizontal to each record's time, then vertical to its level. */
function stepVertices(
  input: SizeChartInput,
  x: (t: number) => number,
  y: (s: number) => number,
): { x: number; y: number }[] {
  const { start, end } = input.window;
  const vertices: { x: number; y: number }[] = [];
  let level: number | undefined;
  if (input.baseline) {
    level = input.baseline.totalSize;
    vertices.push({ x: x(start), y: y(level) });
  }
  for (const point of input.points) {
    if (level !== undefined) vertices.push({ x: x(point.timestamp), y: y(level) });
    level = point.totalSize;
    vertices.push({ x: x(point.timestamp), y: y(level) });
  }
  const last = vertices[vertices.length - 1];
  if (level !== undefined && last && last.x < x(end)) vertices.push({ x: x(end), y: y(level) });
  return vertices;
}
