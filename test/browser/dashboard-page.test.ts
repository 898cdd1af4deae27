// The dashboard page in a real browser: the web and plotting handlers behind a stage served like API
// Gateway's proxy integration, talking to a local cloud. Its script must run under the page's CSP (by
// hash), load the chart, keep the history fresh, upload by presigned POST and delete; hostile keys stay
// text. (The same page behind the provisioned REST API, after a demo, is phase B of issue 12.)

import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, HeadObjectCommand, PutBucketCorsCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { recordToItem } from "../../handlers/common/history.ts";
import { createPlottingHandler } from "../../handlers/plotting.ts";
import { createWebHandler } from "../../handlers/web.ts";
import { startTestCloud, type TestCloud } from "../local/cloud.ts";
import { type PageWatch, useBrowser, watchPage } from "./browser.ts";
import { type StageServer, serveStage } from "./fixtures/proxy-server.ts";
import { type BuiltStack, buildStack, HOSTILE, STACK } from "./fixtures/stack.ts";

describe("dashboard page in a browser", function () {
  this.timeout(60_000);
  const browser = useBrowser();
  let test: TestCloud;
  let stack: BuiltStack;
  let stage: StageServer;
  let page: Page;
  const env: Record<string, string> = {};
  let watch: PageWatch;

  const historySizes = () => page.locator("#history tbody tr td:nth-child(2)").allInnerTexts();
  const objectKeys = () => page.locator("#objects tbody .key").allInnerTexts();

  before(async function () {
    this.timeout(120_000);
    test = await startTestCloud();
    stack = await buildStack(test.clients);
    const plots = `${STACK.bucket}-plots`;
    await test.clients.s3.send(new CreateBucketCommand({ Bucket: plots }));
    Object.assign(env, {
      HISTORY_TABLE: STACK.table,
      DATA_BUCKET: STACK.bucket,
      PLOT_BUCKET: plots,
      FAILURE_QUEUE_URL: stack.queueUrl,
      ERRORS_ALARM_NAME: STACK.alarm,
    });
    const clients = {
      s3: () => test.clients.s3,
      dynamodb: () => test.clients.dynamodb,
      sqs: () => test.clients.sqs,
      cloudwatch: () => test.clients.cloudwatch,
    };
    const web = createWebHandler({ clients, env, log: () => {} });
    const plot = createPlottingHandler({
      clients: () => ({ s3: test.clients.s3, dynamodb: test.clients.dynamodb }),
      env,
      log: () => {},
    });
    stage = await serveStage("demo", (path) => (path === "/plot" ? plot : web));
    // On AWS the data bucket needs this rule too: the page's origin posts to the bucket's.
    await test.clients.s3.send(
      new PutBucketCorsCommand({
        Bucket: STACK.bucket,
        CORSConfiguration: {
          CORSRules: [
            { AllowedOrigins: [new URL(stage.url).origin], AllowedMethods: ["POST"], AllowedHeaders: ["*"] },
          ],
        },
      }),
    );
    page = await browser().newPage();
    watch = watchPage(page);
  });
  after(async () => {
    await page?.close();
    await stage?.close();
    await test?.stop();
  });

  it("loads the chart, the maximum and the history newest first, at the stage URL with or without its slash", async () => {
    await page.goto(stage.url.replace(/\/$/, ""));
    expect(page.url()).to.equal(stage.url);
    await page.waitForFunction("document.getElementById('chart').complete");
    expect(await page.evaluate("document.getElementById('chart').naturalWidth")).to.equal(1000);
    expect(await historySizes()).to.deep.equal(["2", "0", "27", "18"]);
    expect(await page.locator("#max-size").innerText()).to.equal("27 bytes");
    expect(await page.locator("#failures").innerText()).to.equal("2");
    expect(watch.cspViolations).to.deep.equal([]);
  });

  it("shows hostile keys as text and offers delete only for objects under the upload prefix", async () => {
    expect(await objectKeys()).to.include(HOSTILE.objectKey);
    expect(await page.locator("#objects img").count()).to.equal(0);
    expect(await page.locator("#objects button[data-key]").count()).to.equal(0);
    expect(watch.dialogs).to.deep.equal([]);
  });

  it("keeps the history and the current size fresh while the page is open", async () => {
    env.DASHBOARD_REFRESH_SECONDS = "2";
    await page.reload();
    const timestamp = Date.parse("2025-01-01T00:00:08Z");
    await test.clients.dynamodb.send(
      new PutItemCommand({
        TableName: STACK.table,
        Item: recordToItem({
          bucketName: STACK.bucket,
          timestamp,
          totalSize: 40,
          objectCount: 2,
          recordedAt: new Date(timestamp).toISOString(),
        }),
      }),
    );
    await page.locator("#history tbody tr").first().filter({ hasText: "40" }).waitFor({ timeout: 8000 });
    expect(await historySizes()).to.deep.equal(["40", "2", "0", "27", "18"]);
    expect(await page.locator("#current-size").innerText()).to.equal("40 bytes");
  });

  it("uploads a file by presigned POST under the upload prefix, and lists it with a delete button", async () => {
    await page.getByLabel(/Upload a file/).setInputFiles({
      name: "page-upload.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("uploaded by the page"),
    });
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByText("Uploaded uploads/page-upload.txt.", { exact: false }).waitFor();
    const head = await test.clients.s3.send(
      new HeadObjectCommand({ Bucket: STACK.bucket, Key: "uploads/page-upload.txt" }),
    );
    expect(head.ContentLength).to.equal(20);
    expect(await objectKeys()).to.include("uploads/page-upload.txt");
    expect(await page.getByRole("button", { name: "Delete uploads/page-upload.txt" }).count()).to.equal(1);
    expect(watch.cspViolations).to.deep.equal([]);
  });

  it("refuses a file over the limit in the page, before asking anyone", async () => {
    env.UPLOAD_MAX_BYTES = "16";
    try {
      await page.reload();
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await page
        .getByLabel(/Upload a file/)
        .setInputFiles({ name: "big.txt", mimeType: "text/plain", buffer: Buffer.alloc(100, 65) });
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await page.getByText("big.txt is 100 bytes; the limit is 16 bytes.").waitFor();
      expect(
        requests.filter(
          (url) => !url.includes("/plot?") && !url.includes("/api/history") && !url.includes("/api/status"),
        ),
      ).to.deep.equal([]);
    } finally {
      delete env.UPLOAD_MAX_BYTES;
    }
  });

  it("deletes an uploaded object from the keyboard, after asking", async () => {
    await page.reload();
    const button = page.getByRole("button", { name: "Delete uploads/page-upload.txt" });
    await button.focus();
    await page.keyboard.press("Enter");
    await page.getByText("Deleted uploads/page-upload.txt.", { exact: false }).waitFor();
    expect(watch.dialogs).to.deep.equal([`Delete uploads/page-upload.txt from ${STACK.bucket}?`]);
    expect(await objectKeys()).not.to.include("uploads/page-upload.txt");
    const gone = await test.clients.s3
      .send(new HeadObjectCommand({ Bucket: STACK.bucket, Key: "uploads/page-upload.txt" }))
      .catch((error: Error) => error.name);
    expect(gone).to.equal("NotFound");
  });

  it("fits a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.reload();
      expect(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")).to.be.at.most(
        0,
      );
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    expect(watch.cspViolations).to.deep.equal([]);
  });
});
