// Group 7, the local cloud's S3 store: PutObject throughput (1 KB objects, 16 in flight, from a client in
// a worker thread) and what one ListObjectsV2 page of 1,000 keys costs as the bucket grows.
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { BenchCloud } from "../cloud.ts";
import { fillBucketDirectly, objectAt } from "../fill-s3.ts";
import type { PutLoad } from "../put-load.ts";
import { check, repeat, type Summary, summarize, timed } from "../stats.ts";

export interface PutRateFigure {
  bytes: number;
  inFlight: number;
  objectsPerSample: number;
  objectsPerSecond: Summary;
  /**
   * CPU time of the emulator's thread per PutObject (Linux only): what a put costs the emulator,
   * whatever else the machine is running; 1,000 / this is the rate one free core could serve.
   */
  emulatorCpuMsPerPut?: Summary;
}

export interface ListPageFigure {
  objects: number;
  /** One page over HTTP: the store, the XML and the transfer (what the emulator costs). */
  httpMs: Summary;
  /** The same page through the SDK client, its XML parsing included (what a caller waits). */
  sdkMs: Summary;
  fillMs: number;
}

export interface S3Figures {
  putObject: PutRateFigure;
  listPages: ListPageFigure[];
}

export interface S3BenchOptions {
  putSamples: number;
  putsPerSample: number;
  listSizes: number[];
  listRuns: number;
}

/** CPU milliseconds this process's main thread has used (user + system), from /proc; undefined elsewhere. */
function mainThreadCpuMs(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // utime and stime, the 14th and 15th fields of the line, in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function putInWorker(load: PutLoad): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("../put-load-worker.mjs", import.meta.url), { workerData: load });
    worker.once("message", (message: { ms?: number; error?: string }) => {
      void worker.terminate();
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.ms!);
    });
    worker.once("error", reject);
  });
}

/** Where page `run` of a listing starts: spread over the bucket, the first page included. */
function startAfterFor(run: number, size: number): string | undefined {
  if (run === 0 || size < 2000) return undefined;
  const pages = Math.max(1, Math.floor(size / 1000) - 1);
  return objectAt(((run * 7) % pages) * 1000).key;
}

export async function benchS3(cloud: BenchCloud, options: S3BenchOptions): Promise<S3Figures> {
  const putBucket = "bench-s3-puts";
  await cloud.s3.send(new CreateBucketCommand({ Bucket: putBucket }));
  const rates: number[] = [];
  const cpuPerPut: number[] = [];
  for (let sample = 0; sample < options.putSamples; sample++) {
    const cpuBefore = mainThreadCpuMs();
    const ms = await putInWorker({
      target: cloud.target,
      bucket: putBucket,
      prefix: `sample-${sample}/object-`,
      count: options.putsPerSample,
      bytes: 1024,
      inFlight: 16,
    });
    rates.push(Math.round(options.putsPerSample / (ms / 1000)));
    const cpuAfter = mainThreadCpuMs();
    if (cpuBefore !== undefined && cpuAfter !== undefined)
      cpuPerPut.push((cpuAfter - cpuBefore) / options.putsPerSample);
  }

  const listPages: ListPageFigure[] = [];
  for (const size of options.listSizes) {
    const bucket = `bench-s3-list-${size}`;
    const filled = await timed(() => fillBucketDirectly(cloud.s3, cloud.cloud.dataDir, bucket, size));
    const expected = Math.min(1000, size);
    const httpMs = await repeat(options.listRuns, async (run) => {
      const after = startAfterFor(run, size);
      const query = `list-type=2${after ? `&start-after=${encodeURIComponent(after)}` : ""}`;
      const page = await timed(async () => {
        const response = await fetch(`${cloud.cloud.endpoint}/${bucket}?${query}`);
        return response.text();
      });
      check(
        page.value.split("<Contents>").length - 1 === expected,
        `an HTTP page of ${bucket} did not hold ${expected} keys`,
      );
      return page.ms;
    });
    const sdkMs = await repeat(options.listRuns, async (run) => {
      const after = startAfterFor(run, size);
      const page = await timed(() =>
        cloud.s3.send(new ListObjectsV2Command({ Bucket: bucket, ...(after ? { StartAfter: after } : {}) })),
      );
      check(page.value.KeyCount === expected, `an SDK page of ${bucket} held ${page.value.KeyCount} keys`);
      return page.ms;
    });
    listPages.push({ objects: size, httpMs, sdkMs, fillMs: Math.round(filled.ms) });
  }
  return {
    putObject: {
      bytes: 1024,
      inFlight: 16,
      objectsPerSample: options.putsPerSample,
      objectsPerSecond: summarize(rates),
      ...(cpuPerPut.length > 0 ? { emulatorCpuMsPerPut: summarize(cpuPerPut) } : {}),
    },
    listPages,
  };
}
