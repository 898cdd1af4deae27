// Draws the bucket-size chart with @napi-rs/canvas, painting the geometry that chartLayout computes
// in the font the function ships (see font.ts), and encodes it with png-encoder.ts.
import type { Canvas, SKRSContext2D } from "@napi-rs/canvas";
import { createCanvas, Path2D } from "./canvas.ts";
import { registerChartFont } from "./font.ts";
import {
  type ChartLayout,
  chartLayout,
  FONT_PX,
  type LayoutOptions,
  LEGEND_SAMPLE_WIDTH,
  MARKER_RADIUS,
  type SeriesLayout,
  type SizeChartInput,
} from "./layout.ts";
import { CHART_COLORS } from "./palette.ts";
import { encodePng, type RawImage } from "./png-encoder.ts";

export { CHART_FONT_FAMILY, CHART_FONT_FILES, chartFontPaths } from "./font.ts";
export type { ChartMax, ChartPoint, ChartSeries, SizeChartInput } from "./layout.ts";
export { CHART_COLORS, MAX_SERIES, SERIES_COLORS } from "./palette.ts";

export const MAX_LINE_DASH = [8, 6];
export const STEP_LINE_WIDTH = 2.5;

/** The chart as PNG bytes. */
export function renderSizeChart(input: SizeChartInput): Buffer {
  return encodePng(drawChart(chartLayout(input)));
}

/** The chart's pixels; `options` reach the layout (tests draw the undecimated line with them). */
export function drawSizeChart(input: SizeChartInput, options: LayoutOptions = {}): RawImage {
  return drawChart(chartLayout(input, options));
}

let surface: { canvas: Canvas; ctx: SKRSContext2D } | undefined;

/**
 * The canvas of the previous chart, back in its default state, when the size matches: a fresh
 * 1000×560 surface costs its allocation and page faults again, about a fifth of drawing a small
 * chart. The default state is saved once and restored (restore() + save()), cheaper than reset(),
 * which also clears pixels that the opaque background fill covers anyway; every drawing step
 * balances its own save/restore and begins its own path. Drawing is synchronous, so two charts
 * never share the canvas at once, and canvas.data() copies, so no earlier chart's pixels change.
 */
function canvasFor(width: number, height: number) {
  if (surface && surface.canvas.width === width && surface.canvas.height === height) {
    surface.ctx.restore();
    surface.ctx.save();
    return surface;
  }
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.save();
  surface = { canvas, ctx };
  return surface;
}

function drawChart(layout: ChartLayout): RawImage {
  const family = registerChartFont();
  const { canvas, ctx } = canvasFor(layout.width, layout.height);
  try {
    return paint(canvas, ctx, layout, family);
  } catch (error) {
    // A step that failed half-way may have left its save() unbalanced: the next chart starts afresh.
    surface = undefined;
    throw error;
  }
}

function paint(canvas: Canvas, ctx: SKRSContext2D, layout: ChartLayout, family: string): RawImage {
  const font = (px: number, bold = false) => `${bold ? "bold " : ""}${px}px ${family}`;
  ctx.fillStyle = CHART_COLORS.background;
  ctx.fillRect(0, 0, layout.width, layout.height);
  drawAxes(ctx, layout, font);
  if (layout.maxLine) drawMaxLine(ctx, layout);
  for (const series of layout.series) drawStepLine(ctx, series);
  if (layout.maxLine) drawMaxLabel(ctx, layout, font);
  drawPointLabels(ctx, layout, font);
  drawHeader(ctx, layout, font);
  if (layout.emptyMessage) {
    const { text, x, y } = layout.emptyMessage;
    ctx.font = font(FONT_PX.empty, true);
    ctx.fillStyle = CHART_COLORS.mutedText;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(text, x, y);
  }
  return { width: layout.width, height: layout.height, rgba: canvas.data() };
}

type FontFor = (px: number, bold?: boolean) => string;

function drawAxes(ctx: SKRSContext2D, layout: ChartLayout, font: FontFor): void {
  const { plot } = layout;
  const bottom = plot.top + plot.height;
  const right = plot.left + plot.width;

  ctx.strokeStyle = CHART_COLORS.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  // Half-pixel offsets keep 1 px grid lines crisp instead of smeared over two rows.
  for (const tick of layout.yTicks) {
    ctx.moveTo(plot.left, tick.at + 0.5);
    ctx.lineTo(right, tick.at + 0.5);
  }
  for (const tick of layout.xTicks) {
    ctx.moveTo(tick.at + 0.5, plot.top);
    ctx.lineTo(tick.at + 0.5, bottom);
  }
  ctx.stroke();

  ctx.strokeStyle = CHART_COLORS.axis;
  ctx.beginPath();
  ctx.moveTo(plot.left + 0.5, plot.top);
  ctx.lineTo(plot.left + 0.5, bottom + 0.5);
  ctx.lineTo(right, bottom + 0.5);
  for (const tick of layout.yTicks) {
    ctx.moveTo(plot.left - 5, tick.at + 0.5);
    ctx.lineTo(plot.left, tick.at + 0.5);
  }
  for (const tick of layout.xTicks) {
    ctx.moveTo(tick.at + 0.5, bottom);
    ctx.lineTo(tick.at + 0.5, bottom + 5);
  }
  ctx.stroke();

  ctx.fillStyle = CHART_COLORS.text;
  ctx.font = font(FONT_PX.tick);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const tick of layout.yTicks) ctx.fillText(tick.label, plot.left - 8, tick.at);
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  // A tick near the plot's right edge would have its centred label cut by the image's edge: keep it in.
  for (const tick of layout.xTicks) {
    const half = ctx.measureText(tick.label).width / 2;
    ctx.fillText(tick.label, Math.min(tick.at, layout.width - 2 - half), bottom + 9);
  }

  ctx.font = font(FONT_PX.axisTitle, true);
  ctx.textBaseline = "middle";
  ctx.fillText(layout.xAxisTitle.text, layout.xAxisTitle.x, layout.xAxisTitle.y);
  ctx.save();
  ctx.translate(layout.yAxisTitle.x, layout.yAxisTitle.y);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(layout.yAxisTitle.text, 0, 0);
  ctx.restore();
}

