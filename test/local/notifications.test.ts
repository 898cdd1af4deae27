import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AddPermissionCommand, CreateFunctionCommand } from "@aws-sdk/client-lambda";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { parseXml } from "../../local/protocol/xml.ts";
import { decodeAwsChunked, decodeUpload } from "../../local/s3/aws-chunked.ts";
import {
  buildEventBridgeEvent,
  buildEventRecord,
  encodeEventKey,
  type ObjectEvent,
  sequencerOf,
} from "../../local/s3/events.ts";
import { S3Failure } from "../../local/s3/failure.ts";
import {
  matchingTargets,
  type NotificationConfiguration,
  parseNotificationConfiguration,
  validateNotificationConfiguration,
} from "../../local/s3/notification-config.ts";
import { type Change, createNotifier } from "../../local/s3/notifier.ts";
import type { BucketRecord } from "../../local/s3/store/records.ts";
import { newCall } from "../../local/s3/wire.ts";
import {
  type CloudContext,
  DEFAULT_REALISM,
  type EdgeRequest,
  type InvokeCaller,
} from "../../local/types.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { createLambdaRole, zipFolder } from "./fixtures/lambda.ts";

const ARN = "arn:aws:lambda:us-east-1:000000000000:function:tracker";
const QUEUE = "arn:aws:sqs:us-east-1:000000000000:events";
const TOPIC = "arn:aws:sns:us-east-1:000000000000:events";

function configXml(...entries: string[]): string {
  return `<?xml version="1.0"?><NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${entries.join("")}</NotificationConfiguration>`;
}

function entry(
  events: string[],
  rules: Array<[string, string]> = [],
  id = "",
  destination = `<CloudFunction>${ARN}</CloudFunction>`,
  element = "CloudFunctionConfiguration",
): string {
  const filter = rules.length
    ? `<Filter><S3Key>${rules.map(([name, value]) => `<FilterRule><Name>${name}</Name><Value>${value}</Value></FilterRule>`).join("")}</S3Key></Filter>`
    : "";
  return `<${element}>${id ? `<Id>${id}</Id>` : ""}${destination}${events.map((event) => `<Event>${event}</Event>`).join("")}${filter}</${element}>`;
}

const parse = (xml: string) => parseNotificationConfiguration(parseXml(xml));

function thrown(action: () => unknown): S3Failure {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(S3Failure);
    return error as S3Failure;
  }
  throw new Error("expected a failure");
}

async function rejected(action: Promise<unknown>): Promise<S3Failure> {
  const error = await action.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).to.be.instanceOf(S3Failure);
  return error as S3Failure;
}

const allowAll = { functionExists: () => true, isInvokeAllowed: () => true };
const validation = { bucket: "b", accountId: "000000000000", testEvent: "{}" };

