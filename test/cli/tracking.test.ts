// Issue 10's CLI side end to end on an in-process local cloud, through the CLI's own code paths with the
// real zips and IAM enforced: incremental tracking's index table and schedule, the demo on a bucket
// that already holds a user's object, and track / reconcile / status / untrack / teardown on a user's
// own bucket whose other notification configuration must survive.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTimeToLiveCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { DescribeRuleCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, GetPolicyCommand } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { CreateQueueCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import type { AwsClients } from "../../cli/aws-clients.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { clientsFor } from "../local/cloud.ts";
import { cloudClients, DEMO_SLEEP_MS, expectOneLineError, leftovers, runCli } from "./run-cli.ts";

const DATA_BUCKET = "testbucket-000000000000-us-east-1";
const USER_BUCKET = "user-photos-000";
const INDEX_TABLE = "S3-object-size-index";

describe("s3size tracking on the local cloud: incremental mode, track, reconcile, untrack", function () {
  this.timeout(240_000);
  let cloud: LocalCloud;
  let aws: AwsClients;
  let work: string;
  let stateDir: string;
  const cli = (...args: string[]) =>
    runCli(
      [...args, "--tracking", "incremental", "--endpoint-url", cloud.endpoint, "--state-dir", stateDir],
      {
        cwd: work,
      },
    );
  const json = async (...args: string[]) => {
    const run = await cli(...args, "--json");
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout);
  };
  /** Waits (bounded) until the bucket's newest record shows `bytes`, as the tracker writes it. */
  async function newestRecordShows(bucket: string, bytes: number): Promise<void> {
    for (let attempt = 0; attempt < 150; attempt += 1) {
      const { Items } = await aws.dynamodb.send(
        new QueryCommand({
          TableName: "S3-object-size-history",
          KeyConditionExpression: "bucket_name = :b",
          ExpressionAttributeValues: { ":b": { S: bucket } },
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      if (Items?.[0] && Number(Items[0].total_size!.N) === bytes) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no record of ${bytes} bytes in ${bucket}`);
  }
  const trackerPolicy = async () => {
    const { PolicyDocument } = await aws.iam.send(
      new GetRolePolicyCommand({
        RoleName: "s3size-size-tracking-role",
        PolicyName: "s3size-size-tracking-policy",
      }),
    );
    return decodeURIComponent(PolicyDocument!);
  };
  const permissionIds = async () => {
    const { Policy } = await aws.lambda.send(new GetPolicyCommand({ FunctionName: "s3size-size-tracking" }));
    return (JSON.parse(Policy!).Statement as Array<{ Sid: string }>).map((s) => s.Sid).sort();
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-tracking-e2e-"));
    stateDir = join(work, ".s3size");
    cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 0 });
    aws = cloudClients(cloud.endpoint);
  });

  after(async () => {
    await cloud?.stop();
  });

  it("sets up incremental tracking: the index table with TTL, the tracker's mode and grants, the daily schedule", async () => {
    const run = await cli("setup");
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include(`create index table ${INDEX_TABLE}`);
    const { TimeToLiveDescription } = await aws.dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: INDEX_TABLE }),
    );
    expect(TimeToLiveDescription).to.deep.equal({ TimeToLiveStatus: "ENABLED", AttributeName: "expires_at" });
    const config = await aws.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "s3size-size-tracking" }),
    );
    expect(config.Environment?.Variables).to.deep.include({
      S3SIZE_TRACKING: "incremental",
      INDEX_TABLE,
    });
    expect(await trackerPolicy()).to.include(`table/${INDEX_TABLE}`);
    const rule = await aws.events.send(new DescribeRuleCommand({ Name: "s3size-reconcile" }));
    expect(rule.ScheduleExpression).to.equal("rate(1 day)");
    const { Targets } = await aws.events.send(new ListTargetsByRuleCommand({ Rule: "s3size-reconcile" }));
    expect(Targets?.map((t) => t.Arn)).to.deep.equal([
      "arn:aws:lambda:us-east-1:000000000000:function:s3size-size-tracking",
    ]);
    const { Policy } = await aws.lambda.send(new GetPolicyCommand({ FunctionName: "s3size-size-tracking" }));
    const statements = JSON.parse(Policy!).Statement as Array<{
      Principal?: { Service?: string };
      Condition?: { ArnLike?: Record<string, string> };
    }>;
    const fromRule = statements.find((s) => s.Principal?.Service === "events.amazonaws.com");
    expect(fromRule?.Condition?.ArnLike?.["AWS:SourceArn"]).to.equal(rule.Arn);
    const again = await cli("setup");
    expect(again.stdout).to.include("everything is up to date");
  });

  it("runs the demo on a data bucket that already holds a user's object: that size plus 18, 27, 0 and 2", async () => {
    await aws.s3.send(
      new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "user-notes.txt", Body: "x".repeat(100) }),
    );
    await newestRecordShows(DATA_BUCKET, 100);
    const doc = await json("demo", "--sleep-ms", DEMO_SLEEP_MS, "--out", "demo.png");
    expect(doc.before).to.deep.equal({ totalSize: 100, objectCount: 1 });
    expect(doc.history.map((p: { totalSize: number }) => p.totalSize)).to.deep.equal([118, 127, 100, 102]);
    expect(doc.history.map((p: { objectCount: number }) => p.objectCount)).to.deep.equal([2, 2, 1, 2]);
  });

  it("tracks a user's bucket: its other notification kept, a permission and a grant for it alone, a baseline record", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: USER_BUCKET }));
    await aws.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: USER_BUCKET,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    await aws.s3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: "a.bin", Body: "a".repeat(10) }));
    await aws.s3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: "b.bin", Body: "b".repeat(20) }));

    const doc = await json("track", USER_BUCKET);
    expect(doc.baseline.outcome).to.equal("recorded");
    expect([doc.baseline.record.totalSize, doc.baseline.record.objectCount]).to.deep.equal([30, 2]);

    const notification = await aws.s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: USER_BUCKET }),
    );
    expect(notification.EventBridgeConfiguration).to.deep.equal({});
    expect(notification.LambdaFunctionConfigurations?.map((c) => c.LambdaFunctionArn)).to.deep.equal([
      "arn:aws:lambda:us-east-1:000000000000:function:s3size-size-tracking",
    ]);
    expect(await permissionIds()).to.include(`s3size-s3-invoke-${USER_BUCKET}`);
    expect(await trackerPolicy()).to.include(`arn:aws:s3:::${USER_BUCKET}`);

    // The tracker (its real zip, its own role) now counts the bucket's changes.
    await aws.s3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: "c.bin", Body: "c".repeat(5) }));
    await newestRecordShows(USER_BUCKET, 35);
    const history = await json("history", "--bucket", USER_BUCKET);
    expect(history.records.map((r: { totalSize: number }) => r.totalSize)).to.deep.equal([30, 35]);
    const plot = await json("plot", "--bucket", USER_BUCKET, "--out", "user.png");
    expect(plot.bytes).to.be.greaterThan(1000);
    expect(new URL(plot.url).searchParams.get("bucket")).to.equal(USER_BUCKET);
  });

  it("repairs a tracked bucket's notification with setup, and reconciles the change it missed meanwhile", async () => {
    // Someone replaces the bucket's notification configuration: the tracker misses the next upload.
    await aws.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: USER_BUCKET,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    await aws.s3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: "d.bin", Body: "d".repeat(7) }));
    const status = await cli("status", "--json");
    expect(status.code, "status exits 3 on drift").to.equal(3);
    const drifted = JSON.parse(status.stdout).steps.filter((step: { upToDate: boolean }) => !step.upToDate);
    expect(drifted.map((step: { name: string }) => step.name)).to.deep.equal(["tracked-buckets"]);
    const repair = await cli("setup");
    expect(repair.code, repair.stderr).to.equal(0);
    expect(repair.stdout).to.include(`notify s3size-size-tracking of changes in ${USER_BUCKET}`);

    const doc = await json("reconcile", "--bucket", USER_BUCKET);
    const [report] = doc.buckets;
    expect(report.bucket).to.equal(USER_BUCKET);
    expect([report.added, report.changed, report.removed]).to.deep.equal([1, 0, 0]);
    expect([report.before.totalSize, report.after.totalSize, report.driftBytes]).to.deep.equal([35, 42, 7]);
    expect(report.examples.map((e: { key: string }) => e.key)).to.deep.equal(["d.bin"]);
    await newestRecordShows(USER_BUCKET, 42);
    const clean = await json("reconcile");
    expect(clean.buckets.map((r: { bucket: string }) => r.bucket).sort()).to.deep.equal([
      DATA_BUCKET,
      USER_BUCKET,
    ]);
    expect(clean.buckets.every((r: { driftBytes: number }) => r.driftBytes === 0)).to.equal(true);
  });

  it("lists the tracked buckets with their totals in `status`, all up to date", async () => {
    const run = await cli("status", "--json");
    expect(run.code, run.stderr).to.equal(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.upToDate).to.equal(true);
    expect(doc.tracking.mode).to.equal("incremental");
    expect(doc.tracking.buckets).to.deep.include({
      bucket: USER_BUCKET,
      totalSize: 42,
      objectCount: 4,
      baselineRunning: false,
    });
    const human = await cli("status");
    expect(human.stdout).to.include(`tracked bucket ${USER_BUCKET}: 42 bytes in 4 objects`);
  });

  it("untracks exactly what track did, leaving the bucket, its objects, its other notification and its history", async () => {
    const doc = await json("untrack", USER_BUCKET);
    expect(doc.indexItemsDeleted).to.be.greaterThan(0);
    const notification = await aws.s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: USER_BUCKET }),
    );
    expect(notification.EventBridgeConfiguration).to.deep.equal({});
    expect(notification.LambdaFunctionConfigurations ?? []).to.deep.equal([]);
    expect(await permissionIds()).not.to.include(`s3size-s3-invoke-${USER_BUCKET}`);
    expect(await trackerPolicy()).not.to.include(USER_BUCKET);
    const { Contents } = await aws.s3.send(new ListObjectsV2Command({ Bucket: USER_BUCKET }));
    expect(Contents?.map((o) => o.Key)).to.deep.equal(["a.bin", "b.bin", "c.bin", "d.bin"]);
    const history = await json("history", "--bucket", USER_BUCKET);
    expect(history.records.length).to.be.at.least(2);
    const { Count } = await aws.dynamodb.send(
      new QueryCommand({
        TableName: INDEX_TABLE,
        KeyConditionExpression: "bucket_name = :b",
        ExpressionAttributeValues: { ":b": { S: USER_BUCKET } },
      }),
    );
    expect(Count).to.equal(0);
    const status = await json("status");
    expect(status.tracking.buckets.map((b: { bucket: string }) => b.bucket)).to.deep.equal([DATA_BUCKET]);
  });

  it("refuses to track a bucket that does not exist, or the plot bucket, changing nothing", async () => {
    const missing = await cli("track", "no-such-bucket-000");
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/^error: bucket no-such-bucket-000 does not exist\nhint: /);
    const plot = await cli("track", `${DATA_BUCKET}-plots`);
    expect(plot.code).to.equal(1);
    expect(plot.stderr).to.include("is the stack's plot bucket");
  });

  it("explains S3's refusal when the bucket already sends the same events elsewhere, and leaves nothing attached", async () => {
    const busy = "busy-bucket-000";
    const { sqs } = clientsFor(cloud.endpoint);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "audit" }));
    const queueArn = "arn:aws:sqs:us-east-1:000000000000:audit";
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnLike: { "aws:SourceArn": `arn:aws:s3:::${busy}` } },
              },
            ],
          }),
        },
      }),
    );
    await aws.s3.send(new CreateBucketCommand({ Bucket: busy }));
    await aws.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: busy,
        NotificationConfiguration: {
          QueueConfigurations: [{ Id: "audit", QueueArn: queueArn, Events: ["s3:ObjectCreated:*"] }],
        },
      }),
    );
    expectOneLineError(
      await cli("track", busy),
      new RegExp(
        `${busy} already sends object creations or removals to ${queueArn} \\(configuration audit\\)`,
      ),
      /SNS topic or EventBridge/,
    );
    expect(await permissionIds()).not.to.include(`s3size-s3-invoke-${busy}`);
    expect(await trackerPolicy()).not.to.include(busy);
    const status = await json("status");
    expect(status.tracking.buckets.map((b: { bucket: string }) => b.bucket)).to.deep.equal([DATA_BUCKET]);
    const { QueueConfigurations } = await aws.s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: busy }),
    );
    expect(QueueConfigurations?.map((c) => c.Id)).to.deep.equal(["audit"]);
  });

  it("lets the schedule invoke the tracker, which reconciles a change nobody was notified of", async () => {
    // The data bucket loses its notification for one upload; setup repairs it, the schedule finds it.
    await aws.s3.send(
      new PutBucketNotificationConfigurationCommand({ Bucket: DATA_BUCKET, NotificationConfiguration: {} }),
    );
    await aws.s3.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "missed.txt", Body: "m".repeat(9) }));
    // Minutes of 100 ms: "rate(5 minutes)" fires every half second.
    cloud.realism.scheduleMinuteMs = 100;
    try {
      const run = await cli("setup", "--reconcile-schedule", "rate(5 minutes)");
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.include("schedule s3size-reconcile (rate(5 minutes))");
      let found: Record<string, { S?: string; N?: string }> | undefined;
      for (let attempt = 0; attempt < 100 && !found; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const { Items } = await aws.dynamodb.send(
          new QueryCommand({
            TableName: "S3-object-size-history",
            KeyConditionExpression: "bucket_name = :b",
            ExpressionAttributeValues: { ":b": { S: DATA_BUCKET } },
          }),
        );
        found = Items?.find((item) => item.event_name?.S === "s3size:Reconcile");
      }
      expect(found, "a record of the scheduled reconciliation").not.to.equal(undefined);
      expect(Number(found!.total_size!.N)).to.equal(111);
    } finally {
      cloud.realism.scheduleMinuteMs = 60_000;
    }
  });

  it("left no use of any role denied: the grants from trackerStatements() and the driver's are enough", async () => {
    for (const role of ["s3size-size-tracking-role", "s3size-driver-role"]) {
      const doc = await json("policy", "--role", role);
      const [analysis] = doc.roles;
      expect(analysis.usedButDenied, role).to.deep.equal([]);
      expect(analysis.usedAndGranted.length, role).to.be.greaterThan(0);
    }
  });

  it("teardown untracks what it tracked and removes the index table and the schedule, never the user's bucket", async () => {
    const tracked = await json("track", USER_BUCKET);
    expect(tracked.baseline.record.totalSize).to.equal(42);
    const run = await cli("teardown", "--yes");
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include(`remove the notification of ${USER_BUCKET}`);
    expect(run.stdout).to.include(`delete index table ${INDEX_TABLE}`);
    expect(run.stdout).to.include("delete EventBridge rule s3size-reconcile");
    expect(await leftovers(aws)).to.deep.equal(["bucket busy-bucket-000", `bucket ${USER_BUCKET}`]);
    const notification = await aws.s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: USER_BUCKET }),
    );
    expect(notification).to.deep.include({ EventBridgeConfiguration: {} });
    expect(notification.LambdaFunctionConfigurations ?? []).to.deep.equal([]);
    const { Contents } = await aws.s3.send(new ListObjectsV2Command({ Bucket: USER_BUCKET }));
    expect(Contents).to.have.length(4);
  });
});
