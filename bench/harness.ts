// The bench harness: runs the nine groups with sizes given as parameters, so `npm run bench` (full
// sizes) and the test (tiny sizes) run the same code. Each group returns plain figures for the table
// and for bench/results.json.
import { cpus } from "node:os";
import { type BenchCloud, startBenchCloud } from "./cloud.ts";
import { type AsyncEventsFigure, benchAsyncEvents } from "./groups/async-events.ts";
import { benchCli, type CliConfig, type CliFigures } from "./groups/cli.ts";
import { benchPackages, type PackageFigure, type PackageTarget } from "./groups/packages.ts";
import { benchPlotReads, type PlotReadFigure } from "./groups/plot-reads.ts";
import {
  type ProvisioningFigure,
  provisioningFigures,
  secondSetup,
  setupStack,
  teardownStack,
} from "./groups/provisioning.ts";
import { benchRender, type RenderFigures } from "./groups/render.ts";
import { benchS3, type S3BenchOptions, type S3Figures } from "./groups/s3.ts";
import { benchStorms, type StormFigure, type StormTimeout } from "./groups/storm.ts";
import { benchTracking, type TrackingFigure } from "./groups/tracking.ts";
import {
  benchIncrementalTracking,
  type IncrementalFigure,
  type IncrementalOptions,
} from "./groups/tracking-incremental.ts";

export const GROUPS = [
  "render",
  "tracking",
  "plot-reads",
  "provisioning",
  "packages",
  "storm",
  "cli",
  "s3",
  "async-events",
] as const;
export type Group = (typeof GROUPS)[number];

export interface BenchConfig {
  render: { points: number[]; warmRuns: number; coldRuns: number };
  tracking: { sizes: number[]; runs: number[]; putObjectLimit: number; incremental: IncrementalOptions };
  plotReads: { tableSizes: number[]; runs: number };
  provisioning: { cycles: number };
  packages: { targets: PackageTarget[] };
  storm: { objects: number };
  cli: CliConfig;
  s3: S3BenchOptions;
  asyncEvents: { events: number; puts: number };
}

export const FULL_CONFIG: BenchConfig = {
  render: { points: [5, 1000, 10_000], warmRuns: 15, coldRuns: 9 },
  tracking: {
    sizes: [1000, 100_000, 1_000_000],
    runs: [5, 3, 1],
    putObjectLimit: 1000,
    incremental: { sizes: [1000, 100_000, 1_000_000], events: 30 },
  },
  plotReads: { tableSizes: [1000, 100_000], runs: 7 },
  provisioning: { cycles: 3 },
  packages: { targets: [{ target: "lambda", arch: "arm64" }, { target: "local" }] },
  storm: { objects: 500 },
  cli: { helpRuns: 10, setupRuns: 3, sleepMs: 2000 },
  s3: { putSamples: 5, putsPerSample: 2000, listSizes: [1000, 100_000], listRuns: 15 },
  asyncEvents: { events: 3000, puts: 2000 },
};

export const QUICK_CONFIG: BenchConfig = {
  render: { points: [5, 50], warmRuns: 3, coldRuns: 1 },
  tracking: {
    sizes: [10, 1100],
    runs: [2, 2],
    putObjectLimit: 10,
    incremental: { sizes: [20, 1100], events: 6 },
  },
  plotReads: { tableSizes: [30, 200], runs: 2 },
  provisioning: { cycles: 1 },
  packages: { targets: [{ target: "local" }] },
  storm: { objects: 10 },
  cli: { helpRuns: 2, setupRuns: 1, sleepMs: 1500 },
  s3: { putSamples: 1, putsPerSample: 50, listSizes: [1000, 2500], listRuns: 2 },
  asyncEvents: { events: 30, puts: 30 },
};

export interface BenchResults {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; arch: string; shared: string };
  quick: boolean;
  sizes: BenchConfig;
  spread: string;
  totalMs: number;
  render?: RenderFigures;
  tracking?: { listing: TrackingFigure[]; incremental: IncrementalFigure[] };
  plotReads?: PlotReadFigure[];
  provisioning?: ProvisioningFigure[];
  packages?: PackageFigure[];
  /** One per tracking mode. */
  storm?: Array<StormFigure | StormTimeout>;
  cli?: CliFigures;
  s3?: S3Figures;
  asyncEvents?: AsyncEventsFigure;
}

