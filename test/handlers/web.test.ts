// The dashboard's pure parts: its routes and parameter checks, its settings, the upload's signed policy,
// the page's escaping and the CSP that must admit exactly the page's own inline style and script.
import { createHash } from "node:crypto";
import { S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { expect } from "chai";
import { readWebConfig, WebConfigError } from "../../handlers/web/config.ts";
import { type DashboardView, renderDashboard, sizeLimit } from "../../handlers/web/page.ts";
import { dashboardCsp } from "../../handlers/web/responses.ts";
import {
  decodeHistoryCursor,
  decodeObjectsCursor,
  encodeHistoryCursor,
  encodeObjectsCursor,
  parseWebRequest,
} from "../../handlers/web/routes.ts";
import { decodedPolicy, FILENAME_PLACEHOLDER, uploadPostOptions } from "../../handlers/web/upload-policy.ts";

const ENV = {
  HISTORY_TABLE: "history",
  DATA_BUCKET: "data-bucket",
  TRACKED_BUCKETS: "other-bucket, data-bucket",
};
const config = readWebConfig(ENV);

describe("dashboard settings", () => {
  it("tracks the data bucket first, then the listed ones, with the default upload prefix and limit", () => {
    expect(config).to.deep.equal({
      table: "history",
      dataBucket: "data-bucket",
      trackedBuckets: ["data-bucket", "other-bucket"],
      uploadPrefix: "uploads/",
      uploadMaxBytes: 10 * 1024 * 1024,
      refreshSeconds: 5,
    });
    const full = readWebConfig({
      ...ENV,
      FAILURE_QUEUE_URL: "http://q",
      ERRORS_ALARM_NAME: "errors",
      UPLOAD_MAX_BYTES: "2048",
    });
    expect(full).to.include({ failureQueueUrl: "http://q", errorsAlarm: "errors", uploadMaxBytes: 2048 });
  });

  it("refuses a deployment whose settings would weaken the upload policy or name bad buckets", () => {
    const refused = (env: Record<string, string>, words: string) =>
      expect(() => readWebConfig({ ...ENV, ...env })).to.throw(WebConfigError, words);
    refused({ UPLOAD_PREFIX: "up" }, "folder-like key prefix");
    refused({ UPLOAD_PREFIX: "/" }, "folder-like key prefix");
    refused({ UPLOAD_PREFIX: "a/../b/" }, "folder-like key prefix");
    refused({ UPLOAD_MAX_BYTES: "0" }, "UPLOAD_MAX_BYTES must be a whole number");
    refused({ UPLOAD_MAX_BYTES: String(6 * 1024 ** 3) }, "UPLOAD_MAX_BYTES must be a whole number");
    refused({ TRACKED_BUCKETS: "Bad_Bucket" }, "not a valid bucket name");
    expect(() => readWebConfig({ DATA_BUCKET: "data-bucket" })).to.throw(
      WebConfigError,
      "HISTORY_TABLE is not set",
    );
  });
});

describe("dashboard routes", () => {
  const parse = (path: string, query: Record<string, string> = {}, httpMethod = "GET") =>
    parseWebRequest({ httpMethod, path, queryStringParameters: query }, config);

  it("serves the page at the root with the data bucket and a 10-second window by default", () => {
    expect(parse("/")).to.deep.equal({
      ok: true,
      head: false,
      route: { kind: "page", bucket: "data-bucket", seconds: 10 },
    });
    expect(parse("/", { bucket: "other-bucket", seconds: "60" })).to.deep.include({
      route: { kind: "page", bucket: "other-bucket", seconds: 60 },
    });
    expect(parse("/api/history/", { limit: "5" })).to.deep.include({
      route: { kind: "history", bucket: "data-bucket", limit: 5 },
    });
    expect(parse("/", {}, "HEAD")).to.deep.include({ head: true });
  });

  it("answers bad parameters with a 400 naming the problem, before any read", () => {
    const refusal = (result: ReturnType<typeof parse>) =>
      result.ok ? "accepted" : `${result.status} ${result.message}`;
    expect(refusal(parse("/", { bucket: "someone-elses-bucket" }))).to.equal(
      '400 bucket "someone-elses-bucket" is not tracked by this stack; tracked: data-bucket, other-bucket',
    );
    expect(refusal(parse("/", { seconds: "0" }))).to.equal(
      '400 seconds must be a whole number from 1 to 86400, got "0"',
    );
    expect(refusal(parse("/", { seconds: "1e3" }))).to.match(/^400 seconds must be/);
    expect(refusal(parse("/api/history", { limit: "101" }))).to.match(
      /^400 limit must be a whole number from 1 to 100/,
    );
    expect(refusal(parse("/api/history", { cursor: "not-ours" }))).to.equal(
      "400 cursor is not one this API gave out",
    );
    expect(refusal(parse("/api/objects", { cursor: "%%%" }))).to.equal(
      "400 cursor is not one this API gave out",
    );
  });

  it("deletes only under the upload prefix, and only with DELETE", () => {
    expect(parse("/api/objects", { key: "uploads/a.txt" }, "DELETE")).to.deep.include({
      route: { kind: "delete", key: "uploads/a.txt" },
    });
    for (const key of ["assignment2.txt", "uploads/", "uploadsX/a", "x".repeat(1025)]) {
      const result = parse("/api/objects", { key }, "DELETE");
      expect(result.ok, key).to.equal(false);
    }
    expect(parse("/api/objects", {}, "DELETE")).to.deep.include({
      status: 400,
      message: "key is required: the object to delete",
    });
    expect(parse("/", {}, "DELETE")).to.deep.include({ status: 405, allow: "GET, HEAD" });
    expect(parse("/api/status", {}, "POST")).to.deep.include({ status: 405, error: "MethodNotAllowed" });
    expect(parse("/api/objects", {}, "PUT")).to.deep.include({ allow: "GET, HEAD, DELETE" });
    expect(parse("/admin")).to.deep.include({ status: 404, error: "NotFound" });
  });

  it("gives out opaque cursors and takes back only its own", () => {
    expect(decodeHistoryCursor(encodeHistoryCursor(1735689606000))).to.equal(1735689606000);
    expect(decodeHistoryCursor(Buffer.from('{"bucket_name":{"S":"x"}}').toString("base64url"))).to.equal(
      undefined,
    );
    expect(decodeHistoryCursor(Buffer.from("t:1e9").toString("base64url"))).to.equal(undefined);
    const token = "1Kq+/Zb==token";
    expect(decodeObjectsCursor(encodeObjectsCursor(token))).to.equal(token);
    expect(decodeObjectsCursor("a".repeat(3000))).to.equal(undefined);
  });
});

describe("dashboard upload policy", () => {
  it("signs a POST that S3 holds to the data bucket, the upload prefix, the size limit and ten minutes", async () => {
    const s3 = new S3Client({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "session" },
    });
    const now = Date.now();
    const post = await createPresignedPost(s3, uploadPostOptions({ ...config, uploadMaxBytes: 1000 }));
    expect(post.url).to.equal("https://data-bucket.s3.eu-west-1.amazonaws.com/");
    expect(post.fields).to.include({
      key: `uploads/${FILENAME_PLACEHOLDER}`,
      bucket: "data-bucket",
      success_action_status: "201",
    });
    const policy = decodedPolicy(post.fields);
    expect(policy.conditions).to.deep.include.members([
      ["starts-with", "$key", "uploads/"],
      ["content-length-range", 0, 1000],
      { bucket: "data-bucket" },
      { success_action_status: "201" },
    ]);
    expect(Date.parse(policy.expiration) - now).to.be.within(595_000, 601_000);
    expect(JSON.stringify(post.fields)).not.to.contain('secret"');
  });
});

