// Group 1, plot rendering, beside matplotlib drawing the same chart in the same run: milliseconds
// per chart in a warm process for N points, through the plotting function's chart cache but with
// a different input every run (so every chart is drawn), one cache hit, and cold: a new process
// (our renderer bundled as the plotting function is; python3 for matplotlib) from spawn to its
// PNG's last byte. The two sides alternate run by run, each going first half the time, so load
// on a shared machine falls on both alike.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleHandler } from "../../build/bundle.ts";
import { chartLayout, type SizeChartInput } from "../../handlers/chart/layout.ts";
import { renderSizeChart } from "../../handlers/chart/render-size-chart.ts";
import { ChartCache } from "../../handlers/plotting/chart-cache.ts";
import { chartInputWithPoints } from "../chart-input.ts";
import { check, round, type Summary, summarize } from "../stats.ts";
import { coldMatplotlibArgs, findMatplotlib, type MatplotlibFound, WarmMatplotlib } from "./matplotlib.ts";

export interface Side {
  ms: Summary;
  pngBytes: number;
}

export interface RenderRow extends Side {
  points: number;
  /** Whether the chart drew its record markers (both sides draw the same elements). */
  markers: boolean;
  matplotlib?: Side;
  /** Median over the interleaved pairs of matplotlib's time / ours: how many times faster we are. */
  ratio?: number;
  /**
   * Warm rows: the same in CPU time (each process's own), a second view on a shared machine, where
   * waiting for a core inflates wall-clock times; the two agree on a quiet machine.
   */
  cpu?: { ours: Summary; matplotlib: Summary; ratio: number };
}

export interface RenderFigures {
  matplotlib: MatplotlibFound;
  warm: RenderRow[];
  /** The same input again: the cache answers without drawing, in microseconds (well under 1 ms). */
  cacheHit: { points: number; us: Summary };
  cold: RenderRow & { what: string };
}

export interface RenderOptions {
  points: number[];
  warmRuns: number;
  coldRuns: number;
}

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const COLD_POINTS = 5;
/**
 * Node reads NODE_EXTRA_CA_CERTS at startup (80–200 ms on the shared machine); a Lambda sets none
 * and neither process makes a TLS connection, so the cold processes run without it.
 */
const COLD_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_EXTRA_CA_CERTS"));

export async function benchRender(options: RenderOptions): Promise<RenderFigures> {
  const matplotlib = findMatplotlib();
  const warmMatplotlib = "python" in matplotlib ? new WarmMatplotlib(matplotlib.python) : undefined;
  try {
    const cache = new ChartCache(renderSizeChart);
    // One untimed chart of each size first: font registration and first-use costs belong to "cold".
    for (const points of options.points) {
      const first = chartInputWithPoints(points);
      await cache.png(first);
      await warmMatplotlib?.render(withMarkerFlags(first));
    }
    const warm: RenderRow[] = [];
    for (const points of options.points) {
      warm.push(await warmRow(points, options.warmRuns, cache, warmMatplotlib));
    }
    const cacheHit = await cacheHitFigure(cache, options.warmRuns);
    const cold = await coldRow(options.coldRuns, matplotlib);
    return { matplotlib, warm, cacheHit, cold };
  } finally {
    warmMatplotlib?.close();
  }
}

async function warmRow(
  points: number,
  runs: number,
  cache: ChartCache,
  matplotlib: WarmMatplotlib | undefined,
): Promise<RenderRow> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const oursCpu: number[] = [];
  const theirsCpu: number[] = [];
  let pngBytes = 0;
  let theirBytes = 0;
  let markers = false;
  for (let run = 0; run < runs; run++) {
    // A new window end each run (100 ms later): a new cache key and a new subtitle, so a real draw.
    const input = chartInputWithPoints(points, Date.UTC(2025, 0, 1, 12, 0, 10) + 100 * (run + 1));
    const chart = withMarkerFlags(input);
    markers = chart.markers.some(Boolean);
    const measureOurs = async () => {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const { png, drawn } = await cache.png(input);
      ours.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      oursCpu.push((cpu.user + cpu.system) / 1000);
      check(drawn, `the ${points}-point chart of run ${run} came from the cache`);
      check(Buffer.from(png.subarray(0, 8)).equals(PNG_SIGNATURE), `the ${points}-point chart is not a PNG`);
      pngBytes = png.byteLength;
    };
    const measureTheirs = async () => {
      if (!matplotlib) return;
      const answer = await matplotlib.render(chart);
      theirs.push(answer.ms);
      theirsCpu.push(answer.cpuMs);
      theirBytes = answer.bytes;
    };
    await inTurn(run, measureOurs, measureTheirs);
  }
  const row = withRatio({ points, markers, ms: summarize(ours), pngBytes }, theirs, theirBytes, ours);
  if (theirsCpu.length === 0) return row;
  const cpu = {
    ours: summarize(oursCpu),
    matplotlib: summarize(theirsCpu),
    ratio: medianRatio(theirsCpu, oursCpu),
  };
  return { ...row, cpu };
}

