// CloudWatch's metric store: each series (region, namespace, name, dimensions) keeps statistic sets
// (count, sum, minimum, maximum) per time bucket, written through to classic-level in
// `<dataDir>/cloudwatch/metrics/` and kept for 15 days; and the statistics a period of them gives.
import { ClassicLevel } from "classic-level";

export interface Dimension {
  Name: string;
  Value: string;
}

export interface StatisticSet {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export interface Bucket extends StatisticSet {
  /** Epoch ms at which the bucket starts. */
  t: number;
  unit: string;
}

/** One statistic set for one series at one time, as PutMetricData and ctx.metrics bring them. */
export interface Datum {
  region: string;
  namespace: string;
  name: string;
  dimensions: Dimension[];
  /** Epoch ms. */
  timestamp: number;
  set: StatisticSet;
  unit: string;
}

export interface Series {
  region: string;
  namespace: string;
  name: string;
  /** Sorted by name: a series is its exact set of dimensions. */
  dimensions: Dimension[];
  /** In time order. */
  buckets: Bucket[];
}

export const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
export type Statistic = (typeof STATISTICS)[number];

const RETENTION_MS = 15 * 24 * 3600_000;
const SEP = "\u0000";

export function seriesKey(region: string, namespace: string, name: string, dimensions: Dimension[]): string {
  const sorted = [...dimensions].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  return [region, namespace, name, ...sorted.flatMap((d) => [d.Name, d.Value])].join(SEP);
}

export function statistic(set: StatisticSet, name: string): number {
  switch (name) {
    case "SampleCount":
      return set.count;
    case "Sum":
      return set.sum;
    case "Minimum":
      return set.min;
    case "Maximum":
      return set.max;
    default:
      return set.sum / set.count;
  }
}

export function merge(into: StatisticSet, set: StatisticSet): void {
  into.count += set.count;
  into.sum += set.sum;
  into.min = Math.min(into.min, set.min);
  into.max = Math.max(into.max, set.max);
}

export class MetricStore {
  readonly series = new Map<string, Series>();

  private constructor(private readonly db: ClassicLevel<string, string>) {}

  static async open(dir: string): Promise<MetricStore> {
    const db = new ClassicLevel<string, string>(dir, { valueEncoding: "utf8" });
    await db.open();
    const store = new MetricStore(db);
    const cutoff = Date.now() - RETENTION_MS;
    const expired: string[] = [];
    for await (const [key, value] of db.iterator()) {
      const bucket = JSON.parse(value) as Bucket & Omit<Series, "buckets">;
      const id = seriesKey(bucket.region, bucket.namespace, bucket.name, bucket.dimensions);
      if (bucket.t < cutoff) {
        expired.push(key);
        continue;
      }
      let series = store.series.get(id);
      if (!series) {
        series = {
          region: bucket.region,
          namespace: bucket.namespace,
          name: bucket.name,
          dimensions: bucket.dimensions,
          buckets: [],
        };
        store.series.set(id, series);
      }
      series.buckets.push({
        t: bucket.t,
        unit: bucket.unit,
        count: bucket.count,
        sum: bucket.sum,
        min: bucket.min,
        max: bucket.max,
      });
    }
    for (const series of store.series.values()) series.buckets.sort((a, b) => a.t - b.t);
    await db.batch(expired.map((key) => ({ type: "del" as const, key })));
    return store;
  }

  /**
   * Adds statistic sets to their buckets of `resolutionMs` (a second, as on AWS; narrower when tests
   * shorten alarm periods below that), then writes the buckets touched in one batch.
   */
  async add(data: Datum[], resolutionMs: number): Promise<void> {
    const writes = new Map<string, string>();
    for (const datum of data) {
      const id = seriesKey(datum.region, datum.namespace, datum.name, datum.dimensions);
      let series = this.series.get(id);
      if (!series) {
        const dimensions = [...datum.dimensions].sort((a, b) =>
          a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0,
        );
        series = {
          region: datum.region,
          namespace: datum.namespace,
          name: datum.name,
          dimensions,
          buckets: [],
        };
        this.series.set(id, series);
      }
      const t = Math.floor(datum.timestamp / resolutionMs) * resolutionMs;
      const index = lowerBound(series.buckets, t);
      let bucket = series.buckets[index];
      if (bucket && bucket.t === t && bucket.unit === datum.unit) merge(bucket, datum.set);
      else {
        bucket = { t, unit: datum.unit, ...datum.set };
        series.buckets.splice(index, 0, bucket);
      }
      const { buckets: _, ...identity } = series;
      writes.set(
        `${id}${SEP}${String(t).padStart(15, "0")}${SEP}${datum.unit}`,
        JSON.stringify({ ...identity, ...bucket }),
      );
    }
    await this.db.batch([...writes].map(([key, value]) => ({ type: "put" as const, key, value })));
  }

  /** The buckets of a series in [start, end), optionally of one unit. */
  range(series: Series, start: number, end: number, unit?: string): Bucket[] {
    const from = lowerBound(series.buckets, start);
    const to = lowerBound(series.buckets, end);
    return series.buckets.slice(from, to).filter((bucket) => unit === undefined || bucket.unit === unit);
  }

  /** Statistic sets per period: `{ start, set, unit }` for each period in [start, end) that has data. */
  periods(series: Series, start: number, end: number, periodMs: number, unit?: string) {
    const result = new Map<number, { set: StatisticSet; unit: string }>();
    for (const bucket of this.range(series, Math.floor(start / periodMs) * periodMs, end, unit)) {
      const periodStart = Math.floor(bucket.t / periodMs) * periodMs;
      const existing = result.get(periodStart);
      if (existing) merge(existing.set, bucket);
      else
        result.set(periodStart, {
          set: { count: bucket.count, sum: bucket.sum, min: bucket.min, max: bucket.max },
          unit: bucket.unit,
        });
    }
    return [...result.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([periodStart, value]) => ({ start: periodStart, ...value }));
  }

  find(region: string, namespace: string, name: string, dimensions: Dimension[]): Series | undefined {
    return this.series.get(seriesKey(region, namespace, name, dimensions));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function lowerBound(buckets: Bucket[], t: number): number {
  let low = 0;
  let high = buckets.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (buckets[middle]!.t < t) low = middle + 1;
    else high = middle;
  }
  return low;
}
