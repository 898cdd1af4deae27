// The local console over HTTP, without a browser: what it answers and refuses, the headers that keep a
// page inert, and its reader, which only ever sends reads and bypasses the throttling switch.
import { request } from "node:http";
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { CONSOLE_CSP } from "../../local/console/index.ts";
import { parseReportLine } from "../../local/console/pages/lambda-monitor.ts";
import { createConsoleReader, isReadRequest, ReadOnlyError } from "../../local/console/reader.ts";
import { type CloudContext, DEFAULT_REALISM, type EdgeRequest, type Service } from "../../local/types.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(
  endpoint: string,
  path: string,
  options: { method?: string; host?: string } = {},
): Promise<Answer> {
  const url = new URL(path, endpoint);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? "GET",
        headers: options.host ? { host: options.host } : {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    call.on("error", reject);
    call.end(options.method === "POST" ? "Action=DeleteTopic" : undefined);
  });
}

describe("local console over HTTP", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
    await test.clients.s3.send(new CreateBucketCommand({ Bucket: "console-bucket" }));
  });
  after(() => test.stop());

  it("serves pages with a policy that allows no script, no framing and no foreign resource", async () => {
    const answer = await get(test.cloud.endpoint, "/_s3size/console/s3");
    expect(answer.status).to.equal(200);
    expect(answer.headers["content-type"]).to.equal("text/html; charset=utf-8");
    expect(answer.headers["content-security-policy"]).to.equal(CONSOLE_CSP);
    expect(CONSOLE_CSP).to.contain("default-src 'none'").and.contain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.to.contain("script-src");
    expect(answer.headers["x-content-type-options"]).to.equal("nosniff");
    expect(answer.headers["cache-control"]).to.equal("no-store");
    expect(answer.body).to.match(/^<!doctype html>/);
    expect(answer.body).to.contain("console-bucket");
    expect(answer.body).not.to.contain("<script");
  });

  it("refuses every method but GET and HEAD, changing nothing", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const answer = await get(test.cloud.endpoint, "/_s3size/console/s3", { method });
      expect(answer.status, method).to.equal(405);
      expect(answer.headers.allow).to.equal("GET, HEAD");
    }
    const head = await get(test.cloud.endpoint, "/_s3size/console/s3", { method: "HEAD" });
    expect(head.status).to.equal(200);
    expect(head.body).to.equal("");
    expect(Number(head.headers["content-length"])).to.be.greaterThan(1000);
  });

  it("answers only loopback Host names, so a rebinding page cannot read it", async () => {
    for (const host of ["attacker.example", "attacker.example:4566", "127.0.0.1.nip.io", "10.0.0.1"]) {
      const answer = await get(test.cloud.endpoint, "/_s3size/console/", { host });
      expect(answer.status, host).to.equal(403);
      expect(answer.body).not.to.contain("console-bucket");
    }
    for (const host of ["localhost:4566", "127.0.0.1", "[::1]:4566", "s3.localhost"]) {
      expect((await get(test.cloud.endpoint, "/_s3size/console/", { host })).status, host).to.equal(200);
    }
  });

  it("redirects the bare path, and answers unknown pages, regions and resources with escaped messages", async () => {
    const bare = await get(test.cloud.endpoint, "/_s3size/console");
    expect(bare.status).to.equal(301);
    expect(bare.headers.location).to.equal("/_s3size/console/");
    expect((await get(test.cloud.endpoint, "/_s3size/console/nowhere")).status).to.equal(404);
    const region = await get(test.cloud.endpoint, "/_s3size/console/lambda?region=%3Cscript%3E");
    expect(region.status).to.equal(400);
    expect(region.body).to.contain("&quot;&lt;script&gt;&quot; is not a region name");
    const bucket = await get(test.cloud.endpoint, "/_s3size/console/s3/bucket?name=%3Cb%3Enone");
    expect(bucket.status).to.equal(404);
    expect(bucket.body).not.to.contain("<b>none");
    const missing = await get(test.cloud.endpoint, "/_s3size/console/lambda/function");
    expect(missing.status).to.equal(400);
    expect(missing.body).to.contain("This page needs the &quot;name&quot; parameter.");
  });

  it("reads past the throttling switch, which still throttles every SDK client", async () => {
    test.cloud.realism.throttleEveryN = 1;
    try {
      const answer = await get(test.cloud.endpoint, "/_s3size/console/lambda");
      expect(answer.status).to.equal(200);
      expect(answer.body).to.contain("No functions in us-east-1.");
      const home = await get(test.cloud.endpoint, "/_s3size/console/");
      expect(home.body).not.to.contain("could not be read");
      const client = test.clients.lambda;
      const { ListFunctionsCommand } = await import("@aws-sdk/client-lambda");
      const error = await client.send(new ListFunctionsCommand({})).catch((failure: Error) => failure);
      expect((error as Error).name).to.equal("TooManyRequestsException");
    } finally {
      test.cloud.realism.throttleEveryN = 0;
    }
  });
});

