// What the durable asynchronous queue does with a function's settings: retries with their delay, maximum
// event age, the invocation records sent to SQS, SNS, EventBridge and Lambda destinations, a restart,
// and the AWS/Lambda metrics of invocations.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  DeleteFunctionCommand,
  InvokeCommand,
  PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { EventQueueStore } from "../../local/lambda/event-queue.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { createFunction, createLambdaRole, ECHO_FUNCTION_DIR, zipFolder } from "./fixtures/lambda.ts";
import {
  type LambdaWithFakes,
  type Metric,
  ROLE,
  removeDataDir,
  startLambdaWithFakes,
} from "./fixtures/lambda-with-fakes.ts";

const ARN = "arn:aws:lambda:us-east-1:000000000000:function";
const QUEUE = "arn:aws:sqs:us-east-1:000000000000:s3size-failures";
const TOPIC = "arn:aws:sns:us-east-1:000000000000:s3size-events";
const BUS = "arn:aws:events:us-east-1:000000000000:event-bus/default";

async function until<T>(probe: () => T | undefined, what: string, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A function that writes each event it gets to `<dir>/<n>.json`, for a Lambda destination to hit. */
async function eventWriterZip(): Promise<Buffer> {
  const code = `import { readdirSync, renameSync, writeFileSync } from "node:fs";
export const handler = async (event) => {
  const path = process.env.OUT + "/" + readdirSync(process.env.OUT).length + "-" + Math.random();
  writeFileSync(path + ".tmp", JSON.stringify(event));
  renameSync(path + ".tmp", path + ".json");
};`;
  return zipFolder(mkdtempSync(join(tmpdir(), "s3size-empty-")), { "index.mjs": code });
}

describe("local Lambda asynchronous invocation queue", () => {
  let cloud: LambdaWithFakes;
  let zip: Buffer;
  let outDir: string;
  before(async () => {
    cloud = await startLambdaWithFakes({ asyncRetryDelayMs: 150 });
    zip = await zipFolder(ECHO_FUNCTION_DIR);
    outDir = mkdtempSync(join(tmpdir(), "s3size-destination-"));
  });
  after(async () => {
    await cloud.stop();
    removeDataDir(cloud.dataDir);
    rmSync(outDir, { recursive: true, force: true });
  });

  const invokeEvent = (name: string, event: unknown) =>
    cloud.lambda.send(
      new InvokeCommand({
        FunctionName: name,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );

  it("retries a failing event as configured, waiting the retry delay, then sends AWS's failure record to SQS", async () => {
    await createFunction(cloud.lambda, { name: "failing", role: ROLE, zip });
    await cloud.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "failing",
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: QUEUE } },
      }),
    );
    const attemptsFile = join(outDir, "attempts.txt");
    const acceptedAt = Date.now();
    const accepted = await invokeEvent("failing", { action: "append-then-throw", file: attemptsFile });
    expect(accepted.StatusCode).to.equal(202);
    const message = await until(() => cloud.sent.sqs[0], "the failure record");
    expect(Date.now() - acceptedAt).to.be.at.least(150);
    expect(message.queueArn).to.equal(QUEUE);
    const record = JSON.parse(message.body);
    expect(record).to.include({ version: "1.0" });
    expect(new Date(record.timestamp).toISOString()).to.equal(record.timestamp);
    expect(record.requestContext).to.deep.equal({
      requestId: accepted.$metadata.requestId,
      functionArn: `${ARN}:failing:$LATEST`,
      condition: "RetriesExhausted",
      approximateInvokeCount: 2,
    });
    expect(record.requestPayload).to.deep.equal({ action: "append-then-throw", file: attemptsFile });
    expect(record.responseContext).to.deep.equal({
      statusCode: 200,
      executedVersion: "$LATEST",
      functionError: "Unhandled",
    });
    expect(record.responsePayload).to.include({ errorType: "Error", errorMessage: "failing on purpose" });
    expect(readFileSync(attemptsFile, "utf8").trim().split("\n")).to.have.length(2);
    expect(cloud.sent.sqs).to.have.length(1);
  });

  it("sends a success record to SNS, and a failure one to EventBridge with Lambda's detail type", async () => {
    await createFunction(cloud.lambda, { name: "reporting", role: ROLE, zip });
    await cloud.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "reporting",
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnSuccess: { Destination: TOPIC }, OnFailure: { Destination: BUS } },
      }),
    );
    await invokeEvent("reporting", { tag: "fine" });
    const published = await until(() => cloud.sent.sns[0], "the success record");
    expect(published.topicArn).to.equal(TOPIC);
    const success = JSON.parse(published.message);
    expect(success.requestContext).to.include({ condition: "Success", approximateInvokeCount: 1 });
    expect(success.responseContext).to.deep.equal({ statusCode: 200, executedVersion: "$LATEST" });
    expect(success.responsePayload.event).to.deep.equal({ tag: "fine" });

    await invokeEvent("reporting", { action: "throw", tag: "bad" });
    const event = await until(() => cloud.sent.events[0], "the failure event");
    expect(event).to.deep.include({
      region: "us-east-1",
      source: "lambda",
      detailType: "Lambda Function Invocation Result - Failure",
      busName: "default",
      resources: [BUS, `${ARN}:reporting:$LATEST`],
    });
    expect((event.detail as { requestContext: { condition: string } }).requestContext.condition).to.equal(
      "RetriesExhausted",
    );
  });

  it("invokes a Lambda destination asynchronously with the record", async () => {
    await createFunction(
      cloud.lambda,
      {
        name: "record-sink",
        role: ROLE,
        zip: await eventWriterZip(),
      },
      { Environment: { Variables: { OUT: outDir } } },
    );
    await createFunction(cloud.lambda, { name: "chained", role: ROLE, zip });
    await cloud.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "chained",
        DestinationConfig: { OnSuccess: { Destination: `${ARN}:record-sink` } },
      }),
    );
    await invokeEvent("chained", { tag: "onward" });
    const file = await until(() => readdirJson(outDir)[0], "the record at the destination function");
    const record = JSON.parse(readFileSync(join(outDir, file), "utf8"));
    expect(record.requestContext).to.include({ condition: "Success", functionArn: `${ARN}:chained:$LATEST` });
    expect(record.requestPayload).to.deep.equal({ tag: "onward" });
  });

  it("sends nothing and counts a delivery failure when the role may no longer use the destination", async () => {
    await createFunction(cloud.lambda, { name: "denied-sender", role: ROLE, zip });
    await cloud.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "denied-sender",
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: QUEUE } },
      }),
    );
    // The role changes after the configuration was accepted (IAM now denies it every destination).
    const iam = cloud.ctx.iam!;
    const evaluateRole = iam.evaluateRole!;
    iam.evaluateRole = () => ({ allowed: false, message: "denied" });
    const before = cloud.sent.sqs.length;
    try {
      await invokeEvent("denied-sender", { action: "throw" });
      await until(
        () =>
          cloud.sent.metrics.find(
            (metric) =>
              metric.name === "DestinationDeliveryFailures" &&
              metric.dimensions.FunctionName === "denied-sender",
          ),
        "the delivery failure metric",
      );
    } finally {
      iam.evaluateRole = evaluateRole;
    }
    expect(cloud.sent.sqs.length).to.equal(before);
  });

  it("publishes AWS/Lambda metrics per function and for the account", async () => {
    await createFunction(cloud.lambda, { name: "measured", role: ROLE, zip });
    const metrics = () =>
      cloud.sent.metrics.filter((metric) => metric.dimensions.FunctionName === "measured");
    await cloud.lambda.send(new InvokeCommand({ FunctionName: "measured", Payload: Buffer.from("{}") }));
    await cloud.lambda.send(
      new InvokeCommand({ FunctionName: "measured", Payload: Buffer.from('{"action":"throw"}') }),
    );
    const values = (name: string) =>
      metrics()
        .filter((metric) => metric.name === name)
        .map((metric) => metric.value);
    expect(values("Invocations")).to.deep.equal([1, 1]);
    expect(values("Errors")).to.deep.equal([0, 1]);
    expect(values("Throttles")).to.deep.equal([0, 0]);
    expect(values("ConcurrentExecutions")).to.deep.equal([1, 1]);
    expect(values("Duration")).to.have.length(2);
    for (const metric of metrics()) {
      expect(metric).to.include({ namespace: "AWS/Lambda", region: "us-east-1" });
    }
    expect(metrics().find((metric) => metric.name === "Duration")!.unit).to.equal("Milliseconds");
    const account = (name: string) =>
      cloud.sent.metrics.filter(
        (metric: Metric) => metric.name === name && Object.keys(metric.dimensions).length === 0,
      );
    expect(account("Invocations").length).to.be.at.least(2);
    expect(account("ConcurrentExecutions").length).to.be.at.least(2);

    await invokeEvent("measured", { action: "throw" });
    await until(() => (values("AsyncEventsDropped").length > 0 ? true : undefined), "the dropped event");
    expect(values("AsyncEventsReceived")).to.deep.equal([1]);
    expect(values("AsyncEventAge")).to.have.length(3);
  });

  it("drops the events of a function deleted while they waited, with a debug line", async () => {
    await createFunction(cloud.lambda, { name: "short-lived", role: ROLE, zip });
    const attemptsFile = join(outDir, "short-lived.txt");
    await invokeEvent("short-lived", { action: "append-then-throw", file: attemptsFile });
    await until(() => (readFileIfAny(attemptsFile) ? true : undefined), "the first attempt");
    await cloud.lambda.send(new DeleteFunctionCommand({ FunctionName: "short-lived" }));
    await until(
      () => cloud.sent.debug.find((line) => /dropped event \S+ for deleted function short-lived/.test(line)),
      "the drop",
    );
    expect(readFileIfAny(attemptsFile).trim().split("\n")).to.have.length(1);
  });
});

