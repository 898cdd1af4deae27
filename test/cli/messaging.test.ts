// Issue 11's "done when", through the CLI on an in-process local cloud (real zips, IAM enforced): a change
// reaches a subscribed queue as one message with the right totals; a tracker that fails lands its event
// in the failure queue after its retries, the alarm goes to ALARM and tells the topic, and once the table
// is back `failures --redrive` writes the record and empties the queue.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteTableCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetFunctionEventInvokeConfigCommand } from "@aws-sdk/client-lambda";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ListTopicsCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { mutatingCalls } from "../../cli/aws-clients.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, expectOneLineError, runCli } from "./run-cli.ts";

const DATA_BUCKET = "testbucket-000000000000-us-east-1";
const TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:s3size-events";
const QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:s3size-failures";
const WATCHER = "test-watcher";

interface Envelope {
  Type: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

describe("s3size notifications, failure queue and alarm on the local cloud (issue 11)", function () {
  this.timeout(180_000);
  let cloud: LocalCloud;
  let work: string;
  let stateDir: string;
  let watcherUrl: string;
  /** Every envelope the test's queue has received so far, in order. */
  const received: Envelope[] = [];
  const cli = (...args: string[]) =>
    runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", stateDir], { cwd: work });
  const clients = () => cloudClients(cloud.endpoint);

  /** Receives from the watcher queue until `done` holds for what has arrived, or the time is up. */
  async function receiveUntil(done: (all: Envelope[]) => boolean, ms = 30_000): Promise<Envelope[]> {
    const deadline = Date.now() + ms;
    while (!done(received) && Date.now() < deadline) {
      const { Messages = [] } = await clients().sqs.send(
        new ReceiveMessageCommand({ QueueUrl: watcherUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      received.push(...Messages.map((m: Message) => JSON.parse(m.Body!) as Envelope));
    }
    return received;
  }
  const trackerMessages = (outcome: string) =>
    received.filter((e) => e.MessageAttributes?.outcome?.Value === outcome).map((e) => JSON.parse(e.Message));

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-messaging-"));
    stateDir = join(work, ".s3size");
    // Retries 100 ms apart instead of AWS's minutes, and alarm minutes of one second.
    cloud = await startLocalCloud({
      stateDir: join(work, "cloud"),
      port: 0,
      realism: { asyncRetryDelayMs: 100, alarmMinuteMs: 1000, queueNameReuseMs: 2000 },
    });
    const setup = await cli("setup", "--notify-email", "grader@example.com");
    expect(setup.code, setup.stderr).to.equal(0);
  });

  after(async () => {
    await cloud?.stop();
  });

  it("sets up the topic, the failure queue, the tracker's failure destination and the Errors alarm", async () => {
    const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8"));
    expect(Object.keys(state.completed)).to.include.members([
      "topic",
      "failure-queue",
      "failure-destination",
      "alarm",
    ]);
    expect(state.notifyEmail).to.equal("grader@example.com");
    const config = await clients().lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: "s3size-size-tracking" }),
    );
    expect(config.MaximumRetryAttempts).to.equal(2);
    expect(config.DestinationConfig?.OnFailure?.Destination).to.equal(QUEUE_ARN);
    const { MetricAlarms } = await clients().cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ["s3size-size-tracking-errors"] }),
    );
    expect(MetricAlarms?.[0]).to.deep.include({
      MetricName: "Errors",
      Statistic: "Sum",
      Threshold: 1,
      Period: 60,
      AlarmActions: [TOPIC_ARN],
    });
    const { PolicyDocument } = await clients().iam.send(
      new GetRolePolicyCommand({
        RoleName: "s3size-size-tracking-role",
        PolicyName: "s3size-size-tracking-policy",
      }),
    );
    const statements = JSON.parse(decodeURIComponent(PolicyDocument!)).Statement as Array<{
      Action: string[];
      Resource: string[];
    }>;
    const grant = (action: string) =>
      statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);
    expect(grant("sns:Publish")).to.deep.equal([TOPIC_ARN]);
    expect(grant("sqs:SendMessage")).to.deep.equal([QUEUE_ARN]);
  });

  it("shows the email subscription pending in `status`, and a second setup changes nothing", async () => {
    const status = await cli("status", "--json");
    expect(status.code, status.stderr).to.equal(0);
    const doc = JSON.parse(status.stdout);
    expect(doc.emailSubscription).to.deep.equal({ address: "grader@example.com", state: "pending" });
    expect(doc.alarm.name).to.equal("s3size-size-tracking-errors");
    const again = await cli("setup");
    expect(again.code, again.stderr).to.equal(0);
    expect(mutatingCalls(again.calls)).to.deep.equal([]);
  });

  it("prints the confirmation link with `notifications`; opening it makes the subscription confirmed", async () => {
    const run = await cli("notifications");
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/email grader@example.com: pending/);
    const link = /confirm: (\S+)/.exec(run.stdout)?.[1];
    expect(link, run.stdout).to.match(/Action=ConfirmSubscription/);
    expect((await fetch(link!)).status).to.equal(200);
    const status = JSON.parse((await cli("status", "--json")).stdout);
    expect(status.emailSubscription.state).to.equal("confirmed");
  });

  it("publishes one message per change, with the previous and new totals, to a queue the test subscribes", async () => {
    const { sqs, sns, s3 } = clients();
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "sns.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: `arn:aws:sqs:us-east-1:000000000000:${WATCHER}`,
          Condition: { ArnEquals: { "aws:SourceArn": TOPIC_ARN } },
        },
      ],
    };
    watcherUrl = (
      await sqs.send(
        new CreateQueueCommand({ QueueName: WATCHER, Attributes: { Policy: JSON.stringify(policy) } }),
      )
    ).QueueUrl!;
    await sns.send(
      new SubscribeCommand({
        TopicArn: TOPIC_ARN,
        Protocol: "sqs",
        Endpoint: `arn:aws:sqs:us-east-1:000000000000:${WATCHER}`,
      }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "first.txt", Body: "Empty Assignment 1" }),
    );
    await receiveUntil(() => trackerMessages("success").length >= 1);
    await s3.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "second.txt", Body: "123456789" }));
    await receiveUntil(() => trackerMessages("success").length >= 2);
    // Time for a duplicate to show up, if one were sent.
    await receiveUntil(() => false, 1500);
    const messages = trackerMessages("success");
    expect(messages.map((m) => [m.key, m.previousTotal, m.newTotal])).to.deep.equal([
      ["first.txt", null, 18],
      ["second.txt", 18, 27],
    ]);
    expect(messages[1]).to.include({ bucket: DATA_BUCKET, event: "ObjectCreated:Put", objectCount: 2 });
    const envelope = received.find((e) => e.MessageAttributes?.outcome?.Value === "success")!;
    expect(envelope.Type).to.equal("Notification");
    expect(envelope.MessageAttributes?.bucket).to.deep.equal({ Type: "String", Value: DATA_BUCKET });
    const outbox = JSON.parse((await cli("notifications", "--json")).stdout).outbox as Array<{
      subject: string;
    }>;
    expect(outbox.map((m) => m.subject)).to.include(`s3size: ${DATA_BUCKET} 18 -> 27 bytes`);
  });

  it("sends a failing tracker's event to the failure queue after its retries, and the alarm to ALARM on the topic", async () => {
    const { dynamodb, s3, cloudwatch } = clients();
    await dynamodb.send(new DeleteTableCommand({ TableName: "S3-object-size-history" }));
    await s3.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "during outage.txt", Body: "12345" }));
    let failures: Array<{ keys: string[]; error: string; condition: string; attempts: number }> = [];
    const deadline = Date.now() + 30_000;
    while (failures.length === 0 && Date.now() < deadline) {
      const run = await cli("failures", "--json");
      expect(run.code, run.stderr).to.equal(0);
      failures = JSON.parse(run.stdout).failures;
    }
    expect(failures).to.have.length(1);
    expect(failures[0]).to.include({ condition: "RetriesExhausted", attempts: 3 });
    expect(failures[0]!.keys).to.deep.equal(["during outage.txt"]);
    expect(failures[0]!.error).to.match(/ResourceNotFoundException/);
    const status = JSON.parse((await cli("status", "--json")).stdout);
    expect(status.failedEvents).to.equal(1);
    // One failure message per failed attempt, and the alarm's own notification.
    await receiveUntil(
      (all) => trackerMessages("failure").length >= 3 && all.some((e) => e.Subject?.startsWith("ALARM:")),
    );
    expect(trackerMessages("failure")[0]).to.include({ outcome: "failure", bucket: DATA_BUCKET });
    const alarm = JSON.parse(received.find((e) => e.Subject?.startsWith("ALARM:"))!.Message);
    expect(alarm).to.include({ AlarmName: "s3size-size-tracking-errors", NewStateValue: "ALARM" });
    const { AlarmHistoryItems = [] } = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: "s3size-size-tracking-errors",
        HistoryItemType: "StateUpdate",
      }),
    );
    expect(AlarmHistoryItems.map((item) => item.HistorySummary)).to.include("Alarm updated from OK to ALARM");
  });

  it("redrives the failed event once the table is back: the record is written and the queue is empty", async () => {
    const setup = await cli("setup");
    expect(setup.code, setup.stderr).to.equal(0);
    const redrive = await cli("failures", "--redrive");
    expect(redrive.code, redrive.stderr + redrive.stdout).to.equal(0);
    expect(redrive.stdout).to.match(/1 redriven and removed, 0 still failing/);
    const { Items = [] } = await clients().dynamodb.send(
      new QueryCommand({
        TableName: "S3-object-size-history",
        KeyConditionExpression: "bucket_name = :b",
        ExpressionAttributeValues: { ":b": { S: DATA_BUCKET } },
      }),
    );
    expect(Items.map((item) => [item.object_key?.S, Number(item.total_size!.N)])).to.deep.equal([
      ["during outage.txt", 32],
    ]);
    const url = (await clients().sqs.send(new GetQueueUrlCommand({ QueueName: "s3size-failures" }))).QueueUrl;
    const { Attributes } = await clients().sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
    );
    expect([
      Attributes?.ApproximateNumberOfMessages,
      Attributes?.ApproximateNumberOfMessagesNotVisible,
    ]).to.deep.equal(["0", "0"]);
    expect((await cli("failures")).stdout).to.match(/no failed events in s3size-failures/);
  });

  it("purges the failure queue only when confirmed", async () => {
    const { sqs } = clients();
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: "s3size-failures" }))).QueueUrl;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify({ timestamp: "2026-01-01T00:00:00Z" }),
      }),
    );
    expectOneLineError(
      await cli("failures", "--purge"),
      /--purge would delete 1 failed event and cannot ask/,
      /--yes/,
    );
    const purge = await cli("failures", "--purge", "--yes");
    expect(purge.code, purge.stderr).to.equal(0);
    expect(purge.stdout).to.match(/deleted 1 failed event/);
    expect((await cli("failures")).stdout).to.match(/no failed events/);
  });

  it("tears the topic, queue and alarm down with the rest", async () => {
    await clients().sqs.send(new DeleteQueueCommand({ QueueUrl: watcherUrl }));
    const teardown = await cli("teardown", "--yes");
    expect(teardown.code, teardown.stderr).to.equal(0);
    expect((await clients().sns.send(new ListTopicsCommand({}))).Topics ?? []).to.deep.equal([]);
    expect((await clients().sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).to.deep.equal([]);
    const { MetricAlarms = [] } = await clients().cloudwatch.send(new DescribeAlarmsCommand({}));
    expect(MetricAlarms).to.deep.equal([]);
  });

  it("sets up again right after a teardown, waiting while SQS keeps the deleted queue's name", async () => {
    const setup = await cli("setup");
    expect(setup.code, setup.stderr).to.equal(0);
    expect(setup.calls.filter((c) => c.command === "CreateQueue").length).to.be.greaterThan(1);
    expect((await cli("teardown", "--yes")).code).to.equal(0);
  });
});
