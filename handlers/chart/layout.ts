// Pure chart geometry: ticks, scales and where every element of the size chart goes, in pixels.
// Drawing (render-size-chart.ts) only paints what this computes, so tests can predict pixel positions.

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
const MARKER_RADIUS = 4.5;
const MAX_POINT_LABELS = 12;

/** Ticks at a 1-2-5 step covering [min, max] with about `count` intervals: 0..27 by 6 → 0, 5, …, 30. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) max = min + 1;
  const step = niceStep((max - min) / Math.max(1, count));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  // Multiply rather than accumulate so 0.1-steps do not drift into 0.30000000000000004.
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (factor * magnitude >= raw * (1 - 1e-9)) return factor * magnitude;
  return 10 * magnitude;
}

const TIME_STEPS_MS = [
  100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000,
  1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** Round UTC instants in [start, end] (at most about `count` intervals), e.g. every 2 s for 10 s. */
export function timeTicks(start: number, end: number, count: number): number[] {
  const span = Math.max(end - start, 1);
  const step =
    TIME_STEPS_MS.find((s) => span / s <= count) ?? Math.ceil(span / count / 86_400_000) * 86_400_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

/** HH:MM:SS.s in UTC (tenths truncated, as a clock shows them). */
export function formatTimeOfDay(timestamp: number): string {
  return new Date(timestamp).toISOString().slice(11, 21);
}

export function formatBytes(totalSize: number): string {
  return `${totalSize.toLocaleString("en-US")} B`;
}

export function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const ratio = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * ratio;
}

/**
 * Width of `text` in DejaVu Sans at `px`, from per-class advance widths (measured: digits 0.636 em,
 * lower case ~0.56, upper case ~0.67), rounded up. Keeps the layout a pure function of its input.
 */
export function estimateTextWidth(text: string, px: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (/[0-9]/.test(ch)) em += 0.64;
    else if (/[A-Z]/.test(ch)) em += 0.72;
    else if (/[a-z]/.test(ch)) em += /[ijlft]/.test(ch) ? 0.34 : 0.62;
    else if (ch === " " || /[.,:;()'|]/.test(ch)) em += 0.36;
    else em += 0.84;
  }
  return Math.ceil(em * px * (bold ? 1.12 : 1));
}

/** `text` cut with an ellipsis so its estimated width stays within `maxWidth`. */
export function fitText(text: string, px: number, maxWidth: number, bold = false): string {
  if (estimateTextWidth(text, px, bold) <= maxWidth) return text;
  let cut = text;
  while (cut.length > 1 && estimateTextWidth(`${cut}…`, px, bold) > maxWidth) cut = cut.slice(0, -1);
  return `${cut}…`;
}

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

  const maxLine = input.max && maxLineLayout(input.max, plot, y(input.max.totalSize), stepPath);

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
    pointLabels: pointLabels(markers, plot, stepPath, maxLine),
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

function maxLineLayout(
  max: ChartMax,
  plot: Rect,
  lineY: number,
  stepPath: { x: number; y: number }[],
): MaxLineLayout {
  const px = FONT_PX.maxLabel;
  const prefix = `max ${formatBytes(max.totalSize)} (${max.scope === "global" ? "global, in bucket" : "this bucket:"} `;
  const room = plot.width * 0.7 - estimateTextWidth(`${prefix})`, px, true);
  const label = `${prefix}${fitText(max.bucket, px, Math.max(room, 60), true)})`;

  const boxWidth = estimateTextWidth(label, px, true) + 12;
  const boxHeight = px + 8;
  const inset = 8;
  const gap = 3;
  const leftmost = plot.left + inset;
  const rightmost = plot.left + plot.width - inset - boxWidth;
  // Preferred: a corner of the plot; failing that, anywhere along the line that the step line leaves free.
  const lefts = [leftmost, rightmost];
  for (let left = leftmost + 20; left < rightmost; left += 20) lefts.push(left);
  const candidates: Rect[] = [];
  for (const top of [lineY - gap - boxHeight, lineY + gap + 1]) {
    for (const left of lefts) candidates.push({ left, top, width: boxWidth, height: boxHeight });
  }
  const inside = (r: Rect) => r.top >= plot.top + 2 && r.top + r.height <= plot.top + plot.height - 2;
  const free = candidates.find((r) => inside(r) && !hitsPath(r, stepPath, MARKER_RADIUS + 2));
  return {
    y: lineY,
    value: max.totalSize,
    label,
    labelBox: free ?? candidates.find(inside) ?? candidates[0]!,
  };
}

/**
 * Each record's value just above (or else below) its marker, on the side where the line has room;
 * left out where every spot would cover the line, the maximum, the plot's edge or another label.
 */
function pointLabels(
  markers: { x: number; y: number; point: ChartPoint }[],
  plot: Rect,
  stepPath: { x: number; y: number }[],
  maxLine: MaxLineLayout | undefined,
): { text: string; box: Rect }[] {
  // Past a dozen records the values turn into a wall of numbers; the axis has to do then.
  if (markers.length > MAX_POINT_LABELS) return [];
  const px = FONT_PX.pointLabel;
  const taken: Rect[] = markers.map((m) => ({
    left: m.x - MARKER_RADIUS - 1,
    top: m.y - MARKER_RADIUS - 1,
    width: 2 * MARKER_RADIUS + 2,
    height: 2 * MARKER_RADIUS + 2,
  }));
  if (maxLine) {
    taken.push(maxLine.labelBox, { left: plot.left, top: maxLine.y - 2, width: plot.width, height: 4 });
  }
  const labels: { text: string; box: Rect }[] = [];
  for (const marker of markers) {
    const text = formatBytes(marker.point.totalSize);
    const width = estimateTextWidth(text, px, true) + 4;
    const height = px + 4;
    const gap = MARKER_RADIUS + 2;
    const candidates: Rect[] = [];
    for (const top of [marker.y - gap - height, marker.y + gap]) {
      for (const left of [marker.x + gap, marker.x - gap - width])
        candidates.push({ left, top, width, height });
    }
    const box = candidates.find(
      (r) =>
        r.left >= plot.left + 2 &&
        r.left + r.width <= plot.left + plot.width &&
        r.top >= plot.top &&
        r.top + r.height <= plot.top + plot.height - 2 &&
        !hitsPath(r, stepPath, 2) &&
        !taken.some((t) => overlapping(r, t)),
    );
    if (box) {
      labels.push({ text, box });
      taken.push(box);
    }
  }
  return labels;
}

function overlapping(a: Rect, b: Rect): boolean {
  return (
    a.left < b.left + b.width &&
    b.left < a.left + a.width &&
    a.top < b.top + b.height &&
    b.top < a.top + a.height
  );
}

/** Whether the box comes within `pad` pixels of any segment of the step line. */
function hitsPath(box: Rect, path: { x: number; y: number }[], pad: number): boolean {
  const overlaps = (x0: number, y0: number, x1: number, y1: number) =>
    Math.max(x0, x1) + pad >= box.left &&
    Math.min(x0, x1) - pad <= box.left + box.width &&
    Math.max(y0, y1) + pad >= box.top &&
    Math.min(y0, y1) - pad <= box.top + box.height;
  if (path.length === 1) return overlaps(path[0]!.x, path[0]!.y, path[0]!.x, path[0]!.y);
  for (let i = 1; i < path.length; i++) {
    if (overlaps(path[i - 1]!.x, path[i - 1]!.y, path[i]!.x, path[i]!.y)) return true;
  }
  return false;
}
