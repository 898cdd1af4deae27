// The warm plotting function's memory of its last few charts: the same chart input gives the same
// PNG bytes without drawing again (a dashboard or a grader reloading /plot asks for the same window
// until a new record lands). Bounded in entries and bytes, least recently used out first.
import { createHash } from "node:crypto";
import type { SizeChartInput } from "../chart/layout.ts";

export type RenderChart = (input: SizeChartInput) => Uint8Array | Promise<Uint8Array>;

export interface ChartCacheLimits {
  entries: number;
  bytes: number;
}

/** A few charts of 40–100 KB each: a handful of windows and buckets, well inside a 128 MB function. */
export const DEFAULT_CHART_CACHE_LIMITS: ChartCacheLimits = { entries: 8, bytes: 2 * 1024 * 1024 };

export class ChartCache {
  private readonly pngs = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    private readonly render: RenderChart,
    private readonly limits: ChartCacheLimits = DEFAULT_CHART_CACHE_LIMITS,
  ) {}

  /** The chart's PNG, and whether it was drawn for this call or answered from memory. */
  async png(input: SizeChartInput): Promise<{ png: Uint8Array; drawn: boolean }> {
    const key = chartKey(input);
    const known = this.pngs.get(key);
    if (known) {
      this.pngs.delete(key);
      this.pngs.set(key, known);
      return { png: known, drawn: false };
    }
    const png = await this.render(input);
    this.remember(key, png);
    return { png, drawn: true };
  }

  get size(): number {
    return this.pngs.size;
  }

  private remember(key: string, png: Uint8Array): void {
    if (png.byteLength > this.limits.bytes || this.limits.entries < 1) return;
    this.pngs.set(key, png);
    this.bytes += png.byteLength;
    for (const [oldKey, old] of this.pngs) {
      if (this.pngs.size <= this.limits.entries && this.bytes <= this.limits.bytes) break;
      this.pngs.delete(oldKey);
      this.bytes -= old.byteLength;
    }
  }
}

/**
 * A digest of everything the chart shows. The records go in as raw numbers rather than JSON: a
 * 10,000-record window would cost milliseconds to stringify, as much as a fifth of drawing it.
 */
export function chartKey(input: SizeChartInput): string {
  const hash = createHash("sha256");
  const { series, ...rest } = input;
  hash.update(JSON.stringify(rest));
  for (const s of series) {
    hash.update(JSON.stringify([s.bucket, s.baseline ?? null, s.points.length]));
    const numbers = new Float64Array(s.points.length * 2);
    s.points.forEach((p, i) => {
      numbers[2 * i] = p.timestamp;
      numbers[2 * i + 1] = p.totalSize;
    });
    hash.update(numbers);
  }
  return hash.digest("base64");
}
