// Group 7, the CLI as users run it: the package `npm pack` builds (compiled JavaScript, shipped zips),
// staged where its dependencies resolve, run in fresh processes: cold `s3size --help`, the first
// `demo --local` on a fresh state dir, and an unchanged `setup --local` after it.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PACKAGE_ROOT } from "../../build/package-root.ts";
import { preparePackage } from "../../build/prepack.ts";
import { check, repeat, type Summary, timed } from "../stats.ts";

export interface CliConfig {
  helpRuns: number;
  setupRuns: number;
  /** The driver's pause between steps in the demo (it pauses four times). */
  sleepMs: number;
}

export interface CliFigures {
  /** `node -e 0`: what any Node CLI costs to start on this machine, for scale. */
  nodeStartMs: Summary;
  /** Cold `s3size --help` (target ≤ 500 ms). */
  helpMs: Summary;
  /** The first `demo --local` on a fresh state dir: setup, the demo, the plot (target ≤ pauses + 3 s). */
  firstDemo: { ms: number; pausesMs: number; overheadMs: number; noticedFinalRecordAfterMs: number };
  /** `setup --local` again with nothing changed, the whole process (target: setup's work ≤ 1 s). */
  unchangedSetupMs: Summary;
}

/** Inside node_modules, so the staged package finds the checkout's dependencies as an install would. */
const STAGE = join(PACKAGE_ROOT, "node_modules", ".cache", "s3size-bench-package");
const DEMO_PAUSES = 4;

const run = promisify(execFile);

export async function benchCli(config: CliConfig, progress: (line: string) => void): Promise<CliFigures> {
  progress("cli: staging the package as npm pack builds it");
  await preparePackage(STAGE);
  const bin = join(STAGE, "bin", "s3size.js");
  const work = mkdtempSync(join(tmpdir(), "s3size-bench-cli-"));
  // The machine's AWS settings must not reach the commands (the local cloud needs none), nor its
  // NODE_EXTRA_CA_CERTS, which Node reads at every start: users' machines rarely set one.
  const env = { PATH: process.env.PATH, HOME: work, AWS_EC2_METADATA_DISABLED: "true" };
  const s3size = (...args: string[]) =>
    run(process.execPath, [bin, ...args], { cwd: work, env, maxBuffer: 16 * 1024 * 1024 });
  try {
    const nodeStartMs = await repeat(
      config.helpRuns,
      async () => (await timed(() => run(process.execPath, ["-e", "0"], { env }))).ms,
    );
    const helpMs = await repeat(config.helpRuns, async () => {
      const { ms, value } = await timed(() => s3size("--help"));
      check(value.stdout.includes("Usage: s3size"), "s3size --help printed no usage");
      return ms;
    });
    progress("cli: first demo --local on a fresh state dir");
    const demo = await timed(() => s3size("demo", "--local", "--json", "--sleep-ms", String(config.sleepMs)));
    const document = JSON.parse(demo.value.stdout) as {
      history: Array<{ totalSize: number }>;
      noticedFinalRecordAfterMs: number;
    };
    check(
      document.history.map((point) => point.totalSize).join() === "18,27,0,2",
      `the first demo recorded ${document.history.map((point) => point.totalSize).join(", ")}`,
    );
    const pausesMs = DEMO_PAUSES * config.sleepMs;
    const unchangedSetupMs = await repeat(config.setupRuns, async () => {
      const { ms, value } = await timed(() => s3size("setup", "--local", "--json"));
      check(
        (JSON.parse(value.stdout) as { upToDate: boolean }).upToDate,
        "an unchanged setup changed something",
      );
      return ms;
    });
    return {
      nodeStartMs,
      helpMs,
      firstDemo: {
        ms: Math.round(demo.ms),
        pausesMs,
        overheadMs: Math.round(demo.ms - pausesMs),
        noticedFinalRecordAfterMs: document.noticedFinalRecordAfterMs,
      },
      unchangedSetupMs,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
