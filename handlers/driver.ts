// driver Lambda: plays the demo script against the data bucket, waits (by Query, bounded) until the
// tracker has recorded the final state, then calls the plotting API and returns what it observed.
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type AwsClients, awsClients } from "./common/clients.ts";
import { FUNCTION_ENV, integerEnv, requireEnv } from "./common/function-env.ts";
import { bucketRecordsQuery, type HistoryPoint, queryAll } from "./common/history-query.ts";
import { type BucketContents, bucketContents } from "./driver/bucket-contents.ts";
import { plotRequestUrl } from "./driver/plot-request.ts";
import {
  type DemoAction,
  demoChanges,
  demoSteps,
  finalState,
  type PerformedAction,
  runScript,
} from "./driver/steps.ts";
import { historySince, waitForFinalRecord } from "./driver/wait.ts";

export const DEFAULT_SLEEP_MS = 2000;
export const DEFAULT_WAIT_MS = 30_000;
/**
 * How often the driver asks for the final record once the script is done: a Query this small costs
 * half a read unit, and asking every 50 ms notices the record within about 100 ms of its write
 * (polling every 500 ms added up to half a second to every demo).
 */
export const POLL_MS = 50;

export interface DriverEvent {
  /** Overrides DRIVER_SLEEP_MS for this run. */
  sleepMs?: number;
  /** Overrides DRIVER_WAIT_MS for this run. */
  waitMs?: number;
}

export interface DriverResult {
  bucket: string;
  startedAt: number;
  /** What the bucket held before the first put: the history is this plus 18, 27, 0 and 2 bytes. */
  before: BucketContents;
  steps: PerformedAction[];
  history: HistoryPoint[];
  observedSizes: number[];
  /** From the final record's timestamp to the read that found it: how long the driver took to notice. */
  noticedFinalRecordAfterMs: number;
  plot: unknown;
  plotStatus: number;
}

export interface DriverDeps {
  clients: () => AwsClients;
  env: NodeJS.ProcessEnv;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  fetch: typeof fetch;
  log: (line: string) => void;
}

export function createDriverHandler(overrides: Partial<DriverDeps> = {}) {
  const deps: DriverDeps = {
    clients: awsClients,
    env: process.env,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    fetch: (input, init) => fetch(input, init),
    log: (line) => console.log(line),
    ...overrides,
  };
  return async (event: DriverEvent | null): Promise<DriverResult> => {
    // Every setting is read before the first write, so a misconfigured driver changes nothing.
    const bucket = requireEnv(FUNCTION_ENV.dataBucket, deps.env);
    const table = requireEnv(FUNCTION_ENV.table, deps.env);
    const apiUrl = requireEnv(FUNCTION_ENV.plotApiUrl, deps.env);
    const sleepMs =
      eventMillis(event?.sleepMs, "sleepMs") ??
      integerEnv(FUNCTION_ENV.driverSleepMs, DEFAULT_SLEEP_MS, deps.env);
    const waitMs =
      eventMillis(event?.waitMs, "waitMs") ??
      integerEnv(FUNCTION_ENV.driverWaitMs, DEFAULT_WAIT_MS, deps.env);
    const { s3, dynamodb } = deps.clients();

    const steps = demoSteps();
    let before: BucketContents = { totalSize: 0, objectCount: 0 };
    const run = await runScript(steps, {
      beforeFirstPut: async () => {
        before = await bucketContents(s3, bucket);
      },
      perform: (action) => perform(s3, bucket, action),
      sleep: deps.sleep,
      now: deps.now,
      sleepMs,
      log: (done) => deps.log(JSON.stringify({ level: "info", message: "demo step", bucket, ...done })),
    });

    // Halfway through the pause before the first put: clear of both, whatever the clocks' skew.
    const window = {
      start: run.startedAt,
      eventsFrom: run.clearedAt === undefined ? run.startedAt : (run.clearedAt + run.startedAt) / 2,
    };
    const final = await waitForFinalRecord({
      readRecords: () =>
        queryAll(dynamodb, bucketRecordsQuery(table, bucket, { from: run.startedAt }, "newest-first")),
      sleep: deps.sleep,
      now: deps.now,
      timeoutMs: waitMs,
      pollMs: Math.min(POLL_MS, Math.max(sleepMs, 1)),
      notBefore: run.lastPutAt,
      expected: expectedFinal(before, finalState(steps)),
      before,
      window,
      changes: demoChanges(steps),
    });
    const history = historySince(final.records, window);
    deps.log(JSON.stringify({ level: "info", message: "tracker caught up", bucket, history }));

    const url = plotRequestUrl(apiUrl, bucket);
    const response = await deps.fetch(url, { headers: { accept: "application/json" } });
    const text = await response.text();
    const plot = parseJson(text);
    deps.log(JSON.stringify({ level: "info", message: "called plotting API", url, status: response.status }));
    return {
      bucket,
      startedAt: run.startedAt,
      before,
      steps: run.performed,
      history,
      observedSizes: history.map((point) => point.totalSize),
      noticedFinalRecordAfterMs: final.noticedAt - final.recordedAt,
      plot,
      plotStatus: response.status,
    };
  };
}

async function perform(s3: AwsClients["s3"], bucket: string, action: DemoAction): Promise<void> {
  if (action.action === "put") {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: action.key, Body: action.body, ContentType: "text/plain" }),
    );
  } else {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: action.key }));
  }
}

function expectedFinal(before: BucketContents, demo: BucketContents): BucketContents {
  return {
    totalSize: before.totalSize + demo.totalSize,
    objectCount: before.objectCount + demo.objectCount,
  };
}

function eventMillis(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new Error(
      `${name} must be a non-negative whole number of milliseconds, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The API answers JSON; anything else (a gateway error page) is kept as text so the caller sees it. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: "NotJson", body: text.slice(0, 1000) };
  }
}

export const handler = createDriverHandler();
