import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddPermissionCommand, CreateFunctionCommand } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { decodeAwsChunked, decodeUpload } from "../../local/s3/aws-chunked.ts";
import { S3Failure } from "../../local/s3/failure.ts";
import { compareKeys, pageKeys } from "../../local/s3/listing.ts";
import {
  buildEventRecord,
  createSequencer,
  encodeEventKey,
  matchingConfigurations,
  type NotificationConfiguration,
  parseNotificationConfiguration,
  validateNotificationConfiguration,
} from "../../local/s3/notifications.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { createLambdaRole, zipFolder } from "./fixtures/lambda.ts";

const ARN = "arn:aws:lambda:us-east-1:000000000000:function:tracker";

function configXml(...entries: string[]): string {
  return `<?xml version="1.0"?><NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${entries.join("")}</NotificationConfiguration>`;
}

function entry(events: string[], rules: Array<[string, string]> = [], id = ""): string {
  const filter = rules.length
    ? `<Filter><S3Key>${rules.map(([name, value]) => `<FilterRule><Name>${name}</Name><Value>${value}</Value></FilterRule>`).join("")}</S3Key></Filter>`
    : "";
  return `<CloudFunctionConfiguration>${id ? `<Id>${id}</Id>` : ""}<CloudFunction>${ARN}</CloudFunction>${events.map((event) => `<Event>${event}</Event>`).join("")}${filter}</CloudFunctionConfiguration>`;
}

function thrown(action: () => unknown): S3Failure {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(S3Failure);
    return error as S3Failure;
  }
  throw new Error("expected a failure");
}

const allowAll = { functionExists: () => true, isInvokeAllowed: () => true };