async function cacheHitFigure(cache: ChartCache, runs: number): Promise<RenderFigures["cacheHit"]> {
  const input = chartInputWithPoints(COLD_POINTS);
  await cache.png(input);
  const us: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const { drawn } = await cache.png(input);
    us.push((performance.now() - start) * 1000);
    check(!drawn, "the same input was drawn again instead of answered from the cache");
  }
  return { points: COLD_POINTS, us: summarize(us) };
}

async function coldRow(runs: number, matplotlib: MatplotlibFound): Promise<RenderFigures["cold"]> {
  const script = await bundleColdRenderer();
  const input = chartInputWithPoints(COLD_POINTS);
  const ours: number[] = [];
  const theirs: number[] = [];
  let pngBytes = 0;
  let theirBytes = 0;
  // The first Python start after a while reads matplotlib from disk; that is not the figure either.
  if ("python" in matplotlib) await runToPng(matplotlib.python, coldMatplotlibArgs(), withMarkerFlags(input));
  await runToPng(process.execPath, [script, String(COLD_POINTS)]);
  for (let run = 0; run < runs; run++) {
    const measureOurs = async () => {
      const { ms, png } = await runToPng(process.execPath, [script, String(COLD_POINTS)]);
      ours.push(ms);
      pngBytes = png.length;
    };
    const measureTheirs = async () => {
      if (!("python" in matplotlib)) return;
      const { ms, png } = await runToPng(matplotlib.python, coldMatplotlibArgs(), withMarkerFlags(input));
      theirs.push(ms);
      theirBytes = png.length;
    };
    await inTurn(run, measureOurs, measureTheirs);
  }
  return {
    ...withRatio(
      {
        points: COLD_POINTS,
        markers: withMarkerFlags(input).markers.some(Boolean),
        ms: summarize(ours),
        pngBytes,
      },
      theirs,
      theirBytes,
      ours,
    ),
    what: "spawn a new process until its PNG's last byte arrives: `node <bundled renderer>` vs `python3 matplotlib-chart.py --once`",
  };
}

/** Both measurements of one run, each side first in every other run. */
async function inTurn(run: number, ours: () => Promise<void>, theirs: () => Promise<void>): Promise<void> {
  for (const measure of run % 2 === 0 ? [ours, theirs] : [theirs, ours]) await measure();
}

/** The chart input as matplotlib gets it: with the renderer's own decision on markers, per line. */
function withMarkerFlags(input: SizeChartInput): SizeChartInput & { markers: boolean[] } {
  return { ...input, markers: chartLayout(input).series.map((s) => s.markers.length > 0) };
}

function withRatio(row: RenderRow, theirs: number[], theirBytes: number, ours: number[]): RenderRow {
  if (theirs.length === 0) return row;
  return {
    ...row,
    matplotlib: { ms: summarize(theirs), pngBytes: theirBytes },
    ratio: medianRatio(theirs, ours),
  };
}

/** The median of matplotlib's / ours over the runs, each run's pair measured back to back. */
function medianRatio(theirs: number[], ours: number[]): number {
  return round(summarize(theirs.map((t, i) => t / ours[i]!)).median);
}

/** Bundles the renderer as the packager bundles the plotting function (esbuild, canvas external). */
async function bundleColdRenderer(): Promise<string> {
  const code = await bundleHandler({ entry: "bench/cold-render-entry.ts", projectRoot: PROJECT_ROOT });
  // Inside node_modules so the bundle resolves @napi-rs/canvas and the font package as a deployed zip would.
  const dir = join(PROJECT_ROOT, "node_modules", ".cache", "s3size-bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "cold-render.mjs");
  writeFileSync(file, code);
  return file;
}

/** Spawns the command (writing `stdin` to it) and times it to the PNG's IEND chunk on its stdout. */
function runToPng(command: string, args: string[], stdin?: object): Promise<{ ms: number; png: Buffer }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: COLD_ENV });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let ms: number | undefined;
    let tail = Buffer.alloc(0);
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk);
      tail = Buffer.concat([tail, chunk]).subarray(-IEND.length);
      if (ms === undefined && tail.equals(IEND)) ms = performance.now() - start;
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const png = Buffer.concat(out);
      if (code !== 0 || ms === undefined || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
        reject(new Error(`${command} exited ${code} without a PNG: ${Buffer.concat(err).toString()}`));
        return;
      }
      resolve({ ms, png });
    });
    child.stdin.end(stdin ? JSON.stringify(stdin) : undefined);
  });
}
