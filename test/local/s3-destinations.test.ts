import { PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { queueFor, receiveMessages } from "./fixtures/messaging.ts";
import { failure } from "./s3-helpers.ts";

const BUCKET = "notifying";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

describe("S3 notifications to SQS, SNS and EventBridge on the local cloud", () => {
  let test: TestCloud;
  let s3: S3Client;
  before(async () => {
    test = await startTestCloud();
    s3 = test.clients.s3;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(async () => test.stop());

  it("refuses a queue that does not exist or whose policy does not let S3 send, as AWS words it", async () => {
    const closed = await queueFor(test.clients.sqs, "closed");
    const missing = "arn:aws:sqs:us-east-1:000000000000:nowhere";
    const error = await failure(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: BUCKET,
          NotificationConfiguration: {
            QueueConfigurations: [
              { Id: "closed", QueueArn: closed.arn, Events: ["s3:ObjectCreated:*"] },
              { Id: "missing", QueueArn: missing, Events: ["s3:ObjectRemoved:*"] },
            ],
          },
        }),
      ),
    );
    expect([error.name, error.message]).to.deep.equal([
      "InvalidArgument",
      "Unable to validate the following destination configurations",
    ]);
    expect(error).to.deep.include({
      ArgumentName1: closed.arn,
      ArgumentValue1:
        "Permissions on the destination queue do not allow S3 to publish notifications from this bucket",
      ArgumentName2: missing,
      ArgumentValue2: "The destination queue does not exist",
    });
  });

  it("sends S3's test event, then each matching change, to a queue, a topic and EventBridge", async () => {
    const { sqs, sns, events } = test.clients;
    const direct = await queueFor(sqs, "s3-direct", { service: "s3.amazonaws.com", sourceArn: BUCKET_ARN });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "s3-topic" }));
    const viaTopic = await queueFor(sqs, "s3-via-topic", {
      service: "sns.amazonaws.com",
      sourceArn: TopicArn!,
    });
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: viaTopic.arn }));
    const { RuleArn } = await events.send(
      new PutRuleCommand({
        Name: "s3-objects",
        EventPattern: JSON.stringify({ source: ["aws.s3"], detail: { bucket: { name: [BUCKET] } } }),
      }),
    );
    const viaBus = await queueFor(sqs, "s3-via-bus", {
      service: "events.amazonaws.com",
      sourceArn: RuleArn!,
    });
    await events.send(new PutTargetsCommand({ Rule: "s3-objects", Targets: [{ Id: "q", Arn: viaBus.arn }] }));

    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: {
          QueueConfigurations: [{ Id: "created", QueueArn: direct.arn, Events: ["s3:ObjectCreated:*"] }],
          TopicConfigurations: [{ Id: "removed", TopicArn: TopicArn!, Events: ["s3:ObjectRemoved:*"] }],
          EventBridgeConfiguration: {},
        },
      }),
    );
    const [test1] = await receiveMessages(sqs, direct.url);
    expect(JSON.parse(test1!.Body!)).to.include({
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Bucket: BUCKET,
    });
    const [test2] = await receiveMessages(sqs, viaTopic.url);
    expect(JSON.parse(JSON.parse(test2!.Body!).Message)).to.include({ Event: "s3:TestEvent" });

    const put = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "in/report one.txt", Body: "eighteen bytes!!!!" }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "in/report one.txt" }));

    const created = (await receiveMessages(sqs, direct.url))
      .map((m) => JSON.parse(m.Body!))
      .find((body) => body.Records);
    expect(created.Records[0]).to.deep.include({ eventSource: "aws:s3", eventName: "ObjectCreated:Put" });
    expect(created.Records[0].s3.object).to.include({
      key: "in/report+one.txt",
      size: 18,
      eTag: put.ETag!.replace(/"/g, ""),
    });
    expect(created.Records[0].s3.configurationId).to.equal("created");

    const published = (await receiveMessages(sqs, viaTopic.url)).map((m) => JSON.parse(m.Body!));
    const envelope = published.find((body) => body.Message.includes("Records"));
    expect(envelope.Subject).to.equal("Amazon S3 Notification");
    expect(JSON.parse(envelope.Message).Records[0]).to.deep.include({ eventName: "ObjectRemoved:Delete" });

    const bridged = (await receiveMessages(sqs, viaBus.url, 2)).map((m) => JSON.parse(m.Body!));
    expect(bridged.map((event) => event["detail-type"]).sort()).to.deep.equal([
      "Object Created",
      "Object Deleted",
    ]);
    const object = bridged.find((event) => event["detail-type"] === "Object Created");
    expect(object).to.deep.include({ source: "aws.s3", region: "us-east-1", resources: [BUCKET_ARN] });
    expect(object.detail).to.deep.include({ reason: "PutObject", bucket: { name: BUCKET } });
    expect(object.detail.object).to.include({ key: "in/report one.txt", size: 18 });
  });
});
