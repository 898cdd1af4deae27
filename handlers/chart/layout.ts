// Pure chart geometry: ticks, scales and where every element of the size chart goes, in pixels.
// Drawing (render-size-chart.ts) only paints what this computes, so tests can predict pixel positions.
import { estimateTextWidth, fitText, placeMaxLabel, placePointLabels } from "./label-placement.ts";
import { SERIES_COLORS } from "./palette.ts";
import { stepVertices, type Vertex, visibleMarkers } from "./step-path.ts";
import { formatBytes, formatTimeOfDay, groupThousands, linearScale, niceTicks, timeTicks } from "./ticks.ts";

export { estimateTextWidth, fitText, MARKER_RADIUS } from "./label-placement.ts";
export type { Vertex } from "./step-path.ts";
export { formatBytes, formatTimeOfDay, groupThousands, linearScale, niceTicks, timeTicks } from "./ticks.ts";

export interface ChartPoint {
  timestamp: number;
  totalSize: number;
}

/** One bucket's line. */
export interface ChartSeries {
  bucket: string;
  /** Records in [start, end], ascending by timestamp. */
  points: ChartPoint[];
  /** The last record before the window: the level the line starts from. */
  baseline?: ChartPoint;
}

export interface ChartMax {
  totalSize: number;
  bucket: string;
  timestamp: number;
  scope: "global" | "bucket";
}

export interface SizeChartInput {
  /** One line per bucket (at most `MAX_SERIES`), in the order the request named them. */
  series: ChartSeries[];
  windowSeconds: number;
  /** Epoch ms; `end` is the newest record's timestamp. */
  window: { start: number; end: number };
  max?: ChartMax;
  width?: number;
  height?: number;
}

export interface LayoutOptions {
  /** Collapse each pixel column of the step line (the default); off only to compare with the full path. */
  decimate?: boolean;
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

export interface Marker {
  x: number;
  y: number;
  point: ChartPoint;
}

export interface SeriesLayout {
  bucket: string;
  color: string;
  textColor: string;
  /** The step line's vertices, left to right (empty when there is nothing to draw). */
  stepPath: Vertex[];
  /** One per record while the markers stand apart (see `visibleMarkers`); empty otherwise. */
  markers: Marker[];
}

export interface LegendItem {
  kind: "series" | "max";
  label: string;
  /** Left edge of the sample glyph; the text starts `LEGEND_SAMPLE_WIDTH + 8` px to its right. */
  x: number;
  /** Centre line of the item's row. */
  y: number;
  /** For a series: its index, its colour, and whether its sample carries a marker as its line does. */
  series?: number;
  color?: string;
  marker?: boolean;
}

export interface PointLabel {
  text: string;
  box: Rect;
  color: string;
}

export interface ChartLayout {
  width: number;
  height: number;
  plot: Rect;
  title: { text: string; x: number; y: number };
  subtitle: { text: string; x: number; y: number };
  legend: { items: LegendItem[] };
  xTicks: Tick[];
  yTicks: Tick[];
  xAxisTitle: { text: string; x: number; y: number };
  yAxisTitle: { text: string; x: number; y: number };
  /** One per bucket, drawn in order (a later line over an earlier one). */
  series: SeriesLayout[];
  /** Value labels next to records, where one fits without covering anything. */
  pointLabels: PointLabel[];
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
const LEGEND_Y = 78;
const LEGEND_ROW_HEIGHT = 20;
const PLOT_TOP = 96;

export function chartLayout(input: SizeChartInput, options: LayoutOptions = {}): ChartLayout {
  const width = input.width ?? DEFAULT_CHART_WIDTH;
  const height = input.height ?? DEFAULT_CHART_HEIGHT;
  const { start, end } = input.window;
  const several = input.series.length > 1;
  const records = input.series.reduce((sum, s) => sum + s.points.length, 0);

  // 10% headroom keeps the maximum line (and its label) off the plot's top edge; at least 0..4 B so
  // an all-zero history still gets whole-byte ticks.
  const yValues = niceTicks(0, Math.max(largestSize(input) * 1.1, 4), 6);
  const yTop = yValues[yValues.length - 1]!;
  const yLabels = yValues.map(groupThousands);

  const tickLabelWidth = Math.max(...yLabels.map((l) => estimateTextWidth(l, FONT_PX.tick)));
  const plotLeft = 16 + FONT_PX.axisTitle + 12 + tickLabelWidth + 8;
  const plotRight = width - 28;
  const colors = input.series.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]!);

  const legend = legendItems(input, colors, plotLeft, plotRight);
  const plotTop = PLOT_TOP + (legend.rows - 1) * LEGEND_ROW_HEIGHT;
  const plotBottom = height - 64;
  const plot: Rect = {
    left: plotLeft,
    top: plotTop,
    width: plotRight - plotLeft,
    height: plotBottom - plotTop,
  };

