// The dashboard function against the local cloud, called with API Gateway's proxy events: its reads,
// paging, status, upload form and delete through the real SDK clients and services. (Provisioned behind
// the REST API and driven in a browser in phase B of issue 12.)
import { PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { CreateTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { expect } from "chai";
import { historyTableDefinition, recordToItem } from "../../handlers/common/history.ts";
import type { ProxyEvent } from "../../handlers/plotting/params.ts";
import type { WebClients } from "../../handlers/web/clients.ts";
import { FILENAME_PLACEHOLDER, uploadPostOptions } from "../../handlers/web/upload-policy.ts";
import { createWebHandler } from "../../handlers/web.ts";
import { startTestCloud, type TestCloud } from "../local/cloud.ts";

const TABLE = "S3-object-size-history";
const BUCKET = "dashboard-data";
const OTHER = "dashboard-other";
const START = Date.parse("2025-01-01T00:00:00Z");

describe("dashboard function on the local cloud", function () {
  this.timeout(30_000);
  let test: TestCloud;
  let queueUrl: string;
  let env: Record<string, string>;
  const logs: string[] = [];

  const call = async (path: string, query: Record<string, string> = {}, httpMethod = "GET") => {
    const clients: WebClients = {
      s3: () => test.clients.s3,
      dynamodb: () => test.clients.dynamodb,
      sqs: () => test.clients.sqs,
      cloudwatch: () => test.clients.cloudwatch,
    };
    const handler = createWebHandler({
      clients,
      env,
      log: (line) => logs.push(line),
      presignPost: (s3, config) => createPresignedPost(s3, uploadPostOptions(config)),
    });
    const event: ProxyEvent = { httpMethod, path, queryStringParameters: query, headers: {} };
    const response = await handler(event);
    const type = response.headers["content-type"] ?? "";
    return {
      ...response,
      json: type.startsWith("application/json") && response.body ? JSON.parse(response.body) : undefined,
    };
  };

  before(async () => {
    test = await startTestCloud();
    const { s3, dynamodb, sqs, cloudwatch } = test.clients;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: OTHER }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "assignment2.txt", Body: "33" }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "uploads/notes.txt", Body: "hello" }));
    await dynamodb.send(new CreateTableCommand(historyTableDefinition(TABLE)));
    // 25 records of the data bucket (sizes 0, 10, …, 240) and one larger of the other bucket.
    for (let index = 0; index < 25; index += 1) {
      const timestamp = START + index * 1000;
      await dynamodb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: recordToItem({
            bucketName: BUCKET,
            timestamp,
            totalSize: index * 10,
            objectCount: index,
            recordedAt: new Date(timestamp).toISOString(),
          }),
        }),
      );
    }
    await dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: recordToItem({
          bucketName: OTHER,
          timestamp: START,
          totalSize: 5000,
          objectCount: 2,
          recordedAt: new Date(START).toISOString(),
        }),
      }),
    );
    ({ QueueUrl: queueUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: "s3size-failures" }))) as {
      QueueUrl: string;
    });
    for (const body of ["a", "b", "c"])
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: "s3size-errors",
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    env = {
      HISTORY_TABLE: TABLE,
      DATA_BUCKET: BUCKET,
      TRACKED_BUCKETS: `${BUCKET},${OTHER}`,
      FAILURE_QUEUE_URL: queueUrl,
      ERRORS_ALARM_NAME: "s3size-errors",
    };
  });
  after(() => test.stop());

  it("pages a bucket's history newest first by Query, 20 at a time, with an opaque cursor", async () => {
    const first = await call("/api/history", { bucket: BUCKET });
    expect(first.statusCode).to.equal(200);
    expect(first.json.records.map((record: { totalSize: number }) => record.totalSize)).to.deep.equal(
      Array.from({ length: 20 }, (_, index) => (24 - index) * 10),
    );
    const second = await call("/api/history", { bucket: BUCKET, cursor: first.json.next });
    expect(second.json.records.map((record: { totalSize: number }) => record.totalSize)).to.deep.equal([
      40, 30, 20, 10, 0,
    ]);
    expect(second.json.next).to.equal(undefined);
    const small = await call("/api/history", { bucket: OTHER, limit: "1" });
    expect(small.json).to.deep.equal({
      bucket: OTHER,
      records: [
        { timestamp: START, recordedAt: "2025-01-01T00:00:00.000Z", totalSize: 5000, objectCount: 2 },
      ],
    });
  });

  it("renders the page with the current size, the global maximum, the objects and a CSP for the bucket's origin", async () => {
    const page = await call("/");
    expect(page.statusCode).to.equal(200);
    expect(page.headers["content-type"]).to.equal("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).to.contain(`connect-src 'self' ${test.cloud.endpoint};`);
    expect(page.body).to.contain('<div class="value " id="current-size">240 bytes</div>');
    expect(page.body).to.contain('id="max-size">5,000 bytes</div>');
    expect(page.body).to.contain("dashboard-other at 2025-01-01 00:00:00.000 UTC");
    expect(page.body).to.contain('<span class="key">assignment2.txt</span>');
    expect(page.body).to.contain('data-key="uploads/notes.txt"');
    expect(page.body).to.contain('id="failures">3</div>');
    expect(page.body).to.contain('id="alarm">Insufficient data</div>');
    const older = await call("/", { cursor: JSON.parse((await call("/api/history")).body).next });
    expect(older.body).to.contain('id="current-size">240 bytes</div>');
    expect(older.body).to.contain("(older page)");
    const other = await call("/", { bucket: OTHER });
    expect(other.body).not.to.contain('id="upload"');
    expect(other.headers["content-security-policy"]).to.contain("connect-src 'self';");
  });

  it("finds the failure queue by name as setup names it, and calls a queue not there missing, not an error", async () => {
    const saved = env;
    try {
      env = { ...saved, FAILURE_QUEUE_URL: "", FAILURE_QUEUE_NAME: "s3size-failures" };
      expect((await call("/api/status")).json.failures).to.deep.equal({ configured: true, waiting: 3 });
      env = {
        ...saved,
        FAILURE_QUEUE_URL: "",
        FAILURE_QUEUE_NAME: "no-such-queue",
        ERRORS_ALARM_NAME: "no-such-alarm",
      };
      expect((await call("/api/status")).json.failures).to.deep.equal({ configured: true, missing: true });
      const page = await call("/");
      expect(page.body).to.contain('id="current-size"');
      expect(page.body).not.to.contain('id="failures"');
      expect(page.body).not.to.contain('id="alarm"');
    } finally {
      env = saved;
    }
  });

  it("reports the failure queue and the alarm, or says they are not configured or missing", async () => {
    expect((await call("/api/status")).json).to.deep.include({ failures: { configured: true, waiting: 3 } });
    expect((await call("/api/status")).json.alarm).to.include({
      configured: true,
      name: "s3size-errors",
      state: "INSUFFICIENT_DATA",
    });
    const saved = env;
    try {
      env = { HISTORY_TABLE: TABLE, DATA_BUCKET: BUCKET };
      expect((await call("/api/status")).json).to.deep.equal({
        failures: { configured: false },
        alarm: { configured: false },
      });
      env = { ...saved, ERRORS_ALARM_NAME: "no-such-alarm" };
      expect((await call("/api/status")).json.alarm).to.deep.equal({
        configured: true,
        name: "no-such-alarm",
        missing: true,
      });
    } finally {
      env = saved;
    }
  });

  it("gives an upload form that posts a file under the upload prefix of the data bucket", async () => {
    const { json: form } = await call("/api/upload-form");
    expect(form.url).to.equal(`${test.cloud.endpoint}/${BUCKET}`);
    expect(form).to.include({ maxBytes: 10 * 1024 * 1024, prefix: "uploads/" });
    const body = new FormData();
    // As the page's script does: the file's name in place of S3's ${filename}.
    for (const [name, value] of Object.entries(form.fields as Record<string, string>)) {
      body.append(name, name === "key" ? value.replace(FILENAME_PLACEHOLDER, "report.txt") : value);
    }
    body.append("Content-Type", "text/plain");
    body.append("file", new Blob(["from the page"]), "report.txt");
    const posted = await fetch(form.url, { method: "POST", body });
    expect(posted.status, await posted.clone().text()).to.equal(201);
    const head = await test.clients.s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: "uploads/report.txt" }),
    );
    expect(head.ContentLength).to.equal(13);
  });

  it("deletes an uploaded object, and refuses keys outside the upload prefix without touching them", async () => {
    const deleted = await call("/api/objects", { key: "uploads/notes.txt" }, "DELETE");
    expect(deleted.json).to.deep.equal({ deleted: { bucket: BUCKET, key: "uploads/notes.txt" } });
    const refused = await call("/api/objects", { key: "assignment2.txt" }, "DELETE");
    expect(refused.statusCode).to.equal(400);
    const { Contents = [] } = await test.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(Contents.map((object) => object.Key))
      .to.include("assignment2.txt")
      .and.not.include("uploads/notes.txt");
  });

  it("answers a broken deployment with a 500 that says what is missing", async () => {
    const saved = env;
    try {
      env = { DATA_BUCKET: BUCKET };
      const broken = await call("/");
      expect(broken.statusCode).to.equal(500);
      expect(broken.json.message).to.equal(
        "the dashboard could not answer: WebConfigError: environment variable HISTORY_TABLE is not set",
      );
    } finally {
      env = saved;
    }
  });
});
