// Summaries of repeated measurements: the median and its spread (min–max), the form every figure takes.

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("no samples to summarize");
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median: round(median), min: round(sorted[0]!), max: round(sorted.at(-1)!), runs: samples.length };
}

/** Runs `measure` `runs` times in sequence and summarizes what it returns. */
export async function repeat(runs: number, measure: (run: number) => Promise<number>): Promise<Summary> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) samples.push(await measure(run));
  return summarize(samples);
}

export async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await action();
  return { ms: performance.now() - start, value };
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** "12.3 ms (11.9–14.0)": the median with its min–max spread. */
export function formatSummary(summary: Summary, unit = "ms"): string {
  const digits = summary.median >= 100 ? 0 : 1;
  const f = (n: number) => n.toFixed(digits);
  return `${f(summary.median)} ${unit} (${f(summary.min)}–${f(summary.max)}, n=${summary.runs})`;
}

/** Fails the bench loudly: a figure that is wrong must never be printed as if it were right. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`bench check failed: ${message}`);
}
