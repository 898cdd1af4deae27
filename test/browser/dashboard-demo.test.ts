// Issue 12's "done when", end to end: the CLI sets the stack up on a local cloud and runs the demo, then
// a real Chromium opens the dashboard where setup said it is — the provisioned s3size-web function behind
// the stack's REST API — sees the chart and the demo's 18, 27, 0 and 2, uploads a file through the page
// (a new history record) and deletes it again (another), from the keyboard, with every control labelled.
// One demo for the whole file keeps it quick.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteMethodCommand, GetResourcesCommand } from "@aws-sdk/client-api-gateway";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { DeleteFunctionCommand } from "@aws-sdk/client-lambda";
import { DeleteBucketCorsCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, DEMO_SLEEP_MS, runCli } from "../cli/run-cli.ts";
import { type PageWatch, useBrowser, watchPage } from "./browser.ts";

const DATA_BUCKET = "testbucket-000000000000-us-east-1";
const TABLE = "S3-object-size-history";
const UPLOAD = { name: "grader-notes.txt", body: "uploaded from the dashboard" };
const UPLOAD_KEY = `uploads/${UPLOAD.name}`;

describe("dashboard after a demo, in a browser", function () {
  this.timeout(120_000);
  const browser = useBrowser();
  let cloud: LocalCloud;
  let work: string;
  let dashboardUrl: string;
  let page: Page;
  let watch: PageWatch;

  const cli = (...args: string[]) =>
    runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", join(work, ".s3size")], { cwd: work });
  const historySizes = () => page.locator("#history tbody tr td:nth-child(2)").allInnerTexts();
  const objectKeys = () => page.locator("#objects tbody .key").allInnerTexts();
  /** Waits until the history's newest row (the page refreshes it while open) shows `size` bytes. */
  const newestSizeShown = (size: string) =>
    // A locator, not waitForFunction: the page's CSP forbids the eval that function polling needs.
    page
      .locator("#history tbody tr:first-child td:nth-child(2)", { hasText: new RegExp(`^${size}$`) })
      .waitFor({ timeout: 30_000 });
  /** The sizes the tracker recorded for the data bucket, oldest first (by Query, as the CLI reads them). */
  const recordedSizes = async () => {
    const { Items = [] } = await cloudClients(cloud.endpoint).dynamodb.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "bucket_name = :b",
        ExpressionAttributeValues: { ":b": { S: DATA_BUCKET } },
      }),
    );
    return Items.map((item) => Number(item.total_size!.N));
  };

  before(async function () {
    this.timeout(300_000);
    work = mkdtempSync(join(tmpdir(), "s3size-dashboard-e2e-"));
    cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 0 });
    const setup = await cli("setup", "--json");
    expect(setup.code, setup.stderr).to.equal(0);
    dashboardUrl = JSON.parse(setup.stdout).dashboardUrl;
    const demo = await cli("demo", "--sleep-ms", DEMO_SLEEP_MS, "--out", "plot.png");
    expect(demo.code, demo.stderr).to.equal(0);
    expect(demo.stdout).to.include(`dashboard: ${dashboardUrl}`);
    page = await browser().newPage();
    watch = watchPage(page);
  });

  after(async () => {
    await page?.close();
    await cloud?.stop();
  });

  it("is served by the stack's API at the URL setup printed, with the chart loaded and the demo's 18, 27, 0 and 2", async () => {
    expect(dashboardUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/_aws\/execute-api\/\w+\/demo\/$/);
    const response = await page.goto(dashboardUrl);
    expect(response?.status()).to.equal(200);
    await page.waitForFunction("document.getElementById('chart').complete");
    expect(await page.evaluate("document.getElementById('chart').naturalWidth")).to.be.greaterThan(0);
    // Newest first: the demo's four records are the top four rows.
    expect((await historySizes()).slice(0, 4)).to.deep.equal(["2", "0", "27", "18"]);
    expect(await page.locator("#current-size").innerText()).to.equal("2 bytes");
    expect(await page.locator("#max-size").innerText()).to.equal("27 bytes");
    expect(await objectKeys()).to.deep.equal(["assignment2.txt"]);
    expect(watch.cspViolations).to.deep.equal([]);
  });

  it("labels every control and reaches each one from the keyboard", async () => {
    // Run in the page (the tests are compiled without the DOM's types): controls with no name.
    const unlabelled =
      await page.evaluate(`[...document.querySelectorAll("main input, main select, main button, main img")]
      .filter((element) => element.tagName === "IMG" ? !element.alt
        : element.tagName === "BUTTON" ? !(element.getAttribute("aria-label") || element.textContent.trim())
        : element.labels.length === 0)
      .map((element) => element.outerHTML)`);
    expect(unlabelled).to.deep.equal([]);
    await page.locator("body").focus();
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      reached.push(
        await page.evaluate<string>(`(() => {
          const active = document.activeElement;
          return active.id || active.getAttribute("aria-label") || active.textContent.trim() || active.tagName;
        })()`),
      );
    }
    expect(reached).to.include.members(["bucket", "seconds", "Show", "file", "Upload"]);
    // The chart's window, changed from the keyboard alone.
    await page.locator("#seconds").focus();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("30");
    await page.keyboard.press("Enter");
    await page.waitForURL(/seconds=30/);
    expect(await page.locator("#chart").getAttribute("alt")).to.equal(
      `Size of ${DATA_BUCKET} over the last 30 seconds, in bytes`,
    );
  });

  it("uploads a file through the page: S3 stores it under uploads/ and the tracker records the new size", async () => {
    await page.goto(dashboardUrl);
    const before = (await recordedSizes()).length;
    await page.getByLabel(/Upload a file/).setInputFiles({
      name: UPLOAD.name,
      mimeType: "text/plain",
      buffer: Buffer.from(UPLOAD.body),
    });
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByText(`Uploaded ${UPLOAD_KEY}.`, { exact: false }).waitFor();
    const head = await cloudClients(cloud.endpoint).s3.send(
      new HeadObjectCommand({ Bucket: DATA_BUCKET, Key: UPLOAD_KEY }),
    );
    expect(head.ContentLength).to.equal(UPLOAD.body.length);
    const size = String(2 + UPLOAD.body.length);
    // The page refreshes its history while open: the tracker's new record appears on top.
    await newestSizeShown(size);
    expect((await recordedSizes()).slice(before)).to.deep.equal([2 + UPLOAD.body.length]);
    expect(await objectKeys()).to.include(UPLOAD_KEY);
    expect(watch.cspViolations).to.deep.equal([]);
  });

  it("deletes the upload from the keyboard after asking, and the tracker records the size going back to 2", async () => {
    await page.reload();
    const button = page.getByRole("button", { name: `Delete ${UPLOAD_KEY}` });
    await button.focus();
    await page.keyboard.press("Enter");
    await page.getByText(`Deleted ${UPLOAD_KEY}.`, { exact: false }).waitFor();
    expect(watch.dialogs).to.deep.equal([`Delete ${UPLOAD_KEY} from ${DATA_BUCKET}?`]);
    expect(await objectKeys()).not.to.include(UPLOAD_KEY);
    const gone = await cloudClients(cloud.endpoint)
      .s3.send(new HeadObjectCommand({ Bucket: DATA_BUCKET, Key: UPLOAD_KEY }))
      .catch((error: Error) => error.name);
    expect(gone).to.equal("NotFound");
    // The page keeps its history fresh: the record of the size going back to 2 comes on top.
    await newestSizeShown("2");
    expect((await recordedSizes()).slice(-2)).to.deep.equal([2 + UPLOAD.body.length, 2]);
    // Only the demo's own object is left, and it is outside the upload prefix: no delete button.
    expect(await objectKeys()).to.deep.equal(["assignment2.txt"]);
    expect(await page.locator("#objects button[data-key]").count()).to.equal(0);
  });

  it("leaves the limits to S3: a POST over the size limit or outside uploads/ is refused by the signed policy", async () => {
    const form = (await (await fetch(`${dashboardUrl}api/upload-form`)).json()) as {
      url: string;
      fields: Record<string, string>;
      maxBytes: number;
    };
    const post = (key: string, bytes: number) => {
      const body = new FormData();
      for (const [name, value] of Object.entries(form.fields))
        body.append(name, name === "key" ? key : value);
      body.append("Content-Type", "text/plain");
      body.append("file", new Blob([Buffer.alloc(bytes, 97)]), "f.txt");
      return fetch(form.url, { method: "POST", body });
    };
    const tooBig = await post("uploads/too-big.txt", form.maxBytes + 1);
    expect(tooBig.status).to.equal(400);
    expect(await tooBig.text()).to.include("<Code>EntityTooLarge</Code>");
    const outside = await post("assignment2.txt", 3);
    expect(outside.status).to.equal(403);
    expect(await outside.text()).to.include("<Code>AccessDenied</Code>");
    const { KeyCount } = await cloudClients(cloud.endpoint).s3.send(
      new ListObjectsV2Command({ Bucket: DATA_BUCKET, Prefix: "uploads/" }),
    );
    expect(KeyCount).to.equal(0);
    const kept = await cloudClients(cloud.endpoint).s3.send(
      new HeadObjectCommand({ Bucket: DATA_BUCKET, Key: "assignment2.txt" }),
    );
    expect(kept.ContentLength).to.equal(2);
  });

  it("ran on a role that was enough: every use the page's function made was granted, none denied", async () => {
    const run = await cli("policy", "--role", "s3size-web-role", "--json");
    expect(run.code, run.stderr).to.equal(0);
    const [role] = JSON.parse(run.stdout).roles as Array<{
      usedAndGranted: Array<{ action: string }>;
      usedButDenied: Array<{ action: string }>;
    }>;
    expect(role!.usedButDenied).to.deep.equal([]);
    // The upload's PutObject counts too: S3 authorizes a form POST as the role session that signed it.
    expect([...new Set(role!.usedAndGranted.map((use) => use.action))].sort()).to.include.members([
      "dynamodb:Query",
      "s3:DeleteObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
  });

  it("shows the dashboard function in the local console: its API Gateway triggers and its role", async () => {
    await page.goto(`${cloud.endpoint}/_s3size/console/lambda/function?name=s3size-web&region=us-east-1`);
    const text = await page.locator("main").innerText();
    expect(text).to.match(/Triggers \(6\)/);
    expect(text).to.include("Method: GET, Resource path: /,");
    expect(text).to.include("Method: DELETE, Resource path: /api/objects,");
    expect(text).to.include("s3size-web-role");
  });

  it("comes back with setup after its function, a route and the CORS rule are gone, and then serves again", async () => {
    const clients = cloudClients(cloud.endpoint);
    await clients.lambda.send(new DeleteFunctionCommand({ FunctionName: "s3size-web" }));
    await clients.s3.send(new DeleteBucketCorsCommand({ Bucket: DATA_BUCKET }));
    const apiId = new URL(dashboardUrl).pathname.split("/")[3]!;
    const { items = [] } = await clients.apigateway.send(new GetResourcesCommand({ restApiId: apiId }));
    const objects = items.find((item) => item.path === "/api/objects")!;
    await clients.apigateway.send(
      new DeleteMethodCommand({ restApiId: apiId, resourceId: objects.id!, httpMethod: "DELETE" }),
    );
    const status = await cli("status", "--json");
    expect(status.code).to.equal(3);
    const broken = (JSON.parse(status.stdout).steps as Array<{ name: string; upToDate: boolean }>)
      .filter((step) => !step.upToDate)
      .map((step) => step.name);
    expect(broken).to.deep.equal(["functions", "api", "dashboard-cors"]);
    const repair = await cli("setup");
    expect(repair.code, repair.stderr).to.equal(0);
    expect((await cli("status")).code).to.equal(0);
    const response = await page.goto(dashboardUrl);
    expect(response?.status()).to.equal(200);
    expect((await historySizes())[0]).to.equal("2");
  });
});
