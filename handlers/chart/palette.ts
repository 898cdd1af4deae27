// The chart's colours; tests look for these exact values in the PNG.

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

/**
 * One colour per bucket when several share a chart: the single-bucket blue first, then Okabe and
 * Ito's colour-blind-safe set without the hues a reader could take for the red maximum line
 * (vermillion), for the axes (black) or for the white background (yellow). Each line's value labels
 * use a darker shade of its colour, readable on white.
 */
export const SERIES_COLORS = [
  { line: CHART_COLORS.step, text: CHART_COLORS.stepText },
  { line: "#e69f00", text: "#8a5f00" },
  { line: "#009e73", text: "#006048" },
  { line: "#cc79a7", text: "#8f4674" },
  { line: "#56b4e9", text: "#1d6a96" },
] as const;

/** The most buckets one chart overlays: as many as it has distinguishable colours. */
export const MAX_SERIES = SERIES_COLORS.length;
