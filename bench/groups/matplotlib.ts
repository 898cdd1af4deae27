// The render group's reference: matplotlib drawing the same chart (bench/matplotlib-chart.py), warm
// in one long-lived Python process and cold in a new one per chart, when a Python with matplotlib
// is on this machine; otherwise the bench says how to get one.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../matplotlib-chart.py", import.meta.url));
export const PYTHON_ENV = "S3SIZE_BENCH_PYTHON";
/** `python3` first; Debian's own next, since a pyenv or venv python3 on PATH often lacks matplotlib. */
const CANDIDATES = ["python3", "/usr/bin/python3"];
export const HOW_TO_GET_MATPLOTLIB =
  "apt-get install python3-matplotlib (Debian/Ubuntu) or pip install matplotlib, " +
  `or point ${PYTHON_ENV} at a python that has it`;

export type MatplotlibFound = { python: string; version: string } | { missing: string };

/** The first Python that imports matplotlib (the first import may build its font cache: allow time). */
export function findMatplotlib(env: NodeJS.ProcessEnv = process.env): MatplotlibFound {
  const candidates = env[PYTHON_ENV] ? [env[PYTHON_ENV]] : CANDIDATES;
  for (const python of candidates) {
    const probe = spawnSync(python, ["-c", "import matplotlib; print(matplotlib.__version__)"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    if (probe.status === 0 && probe.stdout.trim()) return { python, version: probe.stdout.trim() };
  }
  return { missing: `matplotlib not found (tried ${candidates.join(", ")}): ${HOW_TO_GET_MATPLOTLIB}` };
}

/** A warm matplotlib: one process, one chart per request, timed inside Python from input to PNG bytes. */
export class WarmMatplotlib {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = "";

  constructor(python: string) {
    this.child = spawn(python, [SCRIPT, "--serve"], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on("line", (line) => this.waiting.shift()?.(line));
  }

  render(chart: object): Promise<{ ms: number; cpuMs: number; bytes: number }> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`matplotlib exited: ${this.stderr.slice(-2000)}`));
      this.child.once("exit", onExit);
      this.waiting.push((line) => {
        this.child.off("exit", onExit);
        resolve(JSON.parse(line) as { ms: number; cpuMs: number; bytes: number });
      });
      this.child.stdin.write(`${JSON.stringify(chart)}\n`);
    });
  }

  close(): void {
    this.lines.close();
    this.child.stdin.end();
  }
}

/** A cold matplotlib: a new Python process from spawn to the PNG's last byte. */
export function coldMatplotlibArgs(): string[] {
  return [SCRIPT, "--once"];
}
