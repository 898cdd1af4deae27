// Group 1, plot rendering: milliseconds per chart in a warm process for N points, and cold: a new
// Node process (the renderer bundled as the plotting function is) from spawn to its PNG bytes.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleHandler } from "../../build/bundle.ts";
import { renderSizeChart } from "../../handlers/chart/render-size-chart.ts";
import { chartInputWithPoints } from "../chart-input.ts";
import { check, repeat, type Summary } from "../stats.ts";

export interface RenderFigures {
  warm: { points: number; ms: Summary; pngBytes: number }[];
  cold: { points: number; ms: Summary; pngBytes: number; what: string };
}

export interface RenderOptions {
  points: number[];
  warmRuns: number;
  coldRuns: number;
}

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export async function benchRender(options: RenderOptions): Promise<RenderFigures> {
  // One untimed chart first: the font registration and Skia's first-use costs belong to "cold".
  renderSizeChart(chartInputWithPoints(5));
  const warm: RenderFigures["warm"] = [];
  for (const points of options.points) {
    const input = chartInputWithPoints(points);
    let pngBytes = 0;
    const ms = await repeat(options.warmRuns, async () => {
      const start = performance.now();
      const png = renderSizeChart(input);
      const elapsed = performance.now() - start;
      check(png.subarray(0, 8).equals(PNG_SIGNATURE), `the ${points}-point chart is not a PNG`);
      pngBytes = png.length;
      return elapsed;
    });
    warm.push({ points, ms, pngBytes });
  }

  const script = await bundleColdRenderer();
  const coldPoints = 5;
  let coldBytes = 0;
  const coldMs = await repeat(options.coldRuns, async () => {
    const run = await runToPng(script, coldPoints);
    coldBytes = run.png.length;
    return run.ms;
  });
  return {
    warm,
    cold: {
      points: coldPoints,
      ms: coldMs,
      pngBytes: coldBytes,
      what: "spawn `node <bundled renderer>` until it exits having written the PNG",
    },
  };
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

function runToPng(script: string, points: number): Promise<{ ms: number; png: Buffer }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [script, String(points)], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - start;
      const png = Buffer.concat(out);
      if (code !== 0 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) {
        reject(new Error(`cold render exited ${code} without a PNG: ${Buffer.concat(err).toString()}`));
        return;
      }
      resolve({ ms, png });
    });
  });
}