describe("local console reader", () => {
  const ctx: CloudContext = {
    region: "us-east-1",
    accountId: "000000000000",
    dataDir: "/nonexistent",
    host: "127.0.0.1",
    endpoint: "http://127.0.0.1:1",
    realism: { ...DEFAULT_REALISM },
    debug: () => {},
  };
  const listing =
    '<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>seen</Name><CreationDate>2025-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>';

  it("hands reads to the service in process, and refuses a write before any service sees it", async () => {
    const received: EdgeRequest[] = [];
    const s3: Service = {
      name: "s3",
      async handle(req, res) {
        received.push(req);
        res.writeHead(200, { "content-type": "application/xml" });
        res.end(listing);
      },
    };
    const operations: string[] = [];
    const reader = createConsoleReader(ctx, new Map([["s3", s3]]), (operation) => operations.push(operation));
    const { Buckets } = await reader.clients("eu-west-1").s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((bucket) => bucket.Name)).to.deep.equal(["seen"]);
    expect(received).to.have.length(1);
    expect(received[0]).to.include({
      method: "GET",
      service: "s3",
      region: "eu-west-1",
      accessKeyId: "s3size-console",
    });

    const write = reader
      .clients("eu-west-1")
      .s3.send(new PutObjectCommand({ Bucket: "seen", Key: "k", Body: "x" }));
    const error = await write.catch((failure: Error) => failure);
    expect(error).to.be.instanceOf(ReadOnlyError);
    expect(received).to.have.length(1);
    expect(operations).to.deep.equal(["s3:GET /", "s3:PUT /seen/k"]);
    reader.close();
  });

  it("tells reads from writes in every protocol: REST methods, JSON targets and Query actions", () => {
    const req = (method: string, options: { target?: string; action?: string; body?: string } = {}) => ({
      method,
      query: new URLSearchParams(options.action ? { Action: options.action } : {}),
      body: Buffer.from(options.body ?? ""),
      ...(options.target ? { target: options.target } : {}),
    });
    expect(isReadRequest(req("GET"))).to.equal(true);
    expect(isReadRequest(req("HEAD"))).to.equal(true);
    for (const method of ["PUT", "POST", "DELETE", "PATCH"])
      expect(isReadRequest(req(method)), method).to.equal(false);
    expect(isReadRequest(req("POST", { target: "DynamoDB_20120810.Scan" }))).to.equal(true);
    expect(isReadRequest(req("POST", { target: "DynamoDB_20120810.Query" }))).to.equal(true);
    expect(isReadRequest(req("POST", { target: "DynamoDB_20120810.PutItem" }))).to.equal(false);
    expect(isReadRequest(req("POST", { target: "AmazonSQS.GetQueueAttributes" }))).to.equal(true);
    expect(isReadRequest(req("POST", { target: "AmazonSQS.ReceiveMessage" }))).to.equal(false);
    expect(isReadRequest(req("POST", { target: "Logs_20140328.FilterLogEvents" }))).to.equal(true);
    expect(isReadRequest(req("POST", { target: "Logs_20140328.PutLogEvents" }))).to.equal(false);
    expect(isReadRequest(req("POST", { body: "Action=ListTopics&Version=2010-03-31" }))).to.equal(true);
    expect(isReadRequest(req("POST", { body: "Action=Publish&Version=2010-03-31" }))).to.equal(false);
    expect(isReadRequest(req("POST", { body: "Action=ConfirmSubscription" }))).to.equal(false);
    expect(isReadRequest(req("GET", { action: "Unsubscribe" }))).to.equal(false);
  });
});

describe("local console: recent invocations", () => {
  it("reads Lambda's REPORT line, with and without an init duration or a failure status", () => {
    const cold = parseReportLine(
      "REPORT RequestId: 8f5a\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 44 MB\tInit Duration: 180.20 ms",
      1000,
    );
    expect(cold).to.deep.equal({
      timestamp: 1000,
      requestId: "8f5a",
      duration: "12.50 ms",
      billedDuration: "13 ms",
      maxMemoryUsed: "44 MB",
      initDuration: "180.20 ms",
      status: "Succeeded",
    });
    const failed = parseReportLine("REPORT RequestId: 9b\tDuration: 3000.00 ms\tStatus: timeout\n", 2000);
    expect(failed).to.include({ requestId: "9b", status: "Timeout" });
    expect(parseReportLine("START RequestId: 9b Version: $LATEST", 0)).to.equal(undefined);
    expect(parseReportLine("REPORT nothing", 0)).to.equal(undefined);
  });
});
