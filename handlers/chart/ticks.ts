// Axis ticks and the numbers and times written on them: round steps for sizes, round UTC instants for time.

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
  return `${groupThousands(totalSize)} B`;
}

/**
 * 1234567 → "1,234,567", as toLocaleString("en-US") writes it for the whole numbers a chart
 * shows; its first call in a process loads ICU's locale data, about 17 ms of a cold start.
 */
export function groupThousands(value: number): string {
  const [whole, fraction] = String(Math.abs(value)).split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+$)/g, ",");
  return `${value < 0 ? "-" : ""}${grouped}${fraction ? `.${fraction}` : ""}`;
}

export function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const ratio = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * ratio;
}