describe("S3 notification configuration", () => {
  it("reads functions, events and filter rules, generating an Id when missing", () => {
    const config = parseNotificationConfiguration(
      configXml(
        entry(
          ["s3:ObjectCreated:*"],
          [
            ["prefix", "in/"],
            ["Suffix", ".txt"],
          ],
        ),
      ),
    );
    expect(config.functions).to.have.length(1);
    const [only] = config.functions;
    expect(only).to.include({ functionArn: ARN, prefix: "in/", suffix: ".txt" });
    expect(only?.events).to.deep.equal(["s3:ObjectCreated:*"]);
    expect(only?.id).to.match(/^[A-Za-z0-9+/=]{20,}$/);
  });

  it("refuses unknown events and repeated filter rules with InvalidArgument", () => {
    expect(
      thrown(() => parseNotificationConfiguration(configXml(entry(["s3:ObjectMoved:*"])))).code,
    ).to.equal("InvalidArgument");
    const twice = thrown(() =>
      parseNotificationConfiguration(
        configXml(
          entry(
            ["s3:ObjectCreated:*"],
            [
              ["prefix", "a"],
              ["prefix", "b"],
            ],
          ),
        ),
      ),
    );
    expect(twice.code).to.equal("InvalidArgument");
  });

  it("refuses configurations that share an event type with overlapping filters", () => {
    const overlapping = parseNotificationConfiguration(
      configXml(
        entry(["s3:ObjectCreated:*"], [["prefix", "logs/"]], "a"),
        entry(["s3:ObjectCreated:Put"], [["prefix", "logs/2024/"]], "b"),
      ),
    );
    const error = thrown(() =>
      validateNotificationConfiguration(overlapping, {
        bucket: "b",
        accountId: "000000000000",
        lambda: allowAll,
      }),
    );
    expect(error.code).to.equal("InvalidArgument");
    expect(error.message).to.contain("Configurations overlap");
    const disjoint = parseNotificationConfiguration(
      configXml(
        entry(["s3:ObjectCreated:*"], [["prefix", "logs/"]], "a"),
        entry(["s3:ObjectCreated:*"], [["prefix", "data/"]], "b"),
      ),
    );
    validateNotificationConfiguration(disjoint, { bucket: "b", accountId: "000000000000", lambda: allowAll });
  });

  it("validates that each function exists and lets S3 invoke it for this bucket and account", () => {
    const config = parseNotificationConfiguration(configXml(entry(["s3:ObjectCreated:*"])));
    const asked: unknown[] = [];
    const refusing = {
      functionExists: () => true,
      isInvokeAllowed: (_arn: string, caller: unknown) => {
        asked.push(caller);
        return false;
      },
    };
    const error = thrown(() =>
      validateNotificationConfiguration(config, {
        bucket: "data",
        accountId: "000000000000",
        lambda: refusing,
      }),
    );
    expect(error.message)
      .to.contain("Unable to validate the following destination configurations")
      .and.contain(ARN);
    expect(asked).to.deep.equal([
      { principal: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::data", sourceAccount: "000000000000" },
    ]);
    expect(() =>
      validateNotificationConfiguration(config, {
        bucket: "data",
        accountId: "000000000000",
        lambda: undefined,
      }),
    ).to.throw(S3Failure);
  });

  it("matches events by type pattern and keys by prefix and suffix", () => {
    const config: NotificationConfiguration = {
      functions: [
        { id: "created", functionArn: ARN, events: ["s3:ObjectCreated:*"], prefix: "in/", suffix: ".txt" },
        { id: "removed", functionArn: ARN, events: ["s3:ObjectRemoved:Delete"] },
      ],
    };
    const ids = (eventName: string, key: string) =>
      matchingConfigurations(config, eventName, key).map((c) => c.id);
    expect(ids("s3:ObjectCreated:Put", "in/a.txt")).to.deep.equal(["created"]);
    expect(ids("s3:ObjectCreated:Copy", "in/a.txt")).to.deep.equal(["created"]);
    expect(ids("s3:ObjectCreated:Put", "out/a.txt")).to.deep.equal([]);
    expect(ids("s3:ObjectCreated:Put", "in/a.png")).to.deep.equal([]);
    expect(ids("s3:ObjectRemoved:Delete", "anything")).to.deep.equal(["removed"]);
    expect(ids("s3:ObjectRemoved:DeleteMarkerCreated", "anything")).to.deep.equal([]);
  });
});

describe("S3 event records", () => {
  it("builds AWS's 2.1 record with the URL-encoded key, size, eTag and sequencer", () => {
    const record = buildEventRecord(
      {
        eventName: "s3:ObjectCreated:Put",
        bucket: "data",
        key: "my dir/a+b&c.txt",
        region: "eu-west-1",
        accountId: "000000000000",
        time: new Date("2026-01-02T03:04:05.678Z"),
        sourceIp: "127.0.0.1",
        requestId: "REQ",
        hostId: "HOST",
        sequencer: "0000ABC",
        size: 18,
        eTag: "d41d8cd98f00b204e9800998ecf8427e",
      },
      "tracker",
    );
    expect(record).to.deep.equal({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "eu-west-1",
      eventTime: "2026-01-02T03:04:05.678Z",
      eventName: "ObjectCreated:Put",
      userIdentity: { principalId: "AWS:000000000000" },
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      responseElements: { "x-amz-request-id": "REQ", "x-amz-id-2": "HOST" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "tracker",
        bucket: { name: "data", ownerIdentity: { principalId: "000000000000" }, arn: "arn:aws:s3:::data" },
        object: {
          key: "my+dir/a%2Bb%26c.txt",
          size: 18,
          eTag: "d41d8cd98f00b204e9800998ecf8427e",
          sequencer: "0000ABC",
        },
      },
    });
  });

  it("encodes keys as S3 does in events: spaces as '+', slashes kept, reserved characters escaped", () => {
    expect(encodeEventKey("assignment1.txt")).to.equal("assignment1.txt");
    expect(encodeEventKey("a b/c(d)")).to.equal("a+b/c%28d%29");
  });

  it("hands out sequencers that always grow, even when the clock stands still", () => {
    const next = createSequencer(() => 1_700_000_000_000);
    const values = [next(), next(), next()];
    expect([...values].sort()).to.deep.equal(values);
    expect(new Set(values).size).to.equal(3);
    expect(values[0]).to.match(/^[0-9A-F]{18}$/);
  });
});

describe("S3 aws-chunked uploads", () => {
  it("unwraps signed chunks and the trailer, and drops the chunking headers", () => {
    const body = Buffer.from(
      "5;chunk-signature=aa\r\nhello\r\n6;chunk-signature=bb\r\n world\r\n0;chunk-signature=cc\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
    );
    expect(decodeAwsChunked(body).payload.toString()).to.equal("hello world");
    const upload = decodeUpload(
      {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "11",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "content-type": "text/plain",
      },
      body,
    );
    expect(upload.body.toString()).to.equal("hello world");
    expect(upload.headers).to.deep.equal({ "content-type": "text/plain", "content-length": "11" });
  });

  it("refuses a body whose CRC32 trailer does not match with BadDigest", () => {
    const body = Buffer.from("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n");
    const error = thrown(() => decodeUpload({ "content-encoding": "aws-chunked" }, body));
    expect(error.code).to.equal("BadDigest");
  });
});

describe("S3 listing pages", () => {
  const keys = ["a", "a-b", "a.b", "a/b", "a/c", "b"];

  it("resumes after the last key and counts common prefixes towards the page size", () => {
    const first = pageKeys(keys, { prefix: "", delimiter: "/", after: "", maxKeys: 4 });
    expect(first.entries).to.deep.equal([
      { key: "a" },
      { key: "a-b" },
      { key: "a.b" },
      { commonPrefix: "a/" },
    ]);
    expect(first.truncated).to.equal(true);
    const second = pageKeys(keys, { prefix: "", delimiter: "/", after: first.last, maxKeys: 4 });
    expect(second.entries).to.deep.equal([{ key: "b" }]);
    expect(second.truncated).to.equal(false);
  });

  it("includes a key equal to the prefix and stops at the end of the prefix's range", () => {
    const page = pageKeys(keys, { prefix: "a", delimiter: "", after: "", maxKeys: 10 });
    expect(page.entries.map((entry) => ("key" in entry ? entry.key : ""))).to.deep.equal([
      "a",
      "a-b",
      "a.b",
      "a/b",
      "a/c",
    ]);
    const resumed = pageKeys(keys, { prefix: "a/", delimiter: "", after: "a/b", maxKeys: 10 });
    expect(resumed.entries).to.deep.equal([{ key: "a/c" }]);
  });

  it("orders keys by their UTF-8 bytes, not by JavaScript's UTF-16 order", () => {
    // U+FF01 is EF BC 81 in UTF-8 and sorts before the emoji's F0 9F 98 80, though its UTF-16 unit is larger.
    const unsorted = ["z", "\u{1F600}", "\uFF01", "A"];
    const sorted = [...unsorted].sort(compareKeys);
    expect(sorted).to.deep.equal(["A", "z", "\uFF01", "\u{1F600}"]);
    const page = pageKeys(sorted, { prefix: "", delimiter: "", after: "\uFF01", maxKeys: 10 });
    expect(page.entries).to.deep.equal([{ key: "\u{1F600}" }]);
  });
});

describe("S3 notifications delivered to a local Lambda function", () => {
  let test: TestCloud;
  let recordDir: string;
  const bucket = "notified";
  const functionName = "record-writer";
  let functionArn: string;

  before(async () => {
    test = await startTestCloud();
    recordDir = mkdtempSync(join(tmpdir(), "s3size-records-"));
    const role = await createLambdaRole(test.clients.iam, "record-writer-role");
    // Writes each record it receives to a file, named by its sequencer, for the test to read.
    // Written aside and renamed into place: the test never reads a half-written record.
    const code = `import { renameSync, writeFileSync } from "node:fs";
export const handler = async (event) => {
  for (const record of event.Records) {
    const path = process.env.RECORD_DIR + "/" + record.s3.object.sequencer + ".json";
    writeFileSync(path + ".tmp", JSON.stringify(record));
    renameSync(path + ".tmp", path);
  }
};`;
    const created = await test.clients.lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: "nodejs22.x",
        Role: role,
        Handler: "index.handler",
        Code: {
          ZipFile: await zipFolder(mkdtempSync(join(tmpdir(), "s3size-empty-")), { "index.mjs": code }),
        },
        Environment: { Variables: { RECORD_DIR: recordDir } },
      }),
    );
    functionArn = created.FunctionArn!;
    await test.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    await test.stop();
    rmSync(recordDir, { recursive: true, force: true });
  });

  const configure = () =>
    test.clients.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: "tracker",
              LambdaFunctionArn: functionArn,
              Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
              Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "in/" }] } },
            },
          ],
        },
      }),
    );

  /** Waits (bounded) until `count` records have been written by the function, oldest first. */
  async function records(count: number) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const files = readdirSync(recordDir)
        .filter((file) => file.endsWith(".json"))
        .sort();
      if (files.length >= count) {
        return files.map((file) => JSON.parse(readFileSync(join(recordDir, file), "utf8")));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the function wrote ${readdirSync(recordDir).length} records, expected ${count}`);
  }

  it("refuses the configuration until the function's policy lets S3 invoke it for this bucket", async () => {
    const error = await configure().then(
      () => undefined,
      (caught: unknown) => caught as Error & { $metadata: { httpStatusCode?: number } },
    );
    expect(error?.name).to.equal("InvalidArgument");
    expect(error?.message).to.contain(functionArn);
    await test.clients.lambda.send(
      new AddPermissionCommand({
        FunctionName: functionName,
        StatementId: "s3-invoke",
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
        SourceArn: `arn:aws:s3:::${bucket}`,
        SourceAccount: "000000000000",
      }),
    );
    await configure();
  });

  it("invokes the function with AWS's record for a put and then a delete of a matching key", async () => {
    const put = await test.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "in/a b.txt", Body: "Empty Assignment 1" }),
    );
    const [created] = await records(1);
    await test.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "in/a b.txt" }));
    const [, removed] = await records(2);

    expect(created).to.deep.include({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
    });
    expect(created.awsRegion).to.equal("us-east-1");
    expect(created.s3.configurationId).to.equal("tracker");
    expect(created.s3.bucket).to.deep.include({ name: bucket, arn: `arn:aws:s3:::${bucket}` });
    expect(created.s3.object).to.include({ key: "in/a+b.txt", size: 18, eTag: put.ETag?.replace(/"/g, "") });
    expect(removed.eventName).to.equal("ObjectRemoved:Delete");
    expect(removed.s3.object.key).to.equal("in/a+b.txt");
    expect(removed.s3.object.sequencer > created.s3.object.sequencer).to.equal(true);
    expect(removed.s3.object).to.not.have.property("size");
  });
});
