// Durable events: an S3 event whose PUT was acknowledged reaches its function even when the local cloud
// is killed with SIGKILL right after the burst, and restarted on the same state dir (at least once, as
// AWS promises). The cloud runs as a real child process so that the kill is a real one.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { AddPermissionCommand } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { clientsFor } from "./cloud.ts";
import { createFunction, createLambdaRole, zipFolder } from "./fixtures/lambda.ts";

const CLOUD_PROCESS = new URL("./fixtures/cloud-process.ts", import.meta.url).pathname;
const RECORDER_DIR = new URL("./fixtures/lambda-key-recorder/", import.meta.url).pathname;

interface CloudProcess {
  child: ChildProcess;
  endpoint: string;
  exited: Promise<void>;
}

async function startCloudProcess(stateDir: string): Promise<CloudProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CLOUD_PROCESS, stateDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  const endpoint = await new Promise<string>((resolve, reject) => {
    lines.once("line", (line) => resolve((JSON.parse(line) as { endpoint: string }).endpoint));
    child.once("exit", (code) => reject(new Error(`the cloud process exited (${code}) before it listened`)));
  });
  return { child, endpoint, exited };
}

/** Runs `work` over `items` with at most `limit` in flight, as a busy client does. */
async function inFlight<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

describe("local cloud durable asynchronous invocations", function () {
  this.timeout(180_000);
  const processes: CloudProcess[] = [];
  let stateDir: string;
  before(() => {
    stateDir = mkdtempSync(join(tmpdir(), "s3size-durable-"));
  });
  after(async () => {
    for (const running of processes) {
      running.child.kill("SIGTERM");
      await running.exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("delivers every event of a burst of acknowledged PUTs after kill -9 right after the last, and a restart", async () => {
    const recordFile = join(stateDir, "recorded.txt");
    // Closed until the restart: the kill then finds every event still queued or running.
    const gateFile = join(stateDir, "gate-open");
    const recorded = () =>
      new Set(existsSync(recordFile) ? readFileSync(recordFile, "utf8").split("\n").filter(Boolean) : []);
    const first = await startCloudProcess(stateDir);
    processes.push(first);
    const clients = clientsFor(first.endpoint);
    const role = await createLambdaRole(clients.iam, "recorder-role");
    const created = await createFunction(
      clients.lambda,
      { name: "recorder", role, zip: await zipFolder(RECORDER_DIR) },
      { Timeout: 900, Environment: { Variables: { RECORD_FILE: recordFile, GATE_FILE: gateFile } } },
    );
    await clients.s3.send(new CreateBucketCommand({ Bucket: "durable-events" }));
    await clients.lambda.send(
      new AddPermissionCommand({
        FunctionName: "recorder",
        StatementId: "s3",
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
        SourceArn: "arn:aws:s3:::durable-events",
      }),
    );
    await clients.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "durable-events",
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { LambdaFunctionArn: created.FunctionArn!, Events: ["s3:ObjectCreated:*"] },
          ],
        },
      }),
    );

    const keys = Array.from({ length: 240 }, (_, index) => `burst/object-${String(index).padStart(3, "0")}`);
    await inFlight(keys, 16, (key) =>
      clients.s3.send(new PutObjectCommand({ Bucket: "durable-events", Key: key, Body: key })),
    );
    first.child.kill("SIGKILL");
    await first.exited;
    for (const client of Object.values(clients)) client.destroy();
    expect(recorded().size).to.equal(0);
    writeFileSync(gateFile, "");

    const second = await startCloudProcess(stateDir);
    processes.push(second);
    const until = Date.now() + 120_000;
    while (keys.some((key) => !recorded().has(key)) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const missing = keys.filter((key) => !recorded().has(key));
    expect(missing).to.deep.equal([]);
  });
});
