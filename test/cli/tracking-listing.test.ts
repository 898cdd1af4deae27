// Tracking in listing mode (the default) on an in-process local cloud, through the CLI with the real
// zips and IAM enforced: --versioning on the data bucket and the demo's history counting every
// version, track/untrack of a user's bucket by listing, and the refusals that name the way out.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DescribeRuleCommand } from "@aws-sdk/client-eventbridge";
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { AwsClients } from "../../cli/aws-clients.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, DEMO_SLEEP_MS, expectOneLineError, leftovers, runCli } from "./run-cli.ts";

const DATA_BUCKET = "testbucket-000000000000-us-east-1";
const USER_BUCKET = "user-logs-000";

describe("s3size tracking on the local cloud: listing mode, --versioning, track and untrack", function () {
  this.timeout(240_000);
  let cloud: LocalCloud;
  let aws: AwsClients;
  let work: string;
  let stateDir: string;
  const cli = (...args: string[]) =>
    runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", stateDir], { cwd: work });
  const json = async (...args: string[]) => {
    const run = await cli(...args, "--json");
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout);
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-listing-e2e-"));
    stateDir = join(work, ".s3size");
    cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 0 });
    aws = cloudClients(cloud.endpoint);
  });

  after(async () => {
    await cloud?.stop();
  });

  it("turns versioning on for the data bucket and makes no index table or schedule in listing mode", async () => {
    const run = await cli("setup", "--versioning");
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include(`turn versioning on for ${DATA_BUCKET}`);
    const { Status } = await aws.s3.send(new GetBucketVersioningCommand({ Bucket: DATA_BUCKET }));
    expect(Status).to.equal("Enabled");
    const { TableNames } = await aws.dynamodb.send(new ListTablesCommand({}));
    expect(TableNames).to.deep.equal(["S3-object-size-history"]);
    const rule = await aws.events.send(new DescribeRuleCommand({ Name: "s3size-reconcile" })).catch((e) => e);
    expect((rule as Error).name).to.equal("ResourceNotFoundException");
  });

  it("runs the demo on the versioned bucket: every version's bytes, the current ones 18, 27, 0, 2", async () => {
    const doc = await json("demo", "--sleep-ms", DEMO_SLEEP_MS, "--out", "demo.png");
    // An overwrite keeps the old version and a delete adds a marker: S3 bills 18, 45, 45, 47 bytes.
    expect(doc.history.map((p: { totalSize: number }) => p.totalSize)).to.deep.equal([18, 45, 45, 47]);
    const records = (await json("history")).records as Array<{ currentSize?: number; timestamp: number }>;
    const demo = records.filter((r) => r.timestamp >= doc.history[0].timestamp);
    expect(demo.map((r) => r.currentSize)).to.deep.equal([18, 27, 0, 2]);
  });

  it("tracks a user's bucket by listing and untracks it, the bucket and its history left", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: USER_BUCKET }));
    await aws.s3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: "x.log", Body: "x".repeat(40) }));
    const tracked = await json("track", USER_BUCKET);
    expect([tracked.baseline.record.totalSize, tracked.baseline.record.trigger.eventName]).to.deep.equal([
      40,
      "s3size:Baseline",
    ]);
    await aws.s3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: "y.log", Body: "y".repeat(2) }));
    let sizes: number[] = [];
    for (let attempt = 0; attempt < 100 && sizes.at(-1) !== 42; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      sizes = (await json("history", "--bucket", USER_BUCKET)).records.map(
        (r: { totalSize: number }) => r.totalSize,
      );
    }
    expect(sizes).to.deep.equal([40, 42]);

    const untracked = await json("untrack", USER_BUCKET);
    expect(untracked.indexItemsDeleted).to.equal(0);
    const notification = await aws.s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: USER_BUCKET }),
    );
    expect(notification.LambdaFunctionConfigurations ?? []).to.deep.equal([]);
    expect((await json("history", "--bucket", USER_BUCKET)).records).to.have.length(2);
  });

  it("refuses reconcile in listing mode, and a --tracking that differs from the stack's, with the way out", async () => {
    expectOneLineError(
      await cli("reconcile"),
      /reconcile needs incremental tracking/,
      /--tracking incremental/,
    );
    expectOneLineError(
      await cli("track", USER_BUCKET, "--tracking", "incremental"),
      /the stack tracks in listing mode, not incremental/,
      /s3size setup --tracking incremental/,
    );
    expectOneLineError(await cli("untrack", USER_BUCKET), /is not tracked by this stack/, /s3size status/);
  });

  it("tears down the versioned data bucket (versions and markers) and leaves the user's bucket", async () => {
    const run = await cli("teardown", "--yes");
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(
      /delete bucket testbucket-000000000000-us-east-1 \(\d+ object versions and delete markers\)/,
    );
    expect(await leftovers(aws)).to.deep.equal([`bucket ${USER_BUCKET}`]);
  });
});