function drawMaxLine(ctx: SKRSContext2D, layout: ChartLayout): void {
  const { plot } = layout;
  ctx.save();
  ctx.strokeStyle = CHART_COLORS.max;
  ctx.lineWidth = 2;
  ctx.setLineDash(MAX_LINE_DASH);
  ctx.beginPath();
  ctx.moveTo(plot.left + 1, layout.maxLine!.y);
  ctx.lineTo(plot.left + plot.width, layout.maxLine!.y);
  ctx.stroke();
  ctx.restore();
}

function drawMaxLabel(ctx: SKRSContext2D, layout: ChartLayout, font: FontFor): void {
  const { labelBox, label } = layout.maxLine!;
  ctx.fillStyle = "rgba(255, 255, 255, 0.9)";
  ctx.fillRect(labelBox.left, labelBox.top, labelBox.width, labelBox.height);
  ctx.fillStyle = CHART_COLORS.maxText;
  ctx.font = font(FONT_PX.maxLabel, true);
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.fillText(label, labelBox.left + 6, labelBox.top + labelBox.height / 2);
}

function drawPointLabels(ctx: SKRSContext2D, layout: ChartLayout, font: FontFor): void {
  ctx.font = font(FONT_PX.pointLabel, true);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (const { text, box, color } of layout.pointLabels) {
    ctx.fillStyle = color;
    ctx.fillText(text, box.left + box.width / 2, box.top + box.height / 2);
  }
}

function drawStepLine(ctx: SKRSContext2D, series: SeriesLayout): void {
  const path = series.stepPath;
  if (path.length > 1) {
    ctx.strokeStyle = series.color;
    ctx.lineWidth = STEP_LINE_WIDTH;
    ctx.lineJoin = "miter";
    // One SVG path string crosses into the native library once; a lineTo per vertex crossed it
    // thousands of times (1.3 ms of a 1,000-record chart, 0.7 ms this way; same pixels).
    let svg = `M${path[0]!.x} ${path[0]!.y}`;
    for (let i = 1; i < path.length; i++) svg += `L${path[i]!.x} ${path[i]!.y}`;
    ctx.stroke(new Path2D(svg));
  }
  for (const marker of series.markers) drawMarker(ctx, marker.x, marker.y, series.color);
}

function drawMarker(ctx: SKRSContext2D, x: number, y: number, color: string): void {
  ctx.beginPath();
  ctx.arc(x, y, MARKER_RADIUS, 0, Math.PI * 2);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = CHART_COLORS.background;
  ctx.stroke();
}

function drawHeader(ctx: SKRSContext2D, layout: ChartLayout, font: FontFor): void {
  ctx.textAlign = "left";
  ctx.textBaseline = "alphabetic";
  ctx.fillStyle = CHART_COLORS.text;
  ctx.font = font(FONT_PX.title, true);
  ctx.fillText(layout.title.text, layout.title.x, layout.title.y);
  ctx.fillStyle = CHART_COLORS.mutedText;
  ctx.font = font(FONT_PX.subtitle);
  ctx.fillText(layout.subtitle.text, layout.subtitle.x, layout.subtitle.y);

  ctx.font = font(FONT_PX.legend);
  ctx.textBaseline = "middle";
  for (const item of layout.legend.items) {
    const { x, y } = item;
    ctx.save();
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + LEGEND_SAMPLE_WIDTH, y);
    if (item.kind === "series") {
      ctx.strokeStyle = item.color!;
      ctx.lineWidth = STEP_LINE_WIDTH;
      ctx.stroke();
      if (item.marker) drawMarker(ctx, x + LEGEND_SAMPLE_WIDTH / 2, y, item.color!);
    } else {
      ctx.strokeStyle = CHART_COLORS.max;
      ctx.lineWidth = 2;
      ctx.setLineDash(MAX_LINE_DASH);
      ctx.stroke();
    }
    ctx.restore();
    ctx.fillStyle = CHART_COLORS.text;
    ctx.fillText(item.label, x + LEGEND_SAMPLE_WIDTH + 8, y);
  }
}
