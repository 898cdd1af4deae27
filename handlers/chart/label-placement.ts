// Where the chart's text labels go: the maximum's label and the records' values, each kept clear of the
// step line and of each other. Text widths are estimated so placement stays a pure function.
import type {
  ChartMax,
  ChartSeries,
  MaxLineLayout,
  PointLabel,
  Rect,
  SeriesLayout,
  Vertex,
} from "./layout.ts";
import { formatBytes } from "./ticks.ts";

export const MARKER_RADIUS = 4.5;
const MAX_POINT_LABELS = 12;

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

/** The maximum line's label, `max 27 B (<scope> <bucket>)`, where no step line runs under it. */
export function placeMaxLabel(
  max: ChartMax,
  scopeText: string,
  plot: Rect,
  lineY: number,
  paths: Vertex[][],
  px: number,
): MaxLineLayout {
  const prefix = `max ${formatBytes(max.totalSize)} (${scopeText} `;
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
  const free = candidates.find((r) => inside(r) && !paths.some((p) => hitsPath(r, p, MARKER_RADIUS + 2)));
  return {
    y: lineY,
    value: max.totalSize,
    label,
    labelBox: free ?? candidates.find(inside) ?? candidates[0]!,
  };
}

/**
 * Each record's value just above (or else below) its marker, on the side where the line has room;
 * left out where every spot would cover a line, the maximum, the plot's edge or another label.
 */
export function placePointLabels(
  input: ChartSeries[],
  series: SeriesLayout[],
  x: (t: number) => number,
  y: (s: number) => number,
  plot: Rect,
  maxLine: MaxLineLayout | undefined,
  px: number,
): PointLabel[] {
  // Past a dozen records the values turn into a wall of numbers; the axis has to do then.
  if (input.reduce((sum, s) => sum + s.points.length, 0) > MAX_POINT_LABELS) return [];
  const records = input.flatMap((s, i) =>
    s.points.map((point) => ({
      x: x(point.timestamp),
      y: y(point.totalSize),
      point,
      color: series[i]!.textColor,
    })),
  );
  const paths = series.map((s) => s.stepPath);
  const taken: Rect[] = records.map((m) => ({
    left: m.x - MARKER_RADIUS - 1,
    top: m.y - MARKER_RADIUS - 1,
    width: 2 * MARKER_RADIUS + 2,
    height: 2 * MARKER_RADIUS + 2,
  }));
  if (maxLine) {
    taken.push(maxLine.labelBox, { left: plot.left, top: maxLine.y - 2, width: plot.width, height: 4 });
  }
  const labels: PointLabel[] = [];
  for (const record of records) {
    const text = formatBytes(record.point.totalSize);
    const width = estimateTextWidth(text, px, true) + 4;
    const height = px + 4;
    const gap = MARKER_RADIUS + 2;
    const candidates: Rect[] = [];
    for (const top of [record.y - gap - height, record.y + gap]) {
      for (const left of [record.x + gap, record.x - gap - width])
        candidates.push({ left, top, width, height });
    }
    const box = candidates.find(
      (r) =>
        r.left >= plot.left + 2 &&
        r.left + r.width <= plot.left + plot.width &&
        r.top >= plot.top &&
        r.top + r.height <= plot.top + plot.height - 2 &&
        !paths.some((p) => hitsPath(r, p, 2)) &&
        !taken.some((t) => overlapping(r, t)),
    );
    if (box) {
      labels.push({ text, box, color: record.color });
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
function hitsPath(box: Rect, path: Vertex[], pad: number): boolean {
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
