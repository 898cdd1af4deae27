// Draws the bucket-size chart as PNG bytes with @napi-rs/canvas, painting the geometry that
// chartLayout computes, in the font the function ships (see font.ts).
import { createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import { registerChartFont } from "./font.ts";
import {
  type ChartLayout,
  chartLayout,
  FONT_PX,
  LEGEND_SAMPLE_WIDTH,
  MARKER_RADIUS,
  type SizeChartInput,
} from "./layout.ts";

export { CHART_FONT_FAMILY, CHART_FONT_FILES, chartFontPaths } from "./font.ts";
export type { ChartMax, ChartPoint, SizeChartInput } from "./layout.ts";

/** The palette; tests look for these exact colours in the PNG. */
export const CHART_COLORS = {
  background: "#ffffff",
  grid: "#e5e7eb",
  axis: "#6b7280",
  text: "#1f2937",
  mutedText: "#4b5563",
  step: "#2563eb",
  stepText: "#1e40af",
  max: "#dc2626",
  maxText: "#b91c1c",
} as const;
export const MAX_LINE_DASH = [8, 6];
export const STEP_LINE_WIDTH = 2.5;

export function renderSizeChart(input: SizeChartInput): Buffer {
  const family = registerChartFont();
  const layout = chartLayout(input);
  const canvas = createCanvas(layout.width, layout.height);
  const ctx = canvas.getContext("2d");
  const font = (px: number, bold = false) => `${bold ? "bold " : ""}${px}px ${family}`;

  ctx.fillStyle = CHART_COLORS.background;
  ctx.fillRect(0, 0, layout.width, layout.height);
  drawAxes(ctx, layout, font);
  if (layout.maxLine) drawMaxLine(ctx, layout);
  drawStepLine(ctx, layout);
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
  return canvas.toBuffer("image/png");
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
  for (const tick of layout.xTicks) ctx.fillText(tick.label, tick.at, bottom + 9);

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
  ctx.fillStyle = CHART_COLORS.stepText;
  ctx.font = font(FONT_PX.pointLabel, true);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (const { text, box } of layout.pointLabels)
    ctx.fillText(text, box.left + box.width / 2, box.top + box.height / 2);
}

function drawStepLine(ctx: SKRSContext2D, layout: ChartLayout): void {
  const path = layout.stepPath;
  if (path.length > 1) {
    ctx.strokeStyle = CHART_COLORS.step;
    ctx.lineWidth = STEP_LINE_WIDTH;
    ctx.lineJoin = "miter";
    ctx.beginPath();
    ctx.moveTo(path[0]!.x, path[0]!.y);
    for (const vertex of path.slice(1)) ctx.lineTo(vertex.x, vertex.y);
    ctx.stroke();
  }
  for (const marker of layout.markers) drawMarker(ctx, marker.x, marker.y);
}

function drawMarker(ctx: SKRSContext2D, x: number, y: number): void {
  ctx.beginPath();
  ctx.arc(x, y, MARKER_RADIUS, 0, Math.PI * 2);
  ctx.fillStyle = CHART_COLORS.step;
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
  const y = layout.legend.y;
  for (const item of layout.legend.items) {
    ctx.save();
    ctx.beginPath();
    ctx.moveTo(item.x, y);
    ctx.lineTo(item.x + LEGEND_SAMPLE_WIDTH, y);
    if (item.kind === "step") {
      ctx.strokeStyle = CHART_COLORS.step;
      ctx.lineWidth = STEP_LINE_WIDTH;
      ctx.stroke();
      drawMarker(ctx, item.x + LEGEND_SAMPLE_WIDTH / 2, y);
    } else {
      ctx.strokeStyle = CHART_COLORS.max;
      ctx.lineWidth = 2;
      ctx.setLineDash(MAX_LINE_DASH);
      ctx.stroke();
    }
    ctx.restore();
    ctx.fillStyle = CHART_COLORS.text;
    ctx.fillText(item.label, item.x + LEGEND_SAMPLE_WIDTH + 8, y);
  }
}