describe("local Lambda asynchronous queue across a restart", () => {
  it("keeps due times and drops events older than the maximum age with an EventAgeExceeded record", async () => {
    let cloud = await startLambdaWithFakes({ asyncRetryDelayMs: 60_000 });
    const dataDir = cloud.dataDir;
    const outDir = mkdtempSync(join(tmpdir(), "s3size-resume-"));
    try {
      const zip = await zipFolder(ECHO_FUNCTION_DIR);
      await createFunction(cloud.lambda, { name: "patient", role: ROLE, zip });
      await createFunction(cloud.lambda, { name: "stale", role: ROLE, zip });
      await cloud.lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: "stale",
          MaximumEventAgeInSeconds: 3600,
          DestinationConfig: { OnFailure: { Destination: QUEUE } },
        }),
      );
      const patientFile = join(outDir, "patient.txt");
      const staleFile = join(outDir, "stale.txt");
      const send = (name: string, file: string) =>
        cloud.lambda.send(
          new InvokeCommand({
            FunctionName: name,
            InvocationType: "Event",
            Payload: Buffer.from(JSON.stringify({ action: "append-then-throw", file })),
          }),
        );
      await send("patient", patientFile);
      await send("stale", staleFile);
      // Both fail once; their retries are a minute away when the cloud stops.
      const retrying = (name: string) =>
        cloud.sent.debug.find((line) => line.includes(`for ${name} failed attempt 1; retrying in 60000 ms`));
      await until(() => retrying("patient") && retrying("stale"), "both retries to be on disk");
      await cloud.stop();

      // Move the waiting events in time: one is due in 1.5 s, the other was accepted two hours ago.
      const queue = await EventQueueStore.open(join(dataDir, "lambda-async", "queue"));
      const waiting = await queue.all();
      expect(waiting.map((event) => [event.functionName, event.attempts]).sort()).to.deep.equal([
        ["patient", 1],
        ["stale", 1],
      ]);
      const dueAt = Date.now() + 1500;
      for (const event of waiting) {
        if (event.functionName === "patient") await queue.put({ ...event, dueAt });
        else await queue.put({ ...event, enqueuedAt: Date.now() - 2 * 3600_000, dueAt: Date.now() });
      }
      await queue.close();

      cloud = await startLambdaWithFakes({ dataDir, asyncRetryDelayMs: 60_000 });
      const record = JSON.parse((await until(() => cloud.sent.sqs[0], "the EventAgeExceeded record")).body);
      expect(record.requestContext).to.include({ condition: "EventAgeExceeded", approximateInvokeCount: 1 });
      expect(record.responseContext).to.include({ functionError: "Unhandled" });
      expect(readFileIfAny(staleFile).trim().split("\n")).to.have.length(1);

      await until(
        () => (readFileIfAny(patientFile).trim().split("\n").length === 2 ? true : undefined),
        "the retry",
      );
      expect(Date.now()).to.be.at.least(dueAt);
    } finally {
      await cloud.stop();
      removeDataDir(dataDir);
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

function readFileIfAny(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function readdirJson(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".json"));
}

describe("local Lambda destinations and metrics through the cloud's own SQS and CloudWatch", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  it("puts the failure record of a failed event in a real queue, and counts the error in AWS/Lambda", async () => {
    const { iam, lambda, sqs, cloudwatch } = test.clients;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "async-failures" }));
    const queueArn = "arn:aws:sqs:us-east-1:000000000000:async-failures";
    const role = await createLambdaRole(iam, "async-failures-role");
    // The execution role sends the record, so it must be allowed to, as on AWS.
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "async-failures-role",
        PolicyName: "send-failures",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn }],
        }),
      }),
    );
    await createFunction(lambda, { name: "fails-async", role, zip: await zipFolder(ECHO_FUNCTION_DIR) });
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "fails-async",
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: queueArn } },
      }),
    );
    const startTime = new Date(Date.now() - 60_000);
    await lambda.send(
      new InvokeCommand({
        FunctionName: "fails-async",
        InvocationType: "Event",
        Payload: Buffer.from('{"action":"throw","tag":"queued"}'),
      }),
    );
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 1 }),
    );
    const record = JSON.parse(received.Messages?.[0]?.Body ?? "{}");
    expect(record.requestContext).to.include({ condition: "RetriesExhausted", approximateInvokeCount: 1 });
    expect(record.requestPayload).to.deep.equal({ action: "throw", tag: "queued" });
    expect(record.responsePayload).to.include({ errorType: "TypeError", errorMessage: "boom queued" });

    const errors = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: "fails-async" }],
        StartTime: startTime,
        EndTime: new Date(Date.now() + 60_000),
        Period: 60,
        Statistics: ["Sum"],
      }),
    );
    const sum = (errors.Datapoints ?? []).reduce((total, point) => total + (point.Sum ?? 0), 0);
    expect(sum).to.equal(1);
  });
});
