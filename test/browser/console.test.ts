// The local console in a real browser: every page shows the stack's resources in the AWS console's words,
// hostile text renders as text, the pages work from the keyboard and on a phone, and browsing changes nothing.

import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { readOutbox } from "../../local/sns/outbox.ts";
import { startTestCloud, type TestCloud } from "../local/cloud.ts";
import { useBrowser } from "./browser.ts";
import { type BuiltStack, buildStack, HOSTILE, STACK } from "./fixtures/stack.ts";

describe("local console in a browser", function () {
  this.timeout(60_000);
  const browser = useBrowser();
  let test: TestCloud;
  let stack: BuiltStack;
  let page: Page;
  /** Every request the pages made, and every dialog a script opened (there must be none). */
  const requests: Array<{ method: string; url: string }> = [];
  const dialogs: string[] = [];
  /** What the stack looked like before the pages were browsed. */
  let initial: { revisions: string[]; objects: string[] };
  const fingerprint = async () => {
    const revisions = await Promise.all(
      [STACK.tracker, STACK.plotting].map(
        async (FunctionName) =>
          (await test.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).RevisionId!,
      ),
    );
    const { Versions = [] } = await test.clients.s3.send(
      new ListObjectVersionsCommand({ Bucket: STACK.bucket }),
    );
    return {
      revisions,
      objects: Versions.map((version) => `${version.Key} ${version.ETag} ${version.VersionId}`).sort(),
    };
  };

  const open = async (path: string) => {
    const response = await page.goto(`${test.cloud.endpoint}/_s3size/console/${path}`);
    expect(response?.status(), path).to.equal(200);
    return page;
  };
  /** The text of a table's rows, one string per row, for the table captioned `caption`. */
  const rows = (caption: string | RegExp) =>
    page
      .locator("table", { has: page.locator("caption", { hasText: caption }) })
      .locator("tbody tr")
      .allInnerTexts();
  const detail = (label: string) =>
    page
      .locator(".details div", { has: page.locator("dt", { hasText: label }) })
      .locator("dd")
      .first()
      .innerText();

  before(async function () {
    this.timeout(120_000);
    test = await startTestCloud();
    stack = await buildStack(test.clients);
    initial = await fingerprint();
    page = await browser().newPage();
    page.on("request", (request) => requests.push({ method: request.method(), url: request.url() }));
    page.on("dialog", async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
  });
  after(async () => {
    await page?.close();
    await test?.stop();
  });

  it("lists the cloud's services with their resource counts on the front page", async () => {
    await open("");
    const cards = (await page.locator(".cards li").allInnerTexts()).map((text) => text.replace(/\s+/g, " "));
    expect(cards).to.deep.equal([
      "S3 1 bucket",
      "DynamoDB 1 table",
      "Lambda 2 functions",
      "IAM 2 roles",
      "API Gateway 1 API",
      "CloudWatch Logs 2 log groups",
      "SNS 1 topic",
      "SQS 1 queue",
      "EventBridge 1 rule",
      "CloudWatch 1 alarm",
    ]);
  });

  it("shows the data bucket with its objects, event notification, encryption, public access block and tags", async () => {
    await open("s3");
    await page.getByRole("link", { name: STACK.bucket }).click();
    await page.getByRole("heading", { level: 1, name: STACK.bucket }).waitFor();
    const objects = await rows(/^Objects/);
    expect(objects.map((row) => row.split("\t")[0])).to.have.members(["assignment2.txt", HOSTILE.objectKey]);
    expect(objects.find((row) => row.startsWith("assignment2.txt"))).to.contain("2 B");
    await page.getByRole("heading", { name: "Event notifications" }).first().waitFor();
    const notifications = await rows(/^Event notifications/);
    expect(notifications).to.have.length(1);
    expect(notifications[0]).to.contain("s3:ObjectCreated:*, s3:ObjectRemoved:*");
    expect(notifications[0]).to.contain("Lambda function");
    expect(notifications[0]).to.contain(stack.trackerArn);
    expect(await detail("Encryption type")).to.equal("AES256");
    expect(await detail("Block all public access")).to.contain("On");
    expect(await rows(/^Tags/)).to.include.members(["s3size:stack\ts3size", `note\t${HOSTILE.tagValue}`]);
  });

  it("renders an object key, a tag, a log line and an item written as HTML as text, running nothing", async () => {
    await open(`s3/bucket?name=${STACK.bucket}`);
    await page.getByText(HOSTILE.objectKey, { exact: true }).waitFor();
    expect(await page.locator("main img, main script, main svg").count()).to.equal(0);
    await open(`logs/group?name=/aws/lambda/${STACK.tracker}`);
    expect(await page.locator("pre.log", { hasText: HOSTILE.logTag }).count()).to.equal(1);
    expect(await page.locator("main script").count()).to.equal(0);
    await open(`dynamodb/table?name=${STACK.table}`);
    await page.getByText(HOSTILE.itemKey, { exact: true }).waitFor();
    expect(await page.locator("main svg").count()).to.equal(0);
    expect(dialogs).to.deep.equal([]);
  });

  it("shows the history table's key schema, both indexes and its items", async () => {
    await open("dynamodb");
    await page.getByRole("link", { name: STACK.table }).click();
    expect(await detail("Partition key")).to.equal("bucket_name (String)");
    expect(await detail("Sort key")).to.equal("timestamp (Number)");
    const indexes = await rows(/^Secondary indexes/);
    expect(indexes.map((row) => row.split("\t")[0])).to.deep.equal([
      "bucket_size_index",
      "global_size_index",
    ]);
    expect(indexes[1]).to.contain("all (String)");
    const items = await rows(/^Items returned/);
    expect(items).to.have.length(4);
    const header = await page.locator("section[aria-labelledby=items] thead th").allInnerTexts();
    const size = header.indexOf("total_size");
    expect(items.map((row) => row.split("\t")[size])).to.deep.equal(["18", "27", "0", "2"]);
  });

  it("shows the tracker with its S3 trigger, configuration, environment, resource policy and recent invocations", async () => {
    await open("lambda");
    await page.getByRole("link", { name: STACK.tracker }).click();
    const triggers = await rows(/^Triggers/);
    expect(triggers).to.have.length(1);
    expect(triggers[0]).to.match(new RegExp(`^S3\\t${STACK.bucket}\\t`));
    expect(triggers[0]).to.contain("Event types: s3:ObjectCreated:*, s3:ObjectRemoved:*");
    expect(await detail("Runtime")).to.equal("nodejs22.x");
    expect(await detail("State")).to.contain("Active");
    expect(await rows(/^Environment variables/)).to.include(`HISTORY_TABLE\t${STACK.table}`);
    const statements = await rows(/^Resource-based policy statements/);
    expect(statements[0]).to.contain("s3size-s3-invoke\ts3.amazonaws.com");
    expect(statements[0]).to.contain(`AWS:SourceArn: arn:aws:s3:::${STACK.bucket}`);
    expect(await page.getByRole("link", { name: STACK.trackerRole }).count()).to.equal(1);
    const invocations = await rows(/^Recent invocations/);
    expect(invocations.length).to.be.at.least(1);
    expect(invocations.every((row) => row.includes("Succeeded"))).to.equal(true);
  });

  it("shows the plotting function's API Gateway trigger, method and stage", async () => {
    await open(`lambda/function?name=${STACK.plotting}`);
    const triggers = await rows(/^Triggers/);
    expect(triggers[0]).to.contain("API Gateway");
    expect(triggers[0]).to.contain("Method: GET, Resource path: /plot, Stage: *");
  });

  it("shows a role's trust relationship, inline policy and tags", async () => {
    await open("iam");
    const roles = await rows(/^Roles/);
    expect(roles.some((row) => row.startsWith(`${STACK.trackerRole}\tlambda.amazonaws.com\t`))).to.equal(
      true,
    );
    await page.getByRole("link", { name: STACK.trackerRole }).click();
    expect(await detail("Trusted entities")).to.equal("lambda.amazonaws.com");
    const policy = await page.locator("pre[aria-label='Policy s3size-size-tracking']").innerText();
    expect(JSON.parse(policy).Statement[1]).to.deep.equal({
      Effect: "Allow",
      Action: "dynamodb:PutItem",
      Resource: `arn:aws:dynamodb:us-east-1:000000000000:table/${STACK.table}`,
    });
    expect(await rows(/^Tags/)).to.deep.equal(["s3size:stack\ts3size"]);
  });

  it("shows a role's policy report: a use granted, a use denied, a grant never used, the policy its uses need", async () => {
    await open(`iam/role?name=${STACK.plottingRole}`);
    const table = `arn:aws:dynamodb:us-east-1:000000000000:table/${STACK.table}`;
    expect(await detail("IAM enforcement")).to.equal("enforce");
    const used = (await rows(/^Used and granted/)).map((row) => row.split("\t").slice(0, 3));
    // The function's own log writes are role uses too (the role has Lambda's basic execution policy).
    const logs = used.filter(([action]) => action!.startsWith("logs:"));
    expect(used.filter(([action]) => !action!.startsWith("logs:"))).to.deep.equal([
      ["dynamodb:Query", table, "1"],
    ]);
    expect(logs.map(([action]) => action)).to.deep.equal(["logs:CreateLogStream", "logs:PutLogEvents"]);
    for (const [, resource] of logs)
      expect(resource).to.match(
        /^arn:aws:logs:us-east-1:000000000000:log-group:\/aws\/lambda\/s3size-plotting:log-stream:/,
      );
    const denied = await rows(/^Denied/);
    expect(denied).to.have.length(1);
    expect(denied[0]).to.match(
      new RegExp(`^dynamodb:GetItem\t${table}\t1\t.*not authorized to perform: dynamodb:GetItem`),
    );
    expect(await rows(/^Granted, never used/)).to.deep.equal([
      `s3size-plotting\ts3:PutObject\tarn:aws:s3:::${STACK.bucket}-plots/plot`,
      // The managed policy's CreateLogGroup goes unused: the function wrote to a group that existed.
      "AWSLambdaBasicExecutionRole\tlogs:CreateLogGroup\t*",
    ]);
    const suggested = JSON.parse(await page.locator("pre[aria-label='Least-privilege policy']").innerText());
    expect(
      suggested.Statement.find((statement: { Sid: string }) => statement.Sid === "Dynamodb"),
    ).to.deep.equal({
      Sid: "Dynamodb",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:Query"],
      Resource: [table],
    });
  });

  it("shows the API's resources, its throttled stage and an Invoke URL that answers", async () => {
    await open("apigateway");
    await page.getByRole("link", { name: STACK.api }).click();
    const methods = await rows(/^Resources and methods/);
    expect(methods).to.include(`/plot\tGET\tNONE\tAWS_PROXY\t${STACK.plotting}\tNo`);
    const stages = await rows(/^Stages/);
    expect(stages[0]).to.contain("Rate 10 requests per second, burst 20");
    const invoke = page.getByRole("link", { name: /\/_aws\/execute-api\// });
    const href = await invoke.getAttribute("href");
    expect(href).to.equal(`${test.cloud.endpoint}/_aws/execute-api/${stack.apiId}/demo/`);
    const answer = await fetch(`${href}plot`);
    expect(await answer.json()).to.deep.equal({
      path: "/plot",
      method: "GET",
      records: 4,
      denied: "AccessDeniedException",
    });
  });

  it("searches a log group's events with a filter pattern", async () => {
    await open(`logs/group?name=/aws/lambda/${STACK.tracker}`);
    await page.getByLabel("Filter events").fill('"hello from the handler"');
    await page.getByLabel("Filter events").press("Enter");
    await page.waitForURL(/filter=/);
    const events = await rows(/^Events/);
    expect(events).to.have.length(1);
    expect(events[0]).to.contain("hello from the handler");
  });

  it("shows the topic's pending email subscription and the mail in the outbox", async () => {
    await open("sns");
    await page.getByRole("link", { name: STACK.topic }).click();
    expect(await rows(/^Subscriptions/)).to.deep.equal([`–\t${STACK.email}\tPending confirmation\tEMAIL`]);
    const mail = await rows(/^Emails sent/);
    expect(mail[0]).to.contain("SubscriptionConfirmation");
  });

  it("shows the failure queue's message counts, the rule's targets and the alarm's state", async () => {
    await open("sqs");
    expect((await rows(/^Queues/))[0]).to.match(new RegExp(`^${STACK.queue}\\tStandard\\t.*\\t2\\t0\\t0$`));
    await open("events");
    await page.getByRole("link", { name: STACK.rule }).click();
    expect((await rows(/^Targets/))[0]).to.contain(`tracker\t${stack.trackerArn}`);
    await open("cloudwatch");
    const alarms = await rows(/^Alarms/);
    expect(alarms[0]).to.match(new RegExp(`^${STACK.alarm}\\t(Insufficient data|OK|In alarm)`));
  });

  it("switches region from the keyboard, and a region holds its own resources", async () => {
    await open("lambda");
    await page.getByLabel("Region").focus();
    await page.getByLabel("Region").selectOption("eu-west-1");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForURL(/region=eu-west-1/);
    await page.getByText("No functions in eu-west-1.").waitFor();
  });

  it("fits a phone's width: only tables scroll sideways, inside their own focusable region", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await open(`lambda/function?name=${STACK.tracker}`);
      const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
      expect(overflow).to.be.at.most(0);
      const scrollers = page.locator(".table-scroll[tabindex='0'][role='region']");
      expect(await scrollers.count()).to.be.at.least(3);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it("made only GET requests to its own pages, and left every resource as it found it", async () => {
    const foreign = requests.filter(
      (request) => request.method !== "GET" || !new URL(request.url).pathname.startsWith("/_s3size/console/"),
    );
    expect(foreign).to.deep.equal([]);
    const { Attributes } = await test.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ["All"] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).to.equal("2");
    expect(Attributes?.ApproximateNumberOfMessagesNotVisible).to.equal("0");
    const { Messages = [] } = await test.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((message) => message.Body).sort()).to.deep.equal(["first failure", "second failure"]);
    expect(await fingerprint()).to.deep.equal(initial);
    const { Count } = await test.clients.dynamodb.send(
      new ScanCommand({ TableName: STACK.table, Select: "COUNT" }),
    );
    expect(Count).to.equal(4);
    expect(readOutbox(test.cloud.dataDir)).to.have.length(1);
  });
});
