// Group 9, asynchronous invocations: how fast Lambda accepts Event invocations through the edge with 16
// in flight (each written to the durable queue before its 202) and how long the queue takes to run
// them; and PutObject with 16 in flight to a bucket without and with a notification to a function, side
// by side in the same run, so the cost of queueing each event before the PUT is answered shows.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { writeDeterministicZip } from "../../build/zip.ts";
import { clientConfig } from "../../handlers/common/aws.ts";
import { type BenchCloud, inParallel } from "../cloud.ts";

const IN_FLIGHT = 16;
/** Past this the queue is reported as not drained: an overloaded emulator must not hang the bench. */
const DRAIN_LIMIT_MS = 120_000;

export interface AsyncEventsFigure {
  inFlight: number;
  events: number;
  /** Invoke (Event) answered with 202 per second. */
  acceptedPerSecond: number;
  /** From the first Invoke until the function had run every event; null when not within the bound. */
  drainedMs: number | null;
  puts: number;
  /** PutObject of 1 KB per second to a bucket without notifications. */
  putsPerSecondPlain: number;
  /** The same to a bucket notifying the function: each PUT waits for its event to be on disk. */
  putsPerSecondNotified: number;
}

export async function benchAsyncEvents(
  cloud: BenchCloud,
  options: { events: number; puts: number },
): Promise<AsyncEventsFigure> {
  const lambda = new LambdaClient(clientConfig(cloud.target, {}));
  const iam = new IAMClient(clientConfig(cloud.target, {}));
  const outDir = mkdtempSync(join(tmpdir(), "s3size-bench-async-"));
  const ran = join(outDir, "ran.txt");
  const runs = () => (existsSync(ran) ? readFileSync(ran, "utf8").length / 2 : 0);
  try {
    const functionArn = await createCounter(iam, lambda, ran);
    const started = performance.now();
    await inParallel(range(options.events), IN_FLIGHT, async () => {
      await lambda.send(
        new InvokeCommand({
          FunctionName: "bench-counter",
          InvocationType: "Event",
          Payload: Buffer.from("{}"),
        }),
      );
    });
    const acceptedPerSecond = options.events / ((performance.now() - started) / 1000);
    const drained = await until(() => runs() >= options.events, started);

    for (const bucket of ["bench-async-plain", "bench-async-notified"]) {
      await cloud.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: "bench-counter",
        StatementId: "s3",
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
      }),
    );
    await cloud.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "bench-async-notified",
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [{ LambdaFunctionArn: functionArn, Events: ["s3:ObjectCreated:*"] }],
        },
      }),
    );
    const putRate = async (bucket: string) => {
      const body = Buffer.alloc(1024, 0x61);
      const start = performance.now();
      await inParallel(range(options.puts), IN_FLIGHT, async (i) => {
        await cloud.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `put-${i}`, Body: body }));
      });
      return options.puts / ((performance.now() - start) / 1000);
    };
    const putsPerSecondPlain = await putRate("bench-async-plain");
    const putsPerSecondNotified = await putRate("bench-async-notified");
    // Let the notified events run before the next group starts measuring.
    await until(() => runs() >= options.events + options.puts, performance.now());
    return {
      inFlight: IN_FLIGHT,
      events: options.events,
      acceptedPerSecond: Math.round(acceptedPerSecond),
      drainedMs: drained,
      puts: options.puts,
      putsPerSecondPlain: Math.round(putsPerSecondPlain),
      putsPerSecondNotified: Math.round(putsPerSecondNotified),
    };
  } finally {
    lambda.destroy();
    iam.destroy();
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** A function that appends two bytes to a file per event it runs; returns its ARN. */
async function createCounter(iam: IAMClient, lambda: LambdaClient, file: string): Promise<string> {
  const trust = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  };
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: "bench-counter-role",
      AssumeRolePolicyDocument: JSON.stringify(trust),
    }),
  );
  const code = `import { appendFileSync } from "node:fs";
export const handler = async () => { appendFileSync(process.env.RAN, "x\\n"); return {}; };`;
  const zipPath = join(dirname(file), "counter.zip");
  await writeDeterministicZip([{ name: "index.mjs", data: Buffer.from(code) }], zipPath);
  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: "bench-counter",
      Runtime: "nodejs22.x",
      Role: role.Role!.Arn!,
      Handler: "index.handler",
      Code: { ZipFile: readFileSync(zipPath) },
      Environment: { Variables: { RAN: file } },
    }),
  );
  // A new function is Pending for a moment, as on AWS: wait until it is Active.
  for (let config = created; config.State !== "Active"; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "bench-counter" }));
  }
  return created.FunctionArn!;
}

/** Milliseconds from `since` until `done()` holds, or null past the bound. */
async function until(done: () => boolean, since: number): Promise<number | null> {
  while (!done()) {
    if (performance.now() - since > DRAIN_LIMIT_MS) return null;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Math.round(performance.now() - since);
}

const range = (count: number) => Array.from({ length: count }, (_, i) => i);
