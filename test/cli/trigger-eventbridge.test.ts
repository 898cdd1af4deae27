// Issue 11's "the eventbridge trigger produces the same demo history as notifications", on an
// in-process local cloud (IAM enforced, the functions from their real zips), through the CLI: setup with
// --trigger eventbridge, the demo, switching to notification and back, and a teardown that leaves nothing.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { DescribeRuleCommand, ListRulesCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetPolicyCommand } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { mutatingCalls } from "../../cli/aws-clients.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, leftovers, runCli } from "./run-cli.ts";

const ACCOUNT = "000000000000";
const DATA_BUCKET = `testbucket-${ACCOUNT}-us-east-1`;
const RULE = "s3size-size-tracking-rule";
const RULE_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:rule/${RULE}`;
const TRACKER_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:s3size-size-tracking`;
const USER_BUCKET = "trigger-user-bucket-000";

describe("s3size --trigger eventbridge end to end on the local cloud", function () {
  this.timeout(240_000);
  let cloud: LocalCloud;
  let work: string;
  let stateDir: string;
  const cli = (...args: string[]) =>
    runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", stateDir], { cwd: work });
  const clients = () => cloudClients(cloud.endpoint);

  /** Which paths lead from the data bucket to the tracker, read back from S3, EventBridge and Lambda. */
  async function paths() {
    const { s3, events, lambda } = clients();
    const { $metadata: _, ...bucket } = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: DATA_BUCKET }),
    );
    const rules = (await events.send(new ListRulesCommand({}))).Rules ?? [];
    const policy = JSON.parse(
      (await lambda.send(new GetPolicyCommand({ FunctionName: "s3size-size-tracking" }))).Policy ?? "{}",
    ) as {
      Statement: Array<{ Principal: { Service: string }; Condition: Record<string, Record<string, string>> }>;
    };
    return {
      bucket,
      rules: rules.map((rule) => rule.Name),
      invokers: policy.Statement.map(
        (statement) => `${statement.Principal.Service} ${statement.Condition.ArnLike?.["AWS:SourceArn"]}`,
      ).sort(),
    };
  }

  async function sizes(bucket = DATA_BUCKET): Promise<Array<{ size: number; eventTime: string }>> {
    const { Items } = await clients().dynamodb.send(
      new QueryCommand({
        TableName: "S3-object-size-history",
        KeyConditionExpression: "bucket_name = :b",
        ExpressionAttributeValues: { ":b": { S: bucket } },
      }),
    );
    return (Items ?? []).map((item) => ({
      size: Number(item.total_size!.N),
      eventTime: item.event_time?.S ?? "",
    }));
  }

  /** The bucket's newest recorded size once it is `wanted`, or whatever it is after 30 s. */
  async function lastSize(bucket: string, wanted: number): Promise<number | undefined> {
    const deadline = Date.now() + 30_000;
    let last = (await sizes(bucket)).at(-1);
    while (last?.size !== wanted && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = (await sizes(bucket)).at(-1);
    }
    return last?.size;
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-trigger-e2e-"));
    stateDir = join(work, ".s3size");
    cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 0 });
  });

  after(async () => {
    await cloud?.stop();
  });

  it("sets up the bucket's EventBridge delivery, the rule, its target and a permission scoped to the rule", async () => {
    const run = await cli("setup", "--trigger", "eventbridge", "--json");
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout);
    expect(report.trigger).to.equal("eventbridge");
    expect(report.changes.notifications).to.include(`create EventBridge rule ${RULE}`);
    expect(JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8"))).to.deep.include({
      trigger: "eventbridge",
      eventBridgeEnabled: [DATA_BUCKET],
    });
    expect(await paths()).to.deep.equal({
      bucket: { EventBridgeConfiguration: {} },
      rules: [RULE],
      invokers: [`events.amazonaws.com ${RULE_ARN}`],
    });
    const { events } = clients();
    const rule = await events.send(new DescribeRuleCommand({ Name: RULE }));
    expect(JSON.parse(rule.EventPattern!)).to.deep.equal({
      source: ["aws.s3"],
      "detail-type": ["Object Created", "Object Deleted"],
      detail: { bucket: { name: [DATA_BUCKET] } },
    });
    expect(rule.State).to.equal("ENABLED");
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: RULE }));
    expect(Targets).to.deep.equal([{ Id: "size-tracking", Arn: TRACKER_ARN }]);
  });

  it("runs the demo through EventBridge: the same 18 → 27 → 0 → 2 as with notifications", async () => {
    // A first change through the rule starts the tracker's environment, so a slow cold start on a busy
    // machine cannot fold the demo's first two changes into one listing.
    const { s3 } = clients();
    await s3.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "warm-up.txt", Body: "warm" }));
    expect(await lastSize(DATA_BUCKET, 4)).to.equal(4);
    await s3.send(new DeleteObjectCommand({ Bucket: DATA_BUCKET, Key: "warm-up.txt" }));
    expect(await lastSize(DATA_BUCKET, 0)).to.equal(0);
    // The product's own 2 s pauses, not the suite's shorter ones: EventBridge adds a hop (rule, then an
    // asynchronous invoke), and in listing mode two listings that overlap on a busy machine keep only
    // the later one (an older listing never lands after a newer record), which would drop the 18.
    const run = await cli("demo", "--json", "--out", "demo.png");
    expect(run.code, run.stderr).to.equal(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.history.map((p: { totalSize: number }) => p.totalSize).slice(-4)).to.deep.equal([
      18, 27, 0, 2,
    ]);
    expect(doc.api.max.totalSize).to.equal(27);
    // EventBridge's events carry whole seconds; an S3 notification record carries milliseconds.
    const records = (await sizes()).slice(-4);
    expect(records.map((r) => r.size)).to.deep.equal([18, 27, 0, 2]);
    for (const record of records) expect(record.eventTime).to.match(/T\d\d:\d\d:\d\dZ$/);
  });

  it("tracks another bucket through the same rule, and untracks it: the pattern follows, EventBridge delivery too", async () => {
    const { s3, events } = clients();
    await s3.send(new CreateBucketCommand({ Bucket: USER_BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: "x.log", Body: "x".repeat(40) }));
    const names = async () =>
      JSON.parse((await events.send(new DescribeRuleCommand({ Name: RULE }))).EventPattern!).detail.bucket
        .name;
    const tracked = await cli("track", USER_BUCKET);
    expect(tracked.code, tracked.stderr).to.equal(0);
    expect(await names()).to.deep.equal([USER_BUCKET, DATA_BUCKET].sort());
    const { $metadata: _, ...configuration } = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: USER_BUCKET }),
    );
    expect(configuration).to.deep.equal({ EventBridgeConfiguration: {} });
    await s3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: "y.log", Body: "yy" }));
    expect(await lastSize(USER_BUCKET, 42)).to.equal(42);
    expect((await sizes(USER_BUCKET)).at(-1)?.eventTime).to.match(/T\d\d:\d\d:\d\dZ$/);

    const untracked = await cli("untrack", USER_BUCKET);
    expect(untracked.code, untracked.stderr).to.equal(0);
    expect(await names()).to.deep.equal([DATA_BUCKET]);
    const { $metadata: __, ...after } = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: USER_BUCKET }),
    );
    expect(after, "s3size turned it on, so it turns it off").to.deep.equal({});
    expect(JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")).eventBridgeEnabled).to.deep.equal([
      DATA_BUCKET,
    ]);
  });

  it("keeps the trigger without the flag: status shows it, a second setup changes nothing", async () => {
    const status = await cli("status", "--json");
    expect(status.code, status.stderr).to.equal(0);
    expect(JSON.parse(status.stdout)).to.deep.include({ upToDate: true, trigger: "eventbridge" });
    const plain = await cli("status");
    expect(plain.stdout).to.include(`trigger: eventbridge (rule ${RULE} on the default bus)`);
    const again = await cli("setup");
    expect(again.code, again.stderr).to.equal(0);
    expect(mutatingCalls(again.calls)).to.deep.equal([]);
  });

  it("switches to notification: the new path first, then the bucket, then EventBridge's pieces in reverse", async () => {
    const run = await cli("setup", "--trigger", "notification");
    expect(run.code, run.stderr).to.equal(0);
    expect(mutatingCalls(run.calls).map((call) => call.command)).to.deep.equal([
      "AddPermission",
      "PutBucketNotificationConfiguration",
      "PutBucketNotificationConfiguration",
      "RemoveTargets",
      "DeleteRule",
      "RemovePermission",
    ]);
    expect(await paths()).to.deep.equal({
      bucket: {
        LambdaFunctionConfigurations: [
          {
            Id: "s3size-s3size-size-tracking",
            LambdaFunctionArn: TRACKER_ARN,
            Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
          },
        ],
      },
      rules: [],
      invokers: [`s3.amazonaws.com arn:aws:s3:::${DATA_BUCKET}`],
    });
    // And the tracker hears of a change through the notification (milliseconds in its event time).
    await clients().s3.send(
      new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "switched.txt", Body: "12345" }),
    );
    expect(await lastSize(DATA_BUCKET, 7)).to.equal(7);
    expect((await sizes()).at(-1)?.eventTime).to.match(/\.\d{3}Z$/);
  });

  it("switches back to eventbridge and converges", async () => {
    const run = await cli("setup", "--trigger", "eventbridge");
    expect(run.code, run.stderr).to.equal(0);
    expect(mutatingCalls(run.calls).map((call) => call.command)).to.deep.equal([
      "AddPermission",
      "PutRule",
      "PutTargets",
      "PutBucketNotificationConfiguration",
      "RemovePermission",
    ]);
    expect((await paths()).bucket).to.deep.equal({ EventBridgeConfiguration: {} });
    const again = await cli("setup");
    expect(mutatingCalls(again.calls)).to.deep.equal([]);
  });

  it("tears everything down: no rule, no bucket, function, role or state remains", async () => {
    const run = await cli("teardown", "--yes");
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include(`delete EventBridge rule ${RULE}`);
    const commands = mutatingCalls(run.calls).map((call) => call.command);
    expect(commands.indexOf("RemoveTargets")).to.be.lessThan(commands.indexOf("DeleteRule"));
    expect(commands.indexOf("DeleteRule")).to.be.lessThan(commands.indexOf("DeleteFunction"));
    // The user's bucket was untracked before: it stays, as the user's.
    expect(await leftovers(clients())).to.deep.equal([`bucket ${USER_BUCKET}`]);
    expect((await clients().events.send(new ListRulesCommand({}))).Rules).to.deep.equal([]);
  });
});
