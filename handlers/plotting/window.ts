// What the chart shows, as plain functions of the records: the window that ends at the newest
// record, the records inside it, and the level the line starts from.
import type { HistoryRecord } from "../common/history.ts";

export interface TimeWindow {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, inclusive: the newest record's timestamp. */
  end: number;
}

/**
 * The window ends at the newest record, not at the wall clock, so a tracker that writes late does
 * not push the points out of it. With no record at all it ends now, for an empty chart.
 */
export function windowAroundNewest(newest: number | undefined, seconds: number, now: number): TimeWindow {
  const end = newest ?? now;
  return { start: end - seconds * 1000, end };
}

export interface WindowSelection {
  points: HistoryRecord[];
  baseline?: HistoryRecord;
}

/** The records inside the window in time order, and the last one before it (where the line starts). */
export function selectWindow(records: HistoryRecord[], window: TimeWindow): WindowSelection {
  const sorted = [...records].sort((a, b) => a.timestamp - b.timestamp);
  const points = sorted.filter((r) => r.timestamp >= window.start && r.timestamp <= window.end);
  const baseline = sorted.filter((r) => r.timestamp < window.start).at(-1);
  return baseline ? { points, baseline } : { points };
}
