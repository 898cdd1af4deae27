// The step line of one bucket in pixels, decimated to what the chart's pixel grid can show, and
// the rule for when its record markers are drawn.
import { MARKER_RADIUS } from "./label-placement.ts";
import type { ChartPoint, Marker } from "./layout.ts";

export interface Vertex {
  x: number;
  y: number;
}

/**
 * The size holds until the next record: horizontal to each record's time, then vertical to its level.
 * `x` and `y` round to whole pixels, so records that land in the same pixel column give a run of
 * vertices with one x; `decimate` (the default) collapses each such run to the few vertices that
 * stroke the same pixels (see `ColumnRun`), which keeps a 10,000-record path to about six
 * vertices per column instead of two per record.
 */
export function stepVertices(
  series: { points: ChartPoint[]; baseline?: ChartPoint },
  window: { start: number; end: number },
  x: (t: number) => number,
  y: (s: number) => number,
  decimate = true,
): Vertex[] {
  const path = decimate ? new DecimatedPath() : new FullPath();
  let level: number | undefined;
  if (series.baseline) {
    level = series.baseline.totalSize;
    path.add(x(window.start), y(level));
  }
  for (const point of series.points) {
    const at = x(point.timestamp);
    if (level !== undefined) path.add(at, y(level));
    level = point.totalSize;
    path.add(at, y(level));
  }
  const vertices = path.finish();
  const last = vertices[vertices.length - 1];
  if (level !== undefined && last && last.x < x(window.end)) vertices.push({ x: x(window.end), y: y(level) });
  return vertices;
}

class FullPath {
  private readonly vertices: Vertex[] = [];
  add(x: number, y: number): void {
    this.vertices.push({ x, y });
  }
  finish(): Vertex[] {
    return this.vertices;
  }
}

/**
 * Inside one pixel column the line only moves vertically, so the pixels it covers there are the
 * interval from the column's lowest to its highest level, plus the corners where it arrives from
 * the left and leaves to the right. Those corners depend on the first and last vertex and on the
 * direction the line takes away from the first and into the last, so a run keeps: the first vertex,
 * the next one at another level, the first lowest and first highest, the last one at a level other
 * than the final one, and the final one (in their original order, repeats dropped). Every vertex
 * left out lies on the same vertical segment between kept ones, where it only reverses inside the
 * stroke (a flat bevel) and adds no pixel.
 */
class ColumnRun {
  readonly x: number;
  private readonly ys: number[] = [];
  constructor(x: number) {
    this.x = x;
  }
  add(y: number): void {
    this.ys.push(y);
  }
  vertices(): Vertex[] {
    const { ys } = this;
    const last = ys.length - 1;
    if (last < 4) return dropRepeats(ys.map((y) => ({ x: this.x, y })));
    let low = 0;
    let high = 0;
    for (let i = 1; i <= last; i++) {
      if (ys[i]! < ys[low]!) low = i;
      if (ys[i]! > ys[high]!) high = i;
    }
    let second = 1;
    while (second < last && ys[second] === ys[0]) second++;
    let beforeLast = last - 1;
    while (beforeLast > 0 && ys[beforeLast] === ys[last]) beforeLast--;
    const kept = [...new Set([0, second, low, high, beforeLast, last])].sort((a, b) => a - b);
    return dropRepeats(kept.map((i) => ({ x: this.x, y: ys[i]! })));
  }
}

class DecimatedPath {
  private readonly vertices: Vertex[] = [];
  private run: ColumnRun | undefined;
  add(x: number, y: number): void {
    if (this.run?.x !== x) {
      this.flush();
      this.run = new ColumnRun(x);
    }
    this.run.add(y);
  }
  finish(): Vertex[] {
    this.flush();
    return this.vertices;
  }
  private flush(): void {
    if (this.run) for (const v of this.run.vertices()) this.vertices.push(v);
    this.run = undefined;
  }
}

function dropRepeats(vertices: Vertex[]): Vertex[] {
  return vertices.filter((v, i) => i === 0 || v.y !== vertices[i - 1]!.y);
}

/**
 * A marker per record while each stands apart from the next (centres at least a marker's diameter
 * apart, the threshold Highcharts hides markers at): closer than that they merge into a band that
 * hides the line and tells nothing more, so none is drawn. The step line still shows every level
 * change then, and the subtitle gives the record count.
 */
export function visibleMarkers(
  points: ChartPoint[],
  x: (t: number) => number,
  y: (s: number) => number,
): Marker[] {
  const min = 2 * MARKER_RADIUS;
  const markers: Marker[] = [];
  for (const point of points) {
    const marker = { x: x(point.timestamp), y: y(point.totalSize), point };
    const previous = markers[markers.length - 1];
    if (previous && (marker.x - previous.x) ** 2 + (marker.y - previous.y) ** 2 < min * min) return [];
    markers.push(marker);
  }
  return markers;
}