describe("S3 notification configuration", () => {
  it("reads functions, queues, topics and EventBridge, with events and filter rules, generating an Id when missing", () => {
    const config = parse(
      configXml(
        entry(
          ["s3:ObjectCreated:*"],
          [
            ["prefix", "in/"],
            ["Suffix", ".txt"],
          ],
        ),
        entry(["s3:ObjectRemoved:*"], [], "q", `<Queue>${QUEUE}</Queue>`, "QueueConfiguration"),
        entry(
          ["s3:ObjectRemoved:DeleteMarkerCreated"],
          [],
          "t",
          `<Topic>${TOPIC}</Topic>`,
          "TopicConfiguration",
        ),
        "<EventBridgeConfiguration/>",
      ),
    );
    expect(config.targets.map((t) => [t.kind, t.arn])).to.deep.equal([
      ["topic", TOPIC],
      ["queue", QUEUE],
      ["lambda", ARN],
    ]);
    const lambda = config.targets.find((t) => t.kind === "lambda")!;
    expect(lambda).to.include({ prefix: "in/", suffix: ".txt" });
    expect(lambda.id).to.match(/^[A-Za-z0-9+/=]{20,}$/);
    expect(config.eventBridge).to.equal(true);
  });

  it("refuses unknown events, repeated filter rules and ARNs that are not well formed with InvalidArgument", () => {
    expect(thrown(() => parse(configXml(entry(["s3:ObjectMoved:*"])))).code).to.equal("InvalidArgument");
    const twice = thrown(() =>
      parse(
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
    const arn = thrown(() =>
      parse(configXml(entry(["s3:ObjectCreated:*"], [], "", "<Queue>events</Queue>", "QueueConfiguration"))),
    );
    expect([arn.code, arn.message]).to.deep.equal(["InvalidArgument", "The ARN is not well formed"]);
  });

  it("refuses configurations that share an event type with overlapping filters", async () => {
    const services = { lambda: allowAll, sqs: undefined, sns: undefined };
    const overlapping = parse(
      configXml(
        entry(["s3:ObjectCreated:*"], [["prefix", "logs/"]], "a"),
        entry(["s3:ObjectCreated:Put"], [["prefix", "logs/2024/"]], "b"),
      ),
    );
    const error = await rejected(validateNotificationConfiguration(overlapping, { ...validation, services }));
    expect(error.message).to.contain("Configurations overlap");
    const disjoint = parse(
      configXml(
        entry(["s3:ObjectCreated:*"], [["prefix", "logs/"]], "a"),
        entry(["s3:ObjectCreated:*"], [["prefix", "data/"]], "b"),
      ),
    );
    await validateNotificationConfiguration(disjoint, { ...validation, services });
  });

  it("checks that each function exists and lets S3 invoke it for this bucket and account", async () => {
    const config = parse(configXml(entry(["s3:ObjectCreated:*"])));
    const asked: InvokeCaller[] = [];
    const refusing = {
      functionExists: () => true,
      isInvokeAllowed: (_arn: string, caller: InvokeCaller) => {
        asked.push(caller);
        return false;
      },
    };
    const error = await rejected(
      validateNotificationConfiguration(config, {
        ...validation,
        bucket: "data",
        services: { lambda: refusing, sqs: undefined, sns: undefined },
      }),
    );
    expect(error.message).to.equal("Unable to validate the following destination configurations");
    expect(error.extra).to.deep.equal({
      ArgumentName1: ARN,
      ArgumentValue1: `Not authorized to invoke function [${ARN}]`,
    });
    expect(asked).to.deep.equal([
      { principal: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::data", sourceAccount: "000000000000" },
    ]);
  });

  it("checks queues and topics by sending them S3's test event as S3, naming a missing or refusing destination", async () => {
    const config = parse(
      configXml(
        entry(["s3:ObjectCreated:*"], [], "q", `<Queue>${QUEUE}</Queue>`, "QueueConfiguration"),
        entry(["s3:ObjectRemoved:*"], [], "t", `<Topic>${TOPIC}</Topic>`, "TopicConfiguration"),
      ),
    );
    const absent = await rejected(
      validateNotificationConfiguration(config, {
        ...validation,
        services: { lambda: undefined, sqs: undefined, sns: undefined },
      }),
    );
    expect(absent.extra).to.deep.equal({
      ArgumentName1: TOPIC,
      ArgumentValue1: "The destination topic does not exist",
      ArgumentName2: QUEUE,
      ArgumentValue2: "The destination queue does not exist",
    });
    const sent: Array<[string, string, InvokeCaller | undefined]> = [];
    const sqs = {
      sendMessage: async (arn: string, body: string, _attributes?: unknown, caller?: InvokeCaller) => {
        sent.push([arn, body, caller]);
        throw new Error(`the policy of SQS queue ${arn} does not allow s3.amazonaws.com to send messages`);
      },
    };
    const sns = {
      publish: async (arn: string, body: string, options?: { caller?: InvokeCaller }) => {
        sent.push([arn, body, options?.caller]);
        return { messageId: "1" };
      },
    };
    const refused = await rejected(
      validateNotificationConfiguration(config, {
        ...validation,
        testEvent: "TEST",
        services: { lambda: undefined, sqs, sns },
      }),
    );
    expect(refused.extra).to.deep.equal({
      ArgumentName1: QUEUE,
      ArgumentValue1:
        "Permissions on the destination queue do not allow S3 to publish notifications from this bucket",
    });
    const s3 = { principal: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::b", sourceAccount: "000000000000" };
    expect(sent).to.deep.equal([
      [TOPIC, "TEST", s3],
      [QUEUE, "TEST", s3],
    ]);
  });

  it("matches events by type pattern and keys by prefix and suffix", () => {
    const config: NotificationConfiguration = {
      targets: [
        {
          id: "created",
          kind: "lambda",
          arn: ARN,
          events: ["s3:ObjectCreated:*"],
          prefix: "in/",
          suffix: ".txt",
        },
        { id: "removed", kind: "queue", arn: QUEUE, events: ["s3:ObjectRemoved:Delete"] },
      ],
    };
    const ids = (eventName: string, key: string) => matchingTargets(config, eventName, key).map((c) => c.id);
    expect(ids("s3:ObjectCreated:Put", "in/a.txt")).to.deep.equal(["created"]);
    expect(ids("s3:ObjectCreated:Copy", "in/a.txt")).to.deep.equal(["created"]);
    expect(ids("s3:ObjectCreated:Put", "out/a.txt")).to.deep.equal([]);
    expect(ids("s3:ObjectCreated:Put", "in/a.png")).to.deep.equal([]);
    expect(ids("s3:ObjectRemoved:Delete", "anything")).to.deep.equal(["removed"]);
    expect(ids("s3:ObjectRemoved:DeleteMarkerCreated", "anything")).to.deep.equal([]);
  });
});

const EVENT: ObjectEvent = {
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
  reason: "PutObject",
  size: 18,
  eTag: "d41d8cd98f00b204e9800998ecf8427e",
  versionId: "v1",
};

describe("S3 event shapes", () => {
  it("builds AWS's 2.1 record with the URL-encoded key, size, eTag, versionId and sequencer", () => {
    expect(buildEventRecord(EVENT, "tracker")).to.deep.equal({
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
          versionId: "v1",
          sequencer: "0000ABC",
        },
      },
    });
  });

  it("builds EventBridge's Object Created and Object Deleted events, the key not encoded", () => {
    expect(buildEventBridgeEvent(EVENT)).to.deep.equal({
      source: "aws.s3",
      detailType: "Object Created",
      resources: ["arn:aws:s3:::data"],
      detail: {
        version: "0",
        bucket: { name: "data" },
        object: {
          key: "my dir/a+b&c.txt",
          size: 18,
          etag: "d41d8cd98f00b204e9800998ecf8427e",
          "version-id": "v1",
          sequencer: "0000ABC",
        },
        "request-id": "REQ",
        requester: "000000000000",
        "source-ip-address": "127.0.0.1",
        reason: "PutObject",
      },
    });
    const deleted = buildEventBridgeEvent({
      ...EVENT,
      eventName: "s3:ObjectRemoved:DeleteMarkerCreated",
      reason: "DeleteObject",
      deletionType: "Delete Marker Created",
    });
    expect(deleted?.detailType).to.equal("Object Deleted");
    expect(deleted?.detail).to.deep.include({
      reason: "DeleteObject",
      "deletion-type": "Delete Marker Created",
    });
    expect(deleted?.detail.object).to.deep.equal({
      key: "my dir/a+b&c.txt",
      "version-id": "v1",
      sequencer: "0000ABC",
    });
    const tagged = buildEventBridgeEvent({ ...EVENT, eventName: "s3:ObjectTagging:Put" });
    expect(tagged?.detailType).to.equal("Object Tags Added");
    expect(tagged?.detail.object).to.deep.equal({
      key: "my dir/a+b&c.txt",
      etag: "d41d8cd98f00b204e9800998ecf8427e",
      "version-id": "v1",
    });
    expect(buildEventBridgeEvent({ ...EVENT, eventName: "s3:ObjectAcl:Put" })).to.equal(undefined);
  });

  it("encodes keys as S3 does in events: spaces as '+', slashes kept, reserved characters escaped", () => {
    expect(encodeEventKey("assignment1.txt")).to.equal("assignment1.txt");
    expect(encodeEventKey("a b/c(d)")).to.equal("a+b/c%28d%29");
  });

  it("writes sequencers as hex that grows with the write order when compared after left-padding, as AWS says", () => {
    const padded = (value: string) => value.padStart(32, "0");
    const values = [1_700_000_000_000_000, 1_700_000_000_000_001, 1_800_000_000_000_000].map(sequencerOf);
    expect(values.map(padded)).to.deep.equal([...values.map(padded)].sort());
    expect(values[0]).to.match(/^[0-9A-F]{18,}$/);
  });
});

describe("S3 aws-chunked uploads", () => {
  it("unwraps signed chunks and the trailer, and keeps the verified checksum", () => {
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
      },
      body,
    );
    expect(upload.body.toString()).to.equal("hello world");
    expect(upload.checksum).to.deep.equal({ algorithm: "CRC32", value: "DUoRhQ==", type: "FULL_OBJECT" });
  });

  it("refuses a body whose CRC32 trailer does not match with BadDigest", () => {
    const body = Buffer.from("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n");
    expect(thrown(() => decodeUpload({ "content-encoding": "aws-chunked" }, body)).code).to.equal(
      "BadDigest",
    );
  });
});