export interface RunOptions {
  config: BenchConfig;
  only?: Group[];
  quick?: boolean;
  /** Progress lines (stderr in `npm run bench`). */
  progress?: (line: string) => void;
  /** Called with the results so far after each group, so a run cut short still leaves its figures. */
  partial?: (results: BenchResults) => void;
}

export async function runBench(options: RunOptions): Promise<BenchResults> {
  const { config } = options;
  const wanted = (group: Group) => !options.only || options.only.includes(group);
  const progress = options.progress ?? (() => {});
  const started = performance.now();
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      shared: "measured on a machine shared with other engineers' test runs; expect noise",
    },
    quick: Boolean(options.quick),
    sizes: config,
    spread: "each timing is the median of its runs with min–max; request counts are exact per run",
    totalMs: 0,
  };
  const step = async <T>(group: Group, action: () => Promise<T>): Promise<T> => {
    if (results.totalMs > 0) options.partial?.(results);
    progress(`• ${group}…`);
    const start = performance.now();
    const value = await action();
    progress(`  ${group} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    results.totalMs = Math.round(performance.now() - started);
    return value;
  };

  if (wanted("render")) results.render = await step("render", () => benchRender(config.render));
  if (wanted("packages"))
    results.packages = await step("packages", () => benchPackages(config.packages.targets));
  if (wanted("tracking") || wanted("plot-reads")) {
    const cloud = await startBenchCloud();
    try {
      if (wanted("tracking")) {
        results.tracking = await step("tracking", async () => ({
          listing: await benchTracking(cloud, config.tracking),
          incremental: await benchIncrementalTracking(cloud, config.tracking.incremental),
        }));
      }
      if (wanted("plot-reads"))
        results.plotReads = await step("plot-reads", () => benchPlotReads(cloud, config.plotReads));
    } finally {
      await cloud.stop();
    }
  }
  if (wanted("s3")) {
    // A cloud of its own, so the large listing buckets do not weigh on the other groups.
    const cloud = await startBenchCloud();
    try {
      results.s3 = await step("s3", () => benchS3(cloud, config.s3));
    } finally {
      await cloud.stop();
    }
  }
  if (wanted("provisioning") || wanted("storm")) {
    // A cloud of its own: the stack's figures should not pay for the large buckets and tables above.
    const cloud = await startBenchCloud();
    try {
      if (wanted("provisioning"))
        results.provisioning = await step("provisioning", () =>
          benchProvisioning(cloud, config.provisioning),
        );
      if (wanted("storm")) {
        const stack = { endpoint: cloud.cloud.endpoint, stateDir: `${cloud.stateDir}/cli-storm` };
        results.storm = await step("storm", () => benchStorms(cloud, stack, config.storm.objects));
      }
    } finally {
      await cloud.stop();
    }
  }
  if (wanted("async-events")) {
    const cloud = await startBenchCloud();
    try {
      results.asyncEvents = await step("async-events", () => benchAsyncEvents(cloud, config.asyncEvents));
    } finally {
      await cloud.stop();
    }
  }
  // Last, on its own: it runs the packaged CLI in processes, each with its own local cloud.
  if (wanted("cli")) results.cli = await step("cli", () => benchCli(config.cli, progress));
  results.totalMs = Math.round(performance.now() - started);
  return results;
}

async function benchProvisioning(cloud: BenchCloud, options: BenchConfig["provisioning"]) {
  const stack = { endpoint: cloud.cloud.endpoint, stateDir: `${cloud.stateDir}/cli` };
  // SQS keeps a deleted queue's name for 60 s, and setup waits that out after a teardown (as it must on
  // AWS): the cycles measure setup's own work, so the name comes free at once here.
  cloud.cloud.realism.queueNameReuseMs = 0;
  const cycles: Parameters<typeof provisioningFigures>[0] = {
    "first setup": [],
    "second setup": [],
    teardown: [],
  };
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    cycles["first setup"].push(await setupStack(stack));
    cycles["second setup"].push(await secondSetup(stack));
    cycles.teardown.push(await teardownStack(stack));
  }
  return provisioningFigures(cycles);
}