describe("dashboard page", () => {
  const hostile = "<img src=x onerror=alert(1)>";
  const view: DashboardView = {
    bucket: "data-bucket",
    trackedBuckets: ["data-bucket"],
    seconds: 10,
    refreshSeconds: 5,
    history: {
      bucket: "data-bucket",
      records: [{ timestamp: 2, recordedAt: "2025-01-01T00:00:02.000Z", totalSize: 1234567, objectCount: 1 }],
      next: encodeHistoryCursor(2),
    },
    objects: {
      bucket: "data-bucket",
      objects: [
        { key: `uploads/${hostile}`, size: 7 },
        { key: hostile, size: 1 },
      ],
    },
    status: { failures: { configured: false }, alarm: { configured: true, name: "errors", state: "ALARM" } },
    upload: { prefix: "uploads/", maxBytes: 1000 },
  };

  it("renders keys as text, offers delete only under the upload prefix, and pages the history", () => {
    const page = renderDashboard(view);
    expect(page).not.to.contain(hostile);
    expect(page).to.contain('<span class="key">uploads/&lt;img src=x onerror=alert(1)&gt;</span>');
    expect(page.match(/data-key="/g)).to.have.length(1);
    expect(page).to.contain('data-key="uploads/&lt;img src=x onerror=alert(1)&gt;"');
    expect(page).to.contain('<td class="number">1,234,567</td>');
    expect(page).to.contain(
      `href="?bucket=data-bucket&amp;seconds=10&amp;cursor=${view.history.next}">Older records</a>`,
    );
    expect(page).to.contain('src="plot?format=png&amp;bucket=data-bucket&amp;seconds=10"');
    // A stack without a failure queue gets no card for it (a card saying "none" helps nobody).
    expect(page).not.to.contain('id="failures"');
    expect(page).to.contain(">In alarm<");
  });

  it("states the upload limit as people say it", () => {
    expect(renderDashboard(view)).to.contain("Upload a file (at most 1,000 bytes;");
    expect(sizeLimit(10 * 1024 * 1024)).to.equal("10 MiB");
    expect(sizeLimit(1024 * 1024 + 1)).to.equal("1,048,577 bytes");
  });

  it("has a CSP whose hashes admit exactly its one inline style and one inline script", () => {
    const page = renderDashboard(view);
    const csp = dashboardCsp("https://data-bucket.s3.eu-west-1.amazonaws.com");
    const inline = (tag: string) =>
      [...page.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => m[1]!);
    const hashOf = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
    expect(inline("style")).to.have.length(1);
    expect(inline("script")).to.have.length(1);
    expect(csp).to.contain(`style-src ${hashOf(inline("style")[0]!)};`);
    expect(csp).to.contain(`script-src ${hashOf(inline("script")[0]!)};`);
    expect(csp).to.contain("connect-src 'self' https://data-bucket.s3.eu-west-1.amazonaws.com;");
    expect(csp).to.contain("default-src 'none'");
    expect(csp).not.to.contain("unsafe");
  });
});