describe("S3 event delivery", () => {
  const bucket: BucketRecord = {
    name: "data",
    region: "us-east-1",
    created: 0,
    notification: {
      targets: [
        { id: "fn", kind: "lambda", arn: ARN, events: ["s3:ObjectCreated:*"] },
        { id: "q", kind: "queue", arn: QUEUE, events: ["s3:ObjectRemoved:*"] },
        { id: "t", kind: "topic", arn: TOPIC, events: ["s3:ObjectCreated:Copy"] },
      ],
      eventBridge: true,
    },
  };
  const call = newCall({
    method: "PUT",
    path: "/data/k",
    query: new URLSearchParams(),
    headers: {},
    body: Buffer.alloc(0),
    service: "s3",
    region: "us-east-1",
  } as EdgeRequest);
  const change = (seq: number, eventName = "s3:ObjectCreated:Put"): Change => ({
    eventName,
    key: `k${seq}`,
    seq,
    reason: "PutObject",
    size: 1,
    etag: "e",
  });

  function fakeCloud(realism: Partial<typeof DEFAULT_REALISM> = {}, invokeDelayMs = 0) {
    const log: Array<{ kind: string; arn: string; body: string; caller?: InvokeCaller }> = [];
    const ctx = {
      accountId: "000000000000",
      host: "127.0.0.1",
      realism: { ...DEFAULT_REALISM, ...realism },
      debug: () => {},
      lambda: {
        functionExists: () => true,
        isInvokeAllowed: () => true,
        invoke: async (arn: string, payload: Buffer, options: { caller?: InvokeCaller }) => {
          await sleep(invokeDelayMs);
          log.push({
            kind: "lambda",
            arn,
            body: payload.toString(),
            ...(options.caller ? { caller: options.caller } : {}),
          });
          return { statusCode: 202, payload: Buffer.alloc(0), executedVersion: "$LATEST" };
        },
      },
      sqs: {
        sendMessage: async (arn: string, body: string, _attributes?: unknown, caller?: InvokeCaller) => {
          log.push({ kind: "sqs", arn, body, ...(caller ? { caller } : {}) });
          return { messageId: "m" };
        },
      },
      sns: {
        publish: async (arn: string, body: string, options?: { subject?: string; caller?: InvokeCaller }) => {
          log.push({
            kind: `sns:${options?.subject}`,
            arn,
            body,
            ...(options?.caller ? { caller: options.caller } : {}),
          });
          return { messageId: "m" };
        },
      },
      events: {
        putEvent: async (region: string, event: { detailType: string }) => {
          log.push({ kind: "events", arn: region, body: JSON.stringify(event) });
        },
      },
    } as unknown as CloudContext;
    return { ctx, log };
  }

  it("hands each event to its Lambda function, queue, topic and EventBridge before publish resolves", async () => {
    const { ctx, log } = fakeCloud({}, 30);
    const notifier = createNotifier(ctx);
    await notifier.publish(bucket, change(1), call);
    expect(log.map((entry) => entry.kind)).to.have.members(["lambda", "events"]);
    const record = JSON.parse(log.find((entry) => entry.kind === "lambda")!.body).Records[0];
    expect([record.eventName, record.s3.configurationId, record.s3.object.key]).to.deep.equal([
      "ObjectCreated:Put",
      "fn",
      "k1",
    ]);
    expect(log.find((entry) => entry.kind === "lambda")!.caller).to.deep.equal({
      principal: "s3.amazonaws.com",
      sourceArn: "arn:aws:s3:::data",
      sourceAccount: "000000000000",
    });
    log.length = 0;
    await notifier.publish(
      bucket,
      { ...change(2, "s3:ObjectRemoved:Delete"), deletionType: "Permanently Deleted" },
      call,
    );
    await notifier.publish(bucket, change(3, "s3:ObjectCreated:Copy"), call);
    const sqs = log.find((entry) => entry.kind === "sqs")!;
    expect(JSON.parse(sqs.body).Records[0].eventName).to.equal("ObjectRemoved:Delete");
    expect(sqs.caller?.principal).to.equal("s3.amazonaws.com");
    expect(log.find((entry) => entry.kind === "sns:Amazon S3 Notification")?.arn).to.equal(TOPIC);
    const bridged = log
      .filter((entry) => entry.kind === "events")
      .map((entry) => JSON.parse(entry.body).detailType);
    expect(bridged).to.deep.equal(["Object Deleted", "Object Created"]);
  });

  it("delivers every event twice with S3SIZE_LOCAL_EVENT_DUPLICATES=1, and once with 0", async () => {
    for (const [fraction, copies] of [
      [1, 2],
      [0, 1],
    ] as const) {
      const { ctx, log } = fakeCloud({ eventDuplicates: fraction });
      const notifier = createNotifier(ctx);
      for (let seq = 1; seq <= 10; seq++) await notifier.publish(bucket, change(seq), call);
      const lambda = log
        .filter((entry) => entry.kind === "lambda")
        .map((entry) => JSON.parse(entry.body).Records[0].s3.object.key);
      expect(lambda).to.have.length(10 * copies);
      for (let seq = 1; seq <= 10; seq++)
        expect(lambda.filter((key) => key === `k${seq}`)).to.have.length(copies);
    }
  });

  it("delivers events out of order within S3SIZE_LOCAL_EVENT_REORDER_MS, every one of them, their sequencers telling the true order", async () => {
    const { ctx, log } = fakeCloud({ eventReorderMs: 150 });
    const notifier = createNotifier(ctx);
    const started = Date.now();
    for (let seq = 1; seq <= 30; seq++) await notifier.publish(bucket, change(seq * 1000), call);
    expect(Date.now() - started, "publish does not wait for held events").to.be.below(150);
    for (let i = 0; i < 50 && log.filter((entry) => entry.kind === "lambda").length < 30; i++)
      await sleep(20);
    const delivered = log
      .filter((entry) => entry.kind === "lambda")
      .map((entry) => JSON.parse(entry.body).Records[0].s3.object);
    expect(delivered).to.have.length(30);
    const order = delivered.map((object) => Number(object.key.slice(1)));
    expect(order).to.not.deep.equal([...order].sort((a, b) => a - b));
    const bySequencer = [...delivered].sort((a, b) =>
      a.sequencer.padStart(32, "0") < b.sequencer.padStart(32, "0") ? -1 : 1,
    );
    expect(bySequencer.map((object) => Number(object.key.slice(1)))).to.deep.equal(
      [...order].sort((a, b) => a - b),
    );
  });

  it("hands over the events it is holding back when the cloud stops", async () => {
    const { ctx, log } = fakeCloud({ eventReorderMs: 60_000 });
    const notifier = createNotifier(ctx);
    await notifier.publish(bucket, change(1), call);
    expect(log.filter((entry) => entry.kind === "lambda")).to.have.length(0);
    await notifier.flush();
    expect(log.filter((entry) => entry.kind === "lambda")).to.have.length(1);
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
    const code = `import { renameSync, writeFileSync } from "node:fs";
export const handler = async (event) => {
  for (const record of event.Records) {
    const path = process.env.RECORD_DIR + "/" + record.s3.object.sequencer.padStart(32, "0");
    writeFileSync(path + ".tmp", JSON.stringify(record));
    renameSync(path + ".tmp", path + ".json");
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
    for (let attempt = 0; attempt < 300; attempt++) {
      const files = readdirSync(recordDir)
        .filter((file) => file.endsWith(".json"))
        .sort();
      if (files.length >= count)
        return files.map((file) => JSON.parse(readFileSync(join(recordDir, file), "utf8")));
      await sleep(100);
    }
    throw new Error(`the function wrote ${readdirSync(recordDir).length} records, expected ${count}`);
  }

  it("refuses the configuration until the function's policy lets S3 invoke it for this bucket", async () => {
    const error = await configure().then(
      () => undefined,
      (caught: unknown) => caught as Error & { ArgumentName1?: string },
    );
    expect(error?.name).to.equal("InvalidArgument");
    expect(error?.message).to.equal("Unable to validate the following destination configurations");
    expect(error?.ArgumentName1).to.equal(functionArn);
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

  it("invokes the function with AWS's record for a put, a copy, a multipart upload and a delete of matching keys", async () => {
    const s3 = test.clients.s3;
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "in/a b.txt", Body: "Empty Assignment 1" }),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "out/ignored.txt", Body: "x" }));
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "in/copy.txt", CopySource: `${bucket}/in/a%20b.txt` }),
    );
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "in/parts.bin" }),
    );
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "in/parts.bin", UploadId, PartNumber: 1, Body: "p" }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "in/parts.bin",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "in/a b.txt" }));
    const [created, copied, assembled, removed] = await records(4);
    expect(created).to.deep.include({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
      awsRegion: "us-east-1",
    });
    expect(created.s3.configurationId).to.equal("tracker");
    expect(created.s3.bucket).to.deep.include({ name: bucket, arn: `arn:aws:s3:::${bucket}` });
    expect(created.s3.object).to.include({ key: "in/a+b.txt", size: 18, eTag: put.ETag?.replace(/"/g, "") });
    expect(created.s3.object).to.not.have.property("versionId");
    expect([copied.eventName, copied.s3.object.key]).to.deep.equal(["ObjectCreated:Copy", "in/copy.txt"]);
    expect(assembled.eventName).to.equal("ObjectCreated:CompleteMultipartUpload");
    expect(assembled.s3.object.eTag).to.match(/-1$/);
    expect(removed.eventName).to.equal("ObjectRemoved:Delete");
    expect(removed.s3.object).to.not.have.property("size");
    expect(
      removed.s3.object.sequencer.padStart(32, "0") > created.s3.object.sequencer.padStart(32, "0"),
    ).to.equal(true);
  });

  it("names versions in a versioned bucket's events, and a delete that adds a marker DeleteMarkerCreated", async () => {
    const s3 = test.clients.s3;
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const before = readdirSync(recordDir).filter((file) => file.endsWith(".json")).length;
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "in/v.txt", Body: "v" }));
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "in/v.txt" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "in/v.txt", VersionId: put.VersionId! }));
    const all = await records(before + 3);
    const [created, marker, removed] = all.slice(before);
    expect([created.eventName, created.s3.object.versionId]).to.deep.equal([
      "ObjectCreated:Put",
      put.VersionId,
    ]);
    expect([marker.eventName, marker.s3.object.versionId]).to.deep.equal([
      "ObjectRemoved:DeleteMarkerCreated",
      deleted.VersionId,
    ]);
    expect([removed.eventName, removed.s3.object.versionId]).to.deep.equal([
      "ObjectRemoved:Delete",
      put.VersionId,
    ]);
  });
});