  // A little room after the newest record so its marker is not cut by the plot's right edge.
  const xDomainEnd = start + Math.max(end - start, 1_000) * 1.03;
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

  const series: SeriesLayout[] = input.series.map((s, i) => ({
    bucket: s.bucket,
    color: colors[i]!.line,
    textColor: colors[i]!.text,
    stepPath: stepVertices(s, input.window, x, y, options.decimate ?? true),
    markers: visibleMarkers(s.points, x, y),
  }));
  // A series' legend sample shows a marker exactly when its line does.
  for (const item of legend.items)
    if (item.series !== undefined) item.marker = series[item.series]!.markers.length > 0;
  const paths = series.map((s) => s.stepPath);

  const maxLine =
    input.max &&
    placeMaxLabel(
      input.max,
      maxScopeText(input.max, several),
      plot,
      y(input.max.totalSize),
      paths,
      FONT_PX.maxLabel,
    );

  const endIso = new Date(end).toISOString();
  const recordWord = records === 1 ? "record" : "records";
  const subtitleParts = [
    `Last ${input.windowSeconds} s ending ${endIso.slice(0, 10)} ${formatTimeOfDay(end)} UTC`,
  ];
  if (several) {
    subtitleParts.push(`${input.series.length} buckets, ${records} ${recordWord} in the window`);
  } else {
    subtitleParts.push(`${records} ${recordWord} in the window`);
    const baseline = input.series[0]?.baseline;
    if (baseline) subtitleParts.push(`level before the window: ${formatBytes(baseline.totalSize)}`);
  }
  const title = several
    ? `S3 bucket sizes: ${input.series.map((s) => s.bucket).join(", ")}`
    : `S3 bucket size: ${input.series[0]?.bucket ?? ""}`;

  return {
    width,
    height,
    plot,
    title: { text: fitText(title, FONT_PX.title, width - 2 * plotLeft, true), x: plotLeft, y: 30 },
    subtitle: {
      text: fitText(subtitleParts.join("  ·  "), FONT_PX.subtitle, plotRight - plotLeft),
      x: plotLeft,
      y: 54,
    },
    legend: { items: legend.items },
    xTicks,
    yTicks,
    xAxisTitle: { text: "Time (UTC)", x: plotLeft + plot.width / 2, y: plotBottom + 46 },
    yAxisTitle: { text: "Total size (bytes)", x: 16 + FONT_PX.axisTitle / 2, y: plotTop + plot.height / 2 },
    series,
    maxLine,
    pointLabels: placePointLabels(input.series, series, x, y, plot, maxLine, FONT_PX.pointLabel),
    emptyMessage:
      records === 0
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

function largestSize(input: SizeChartInput): number {
  let largest = input.max?.totalSize ?? 0;
  for (const s of input.series) {
    if (s.baseline && s.baseline.totalSize > largest) largest = s.baseline.totalSize;
    for (const p of s.points) if (p.totalSize > largest) largest = p.totalSize;
  }
  return largest;
}

/** What the maximum line's label says it is the maximum of. */
function maxScopeText(max: ChartMax, several: boolean): string {
  if (max.scope === "global") return "global, in bucket";
  return several ? "largest of these buckets, in" : "this bucket:";
}

/** Legend entries left to right, wrapping to a new row when the next would pass the plot's right edge. */
function legendItems(
  input: SizeChartInput,
  colors: { line: string }[],
  left: number,
  right: number,
): { items: LegendItem[]; rows: number } {
  const several = input.series.length > 1;
  const entries: Omit<LegendItem, "x" | "y">[] = [];
  input.series.forEach((s, i) => {
    if (!several && s.points.length === 0 && !s.baseline) return;
    const label = several
      ? fitText(s.bucket, FONT_PX.legend, (right - left) / 2 - LEGEND_SAMPLE_WIDTH - 36)
      : "Total size (holds until the next change)";
    entries.push({ kind: "series", label, color: colors[i]!.line, series: i });
  });
  if (input.max) {
    const of = input.max.scope === "global" ? "all buckets" : several ? "these buckets" : "this bucket";
    entries.push({ kind: "max", label: `Maximum of ${of}` });
  }
  const items: LegendItem[] = [];
  let x = left;
  let rows = 1;
  for (const entry of entries) {
    const itemWidth = LEGEND_SAMPLE_WIDTH + 8 + estimateTextWidth(entry.label, FONT_PX.legend);
    if (x > left && x + itemWidth > right) {
      rows++;
      x = left;
    }
    items.push({ ...entry, x, y: LEGEND_Y + (rows - 1) * LEGEND_ROW_HEIGHT });
    x += itemWidth + 28;
  }
  return { items, rows };
}
