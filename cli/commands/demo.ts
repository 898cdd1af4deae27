// `s3size demo`: invokes the driver (setting up first on --local when nothing is there), saves the
// plot it produced to ./plot.png, and prints the history the demo left: 18 → 27 → 0 → 2 bytes.
import { resolve } from "node:path";
import { InvokeCommand, type InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { DriverResult } from "../../handlers/driver.ts";
import { awsErrorName, UserError } from "../errors.ts";
import { parseWholeNumber } from "../flag-values.ts";
import { invokeUrl } from "../provision/api.ts";
import { ensureDriverEnv } from "../provision/driver-env.ts";
import { failureQueueDepth } from "../provision/failure-queue.ts";
import { STEPS } from "../provision/steps.ts";
import { isConflict, isThrottle, withRetry } from "../retry.ts";
import type { Session } from "../session.ts";
import { writeOutputFile } from "../state.ts";
import { countOf, printLinks, runSetup } from "./setup.ts";
import type { CommandSpec } from "./types.ts";

export interface DemoOptions {
  out?: string;
  sleepMs?: string;
}

async function ensureSetUp(session: Session): Promise<void> {
  await session.account();
  const { completed } = session.loadState();
  // The demo needs the driver; on the local cloud, setup also completes steps a newer s3size added.
  const complete = STEPS.every((step) => completed[step.name]);
  if (completed["driver-env"] && (complete || !session.settings.local)) return;
  if (!session.settings.local) throw new UserError("nothing is set up yet", "run s3size setup first");
  session.output.line("nothing is set up on the local cloud yet: running setup first");
  await runSetup(session);
}

/** The in-process cloud gets a new port each run: point the driver at this run's API URL. */
async function refreshDriverUrl(session: Session): Promise<void> {
  const state = session.loadState();
  if (!state.apiId || !session.endpoint) return;
  state.invokeUrl = invokeUrl({
    apiId: state.apiId,
    region: session.settings.region,
    stage: (await session.names()).stage,
    endpoint: session.endpoint,
  });
  const ctx = await session.provisionContext(state, false);
  await ensureDriverEnv(ctx);
  session.store.save(state);
}

export function parseSleepMs(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  return parseWholeNumber(raw, "--sleep-ms", { min: 0, max: 60_000 }, "milliseconds, e.g. --sleep-ms 300");
}

export const demoCommand: CommandSpec = {
  changesStack: true,
  options: [
    { flags: "--out <file>", description: "where to save the plot", default: "plot.png" },
    {
      flags: "--sleep-ms <ms>",
      description: "pause between the driver's steps (default S3SIZE_DRIVER_SLEEP_MS)",
    },
  ],
  async run(session, options) {
    const { output } = session;
    const opts = options as DemoOptions;
    const sleepMs = parseSleepMs(opts.sleepMs);
    const outPath = resolve(session.io.cwd, opts.out ?? "plot.png");
    await ensureSetUp(session);
    await refreshDriverUrl(session);
    const names = await session.names();
    const seconds = Math.round((3 * (sleepMs ?? session.settings.driverSleepMs)) / 1000);
    const result = await output.step(
      `running the demo in ${names.dataBucket} (about ${seconds + 2} s)`,
      () => invokeDriver(session, names.functions.driver, sleepMs),
      (r) => `${r.history.length} records, plot API answered ${r.plotStatus}`,
    );
    if (result.plotStatus !== 200) {
      throw new UserError(
        `the plotting API answered ${result.plotStatus}: ${JSON.stringify(result.plot).slice(0, 200)}`,
        "see s3size logs plotting",
      );
    }
    const png = await output.step(
      `saving the plot to ${outPath}`,
      async () => {
        const object = await session.clients.s3.send(
          new GetObjectCommand({ Bucket: names.plotBucket, Key: "plot" }),
        );
        const bytes = await object.Body!.transformToByteArray();
        await writeOutputFile(outPath, bytes);
        return bytes;
      },
      (bytes) => `${bytes.length} bytes`,
    );
    // Lambda sends an event here only after its retries (minutes on AWS): this counts what has arrived.
    const failures = await failureQueueDepth(session.clients.sqs, names.failureQueue);
    const document = {
      failures: failures ?? null,
      bucket: result.bucket,
      before: result.before,
      history: result.history,
      noticedFinalRecordAfterMs: result.noticedFinalRecordAfterMs,
      api: result.plot,
      plotPath: outPath,
      plotBytes: png.length,
    };
    output.result(document, () => {
      output.line();
      output.table(
        ["time (UTC)", "size (bytes)", "objects"],
        result.history.map((point) => [
          point.recordedAt.slice(11, 23),
          String(point.totalSize),
          String(point.objectCount),
        ]),
        [false, true, true],
      );
      output.line();
      output.line(`sizes: ${result.history.map((point) => point.totalSize).join(" → ")} bytes`);
      if (result.before?.objectCount) {
        output.line(
          `(the bucket held ${result.before.totalSize} bytes in ${countOf(result.before.objectCount, "object")} before the demo: its sizes are that plus 18, 27, 0 and 2)`,
        );
      }
      output.line(`plot saved to ${outPath}`);
      if (failures !== undefined) {
        output.line(
          `failed tracker events: ${failures} in ${names.failureQueue}${failures > 0 ? " (s3size failures lists them)" : ""}`,
        );
      }
      printLinks(session);
    });
    return 0;
  },
};

async function invokeDriver(
  session: Session,
  name: string,
  sleepMs: number | undefined,
): Promise<DriverResult> {
  let response: InvokeCommandOutput;
  const payload = JSON.stringify(sleepMs === undefined ? {} : { sleepMs });
  try {
    response = await withRetry(
      () =>
        session.clients.lambda.send(
          new InvokeCommand({ FunctionName: name, InvocationType: "RequestResponse", Payload: payload }),
        ),
      { when: [isThrottle, isConflict] },
    );
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") {
      throw new UserError(`function ${name} does not exist`, "run s3size setup first", { cause: error });
    }
    throw error;
  }
  const text = new TextDecoder().decode(response.Payload);
  if (response.FunctionError) {
    const failure = (() => {
      try {
        return (JSON.parse(text) as { errorMessage?: string }).errorMessage;
      } catch {
        return text;
      }
    })();
    throw new UserError(`the driver failed: ${failure}`, "see s3size logs driver");
  }
  return JSON.parse(text) as DriverResult;
}
