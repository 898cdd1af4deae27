// Issue 4's "done when": the whole life of a stack on an in-process local cloud, through the CLI.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { GetRolePolicyCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetObjectCommand, PutBucketNotificationConfigurationCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { PNG } from "pngjs";
import { mutatingCalls } from "../../cli/aws-clients.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH } from "../../handlers/chart/layout.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, DEMO_SLEEP_MS, leftovers, runCli } from "./run-cli.ts";

const DATA_BUCKET = "testbucket-000000000000-us-east-1";
const PLOT_BUCKET = `${DATA_BUCKET}-plots`;

describe("s3size CLI end to end on the local cloud", function () {
  this.timeout(240_000);
  let cloud: LocalCloud;
  let work: string;
  let stateDir: string;
  const cli = (...args: string[]) =>
    runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", stateDir], { cwd: work });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-cli-e2e-"));
    stateDir = join(work, ".s3size");
    cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 0 });
  });

  after(async () => {
    await cloud?.stop();
  });

  it("sets up every resource, recording each step in state.json", async () => {
    const run = await cli("setup");
    expect(run.stderr).to.equal("");
    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/✔ functions: 4 changes/);
    const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8"));
    expect(Object.keys(state.completed)).to.deep.equal([
      "account",
      "buckets",
      "table",
      "index-table",
      "topic",
      "failure-queue",
      "roles",
      "log-groups",
      "functions",
      "failure-destination",
      "alarm",
      "notifications",
      "tracked-buckets",
      "reconcile-schedule",
      "api",
      "driver-env",
      "dashboard-cors",
    ]);
    expect(state.invokeUrl).to.match(/\/_aws\/execute-api\/\w+\/demo\/plot$/);
  });

  it("runs the demo: 18 → 27 → 0 → 2 bytes, one JSON document with the history, the API's answer and the plot", async () => {
    const run = await cli("demo", "--sleep-ms", DEMO_SLEEP_MS, "--json", "--out", "demo.png");
    expect(run.code, run.stderr).to.equal(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.history.map((p: { totalSize: number }) => p.totalSize).slice(-4)).to.deep.equal([
      18, 27, 0, 2,
    ]);
    expect(doc.history.map((p: { objectCount: number }) => p.objectCount).slice(-4)).to.deep.equal([
      1, 1, 0, 1,
    ]);
    expect(doc.api.max.totalSize).to.equal(27);
    expect(doc.failures, "the demo's failed tracker events").to.equal(0);
    expect(doc.plotPath).to.equal(join(work, "demo.png"));
    expect(readFileSync(doc.plotPath).subarray(1, 4).toString()).to.equal("PNG");
  });

  it("left the demo's records in the table, readable by Query", async () => {
    const { Items } = await cloudClients(cloud.endpoint).dynamodb.send(
      new QueryCommand({
        TableName: "S3-object-size-history",
        KeyConditionExpression: "bucket_name = :b",
        ExpressionAttributeValues: { ":b": { S: DATA_BUCKET } },
      }),
    );
    const sizes = (Items ?? []).map((item) => Number(item.total_size!.N));
    expect(sizes.slice(-4)).to.deep.equal([18, 27, 0, 2]);
    expect(Items!.at(-1)!.recorded_at!.S).to.match(/Z$/);
  });

  it("stored the plot object as a PNG of the chart's size", async () => {
    const object = await cloudClients(cloud.endpoint).s3.send(
      new GetObjectCommand({ Bucket: PLOT_BUCKET, Key: "plot" }),
    );
    expect(object.ContentType).to.equal("image/png");
    const png = PNG.sync.read(Buffer.from(await object.Body!.transformToByteArray()));
    expect([png.width, png.height]).to.deep.equal([DEFAULT_CHART_WIDTH, DEFAULT_CHART_HEIGHT]);
  });

  it("serves the API's JSON with the demo's points and a maximum of 27", async () => {
    const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8"));
    const response = await fetch(`${state.invokeUrl}?bucket=${DATA_BUCKET}&seconds=10`);
    expect(response.status).to.equal(200);
    const body = (await response.json()) as {
      points: Array<{ totalSize: number }>;
      max: { totalSize: number };
    };
    expect(body.points.map((p) => p.totalSize).slice(-4)).to.deep.equal([18, 27, 0, 2]);
    expect(body.max.totalSize).to.equal(27);
  });

  it("saves the plot with `plot`, and prints the history with `history`", async () => {
    const plot = await cli("plot", "--out", "again.png", "--seconds", "10");
    expect(plot.code, plot.stderr).to.equal(0);
    expect(PNG.sync.read(readFileSync(join(work, "again.png"))).width).to.equal(DEFAULT_CHART_WIDTH);
    const history = await cli("history", "--json", "--since", "1h");
    expect(history.code).to.equal(0);
    const records = JSON.parse(history.stdout).records as Array<{ totalSize: number }>;
    expect(records.map((r) => r.totalSize).slice(-4)).to.deep.equal([18, 27, 0, 2]);
  });

  it("grants the roles exactly the least privileges (read back from IAM)", async () => {
    const { iam } = cloudClients(cloud.endpoint);
    const actions: Record<string, string[]> = {};
    for (const fn of ["size-tracking", "plotting", "driver", "web"]) {
      const role = `s3size-${fn}-role`;
      const { PolicyNames } = await iam.send(new ListRolePoliciesCommand({ RoleName: role }));
      expect(PolicyNames).to.have.length(1);
      const { PolicyDocument } = await iam.send(
        new GetRolePolicyCommand({ RoleName: role, PolicyName: PolicyNames![0] }),
      );
      const statements = JSON.parse(decodeURIComponent(PolicyDocument!)).Statement as Array<{
        Action: string[];
        Resource: string[];
      }>;
      actions[fn] = statements.flatMap((s) => s.Action).sort();
      for (const resource of statements.flatMap((s) => s.Resource)) {
        expect(resource).to.match(/^arn:aws:/);
        // Wildcards only for a log group's streams and the dashboard's upload prefix.
        expect(resource.replace(/:\*$/, "").replace(/\/uploads\/\*$/, "")).not.to.include("*");
      }
    }
    expect(
      Object.values(actions)
        .flat()
        .filter((a) => a.includes("*") || /scan/i.test(a)),
    ).to.deep.equal([]);
    expect(actions["size-tracking"]).to.deep.equal([
      "dynamodb:PutItem",
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:GetBucketVersioning",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "sns:Publish",
      "sqs:SendMessage",
    ]);
    expect(actions.plotting).to.deep.equal([
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:GetObject",
      "s3:PutObject",
    ]);
    expect(actions.driver).to.deep.equal([
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:DeleteObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
    expect(actions.web).to.deep.equal([
      "cloudwatch:DescribeAlarms",
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:DeleteObject",
      "s3:ListBucket",
      "s3:PutObject",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]);
  });

  it("converges: a second setup makes no mutating call and says everything is up to date", async () => {
    const run = await cli("setup");
    expect(run.code, run.stderr).to.equal(0);
    expect(run.calls.length).to.be.greaterThan(20);
    expect(mutatingCalls(run.calls)).to.deep.equal([]);
    expect(run.stdout).to.include("everything is up to date");
  });

  it("reports everything set up with `status`, and prints a function's logs", async () => {
    const status = await cli("status", "--json");
    expect(status.code, status.stderr).to.equal(0);
    expect(JSON.parse(status.stdout).upToDate).to.equal(true);
    const logs = await cli("logs", "driver", "--since", "1h");
    expect(logs.code, logs.stderr).to.equal(0);
    expect(logs.stdout).to.include("called plotting API");
  });

  it("keeps the SDK's Node version warning out of every function's logs (it ran on this Node 20 too)", async () => {
    for (const fn of ["size-tracking", "plotting", "driver"]) {
      const logs = await cli("logs", fn, "--since", "1h", "--json");
      const messages = (JSON.parse(logs.stdout).events as Array<{ message: string }>).map((e) => e.message);
      expect(messages.length, fn).to.be.greaterThan(0);
      expect(
        messages.filter((m) => /NodeVersionSupportWarning|AWS SDK for JavaScript/.test(m)),
        fn,
      ).to.deep.equal([]);
    }
  });

  it("shows drift in `status` and repairs just that with `setup`", async () => {
    await cloudClients(cloud.endpoint).s3.send(
      new PutBucketNotificationConfigurationCommand({ Bucket: DATA_BUCKET, NotificationConfiguration: {} }),
    );
    const status = await cli("status", "--json");
    expect(status.code, "status exits 3 on drift").to.equal(3);
    const steps = JSON.parse(status.stdout).steps as Array<{ name: string; upToDate: boolean }>;
    expect(steps.filter((step) => !step.upToDate).map((step) => step.name)).to.deep.equal(["notifications"]);
    const repair = await cli("setup");
    expect(repair.code, repair.stderr).to.equal(0);
    expect(mutatingCalls(repair.calls).map((call) => call.command)).to.deep.equal([
      "PutBucketNotificationConfiguration",
    ]);
  });

  it("asks before tearing down on a terminal, and a no removes nothing", async () => {
    let question = "";
    const run = await runCli(["teardown", "--endpoint-url", cloud.endpoint, "--state-dir", stateDir], {
      cwd: work,
      stdinIsTTY: true,
      confirm: async (text) => {
        question = text;
        return false;
      },
    });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^error: teardown cancelled; nothing was removed/);
    expect(question).to.include(`delete bucket ${DATA_BUCKET}`);
    expect(question).to.include("delete function s3size-driver");
    expect(mutatingCalls(run.calls)).to.deep.equal([]);
  });

  it("refuses to tear down without --yes when it cannot ask", async () => {
    const run = await cli("teardown");
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^error: teardown would remove \d+ resources.*\nhint: .*--yes\n$/);
    expect(await leftovers(cloudClients(cloud.endpoint))).to.have.length.greaterThan(10);
  });

  it("tears everything down: no bucket, table, function, role, API, log group, notification or state remains", async () => {
    const run = await cli("teardown", "--yes");
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include("remove the notification of testbucket-000000000000-us-east-1");
    expect(await leftovers(cloudClients(cloud.endpoint))).to.deep.equal([]);
    expect(existsSync(join(stateDir, "state.json"))).to.equal(false);
    const again = await cli("teardown", "--yes");
    expect(again.code).to.equal(0);
    expect(again.stdout).to.include("nothing to remove");
  });
});
