import { createPublicKey, verify } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  type PublishCommandInput,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-sns";
import { expect } from "chai";
import { clientsFor, startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";
import { queueFor, receiveMessages, recordedEvents, recorderFunction } from "./fixtures/messaging.ts";

describe("local SNS", () => {
  let test: TestCloud;
  const sns = () => test.clients.sns;
  const topic = async (Name: string, Attributes?: Record<string, string>) =>
    (await sns().send(new CreateTopicCommand({ Name, ...(Attributes ? { Attributes } : {}) }))).TopicArn!;
  const subscribeQueue = async (topicArn: string, name: string, Attributes?: Record<string, string>) => {
    const queue = await queueFor(test.clients.sqs, name, {
      service: "sns.amazonaws.com",
      sourceArn: topicArn,
    });
    const { SubscriptionArn } = await sns().send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queue.arn,
        ...(Attributes ? { Attributes } : {}),
      }),
    );
    return { ...queue, subscriptionArn: SubscriptionArn! };
  };

  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  describe("topics", () => {
    it("creates a topic once per name and refuses the name with other attributes", async () => {
      const arn = await topic("events", { DisplayName: "s3size" });
      expect(arn).to.equal("arn:aws:sns:us-east-1:000000000000:events");
      expect(await topic("events", { DisplayName: "s3size" })).to.equal(arn);
      const error = await expectError(
        topic("events", { DisplayName: "other" }),
        "InvalidParameterException",
        400,
      );
      expect(error.message).to.equal(
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
      );
      const name = await expectError(topic("no spaces"), "InvalidParameterException", 400);
      expect(name.message).to.equal("Invalid parameter: Topic Name");
    });

    it("reports the default policy, owner and subscription counts, and sets attributes", async () => {
      const arn = await topic("attributes");
      await sns().send(
        new SetTopicAttributesCommand({
          TopicArn: arn,
          AttributeName: "DisplayName",
          AttributeValue: "Sizes",
        }),
      );
      const { Attributes } = await sns().send(new GetTopicAttributesCommand({ TopicArn: arn }));
      expect(Attributes).to.include({
        TopicArn: arn,
        Owner: "000000000000",
        DisplayName: "Sizes",
        SubscriptionsConfirmed: "0",
        SubscriptionsPending: "0",
      });
      const policy = JSON.parse(Attributes!.Policy!);
      expect(policy.Statement[0].Condition).to.deep.equal({
        StringEquals: { "AWS:SourceOwner": "000000000000" },
      });
      const unknown = await expectError(
        sns().send(
          new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: "Colour", AttributeValue: "x" }),
        ),
        "InvalidParameterException",
        400,
      );
      expect(unknown.message).to.equal("Invalid parameter: AttributeName");
    });

    it("answers NotFound (404) for a topic that does not exist and refuses malformed ARNs", async () => {
      const missing = await expectError(
        sns().send(new GetTopicAttributesCommand({ TopicArn: "arn:aws:sns:us-east-1:000000000000:none" })),
        "NotFoundException",
        404,
      );
      expect(missing.message).to.equal("Topic does not exist");
      const malformed = await expectError(
        sns().send(new PublishCommand({ TopicArn: "not-an-arn", Message: "x" })),
        "InvalidParameterException",
        400,
      );
      expect(malformed.message).to.equal(
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
      );
    });

    it("lists, tags and deletes topics, and their subscriptions with them", async () => {
      const arn = await topic("short-lived");
      await subscribeQueue(arn, "short-lived-q");
      await sns().send(
        new TagResourceCommand({
          ResourceArn: arn,
          Tags: [
            { Key: "a", Value: "1" },
            { Key: "b", Value: "2" },
          ],
        }),
      );
      await sns().send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ["a"] }));
      expect((await sns().send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).to.deep.equal([
        { Key: "b", Value: "2" },
      ]);
      expect((await sns().send(new ListTopicsCommand({}))).Topics?.map((t) => t.TopicArn)).to.include(arn);
      await sns().send(new DeleteTopicCommand({ TopicArn: arn }));
      const listed = await sns().send(new ListSubscriptionsCommand({}));
      expect(listed.Subscriptions?.some((s) => s.TopicArn === arn)).to.equal(false);
      expect((await sns().send(new ListTopicsCommand({}))).Topics?.map((t) => t.TopicArn)).to.not.include(
        arn,
      );
    });
  });

  describe("delivery to SQS", () => {
    it("delivers the signed SNS envelope, with subject and message attributes", async () => {
      const arn = await topic("envelope");
      const queue = await subscribeQueue(arn, "envelope-q");
      const { MessageId } = await sns().send(
        new PublishCommand({
          TopicArn: arn,
          Subject: "Size changed",
          Message: '{"total":27}',
          MessageAttributes: { bucket: { DataType: "String", StringValue: "data" } },
        }),
      );
      const [message] = await receiveMessages(test.clients.sqs, queue.url);
      const envelope = JSON.parse(message!.Body!);
      expect(envelope).to.include({
        Type: "Notification",
        MessageId,
        TopicArn: arn,
        Subject: "Size changed",
        Message: '{"total":27}',
        SignatureVersion: "1",
      });
      expect(envelope.MessageAttributes).to.deep.equal({ bucket: { Type: "String", Value: "data" } });
      expect(new Date(envelope.Timestamp).getTime()).to.be.closeTo(Date.now(), 30_000);
      expect(envelope.UnsubscribeURL).to.equal(
        `${test.cloud.endpoint}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(queue.subscriptionArn)}`,
      );
      const pem = await (await fetch(envelope.SigningCertURL)).text();
      const signed = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        .map((name) => `${name}\n${envelope[name]}\n`)
        .join("");
      expect(
        verify("sha1", Buffer.from(signed), createPublicKey(pem), Buffer.from(envelope.Signature, "base64")),
      ).to.equal(true);
    });

    it("delivers the bare message with SQS message attributes when raw delivery is on", async () => {
      const arn = await topic("raw");
      const queue = await subscribeQueue(arn, "raw-q", { RawMessageDelivery: "true" });
      await sns().send(
        new PublishCommand({
          TopicArn: arn,
          Message: "plain text",
          MessageAttributes: { outcome: { DataType: "String", StringValue: "success" } },
        }),
      );
      const [message] = await receiveMessages(test.clients.sqs, queue.url);
      expect(message?.Body).to.equal("plain text");
      expect(message?.MessageAttributes?.outcome).to.deep.equal({
        DataType: "String",
        StringValue: "success",
      });
    });

    it("passes only messages that match a subscription's filter policy, on attributes or on the body", async () => {
      const arn = await topic("filtered");
      const failures = await subscribeQueue(arn, "failures-q", {
        FilterPolicy: JSON.stringify({ outcome: ["failure"], size: [{ numeric: [">=", 10] }] }),
      });
      const bodies = await subscribeQueue(arn, "bodies-q", {
        FilterPolicyScope: "MessageBody",
        FilterPolicy: JSON.stringify({ detail: { key: [{ prefix: "logs/" }] } }),
        RawMessageDelivery: "true",
      });
      const publish = (Message: string, outcome: string, size: string) =>
        sns().send(
          new PublishCommand({
            TopicArn: arn,
            Message,
            MessageAttributes: {
              outcome: { DataType: "String", StringValue: outcome },
              size: { DataType: "Number", StringValue: size },
            },
          }),
        );
      await publish('{"detail":{"key":"data/a"}}', "failure", "5");
      await publish('{"detail":{"key":"logs/b"}}', "success", "50");
      await publish('{"detail":{"key":"data/c"}}', "failure", "50");
      // Matches both: once it has arrived, everything published before it has been filtered.
      await publish('{"detail":{"key":"logs/last"}}', "failure", "99");
      const failed = await receiveMessages(test.clients.sqs, failures.url, 2);
      expect(failed.map((m) => JSON.parse(m.Body!).Message)).to.deep.equal([
        '{"detail":{"key":"data/c"}}',
        '{"detail":{"key":"logs/last"}}',
      ]);
      const logged = await receiveMessages(test.clients.sqs, bodies.url, 2);
      expect(logged.map((m) => m.Body)).to.deep.equal([
        '{"detail":{"key":"logs/b"}}',
        '{"detail":{"key":"logs/last"}}',
      ]);
    });

    it("sends each protocol its own message when MessageStructure is json", async () => {
      const arn = await topic("structured");
      const queue = await subscribeQueue(arn, "structured-q");
      await sns().send(
        new PublishCommand({
          TopicArn: arn,
          MessageStructure: "json",
          Message: JSON.stringify({ default: "for everyone", sqs: "for queues" }),
        }),
      );
      const [message] = await receiveMessages(test.clients.sqs, queue.url);
      expect(JSON.parse(message!.Body!).Message).to.equal("for queues");
    });

    it("does not deliver to a queue whose policy does not allow SNS, but to the subscription's dead-letter queue", async () => {
      const arn = await topic("refused");
      const closed = await queueFor(test.clients.sqs, "closed-q");
      const dlq = await queueFor(test.clients.sqs, "refused-dlq", {
        service: "sns.amazonaws.com",
        sourceArn: arn,
      });
      await sns().send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: "sqs",
          Endpoint: closed.arn,
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) },
        }),
      );
      await sns().send(new PublishCommand({ TopicArn: arn, Message: "undeliverable" }));
      const [dead] = await receiveMessages(test.clients.sqs, dlq.url);
      expect(JSON.parse(dead!.Body!).Message).to.equal("undeliverable");
      expect(await receiveMessages(test.clients.sqs, closed.url, 1, 0)).to.deep.equal([]);
    });

    it("publishes batches entry by entry and refuses malformed batches whole", async () => {
      const arn = await topic("batch");
      const queue = await subscribeQueue(arn, "batch-q", { RawMessageDelivery: "true" });
      const result = await sns().send(
        new PublishBatchCommand({
          TopicArn: arn,
          PublishBatchRequestEntries: [
            { Id: "one", Message: "1" },
            { Id: "two", Message: "" },
            { Id: "three", Message: "3" },
          ],
        }),
      );
      expect(result.Successful?.map((entry) => entry.Id)).to.deep.equal(["one", "three"]);
      expect(result.Failed).to.deep.equal([
        {
          Id: "two",
          Code: "InvalidParameter",
          Message: "Invalid parameter: Empty message",
          SenderFault: true,
        },
      ]);
      const bodies = (await receiveMessages(test.clients.sqs, queue.url, 2)).map((m) => m.Body).sort();
      expect(bodies).to.deep.equal(["1", "3"]);
      const twice = await expectError(
        sns().send(
          new PublishBatchCommand({
            TopicArn: arn,
            PublishBatchRequestEntries: [
              { Id: "a", Message: "1" },
              { Id: "a", Message: "2" },
            ],
          }),
        ),
        "BatchEntryIdsNotDistinctException",
        400,
      );
      expect(twice.message).to.equal("Two or more batch entries in the request have the same Id.");
    });

    it("refuses what Publish refuses, in SNS's words", async () => {
      const arn = await topic("strict");
      const cases: Array<[Omit<PublishCommandInput, "TopicArn">, string, string]> = [
        [{ Message: "" }, "InvalidParameterException", "Invalid parameter: Empty message"],
        [{ Message: "x", Subject: "line\nbreak" }, "InvalidParameterException", "Invalid parameter: Subject"],
        [
          { Message: "{}", MessageStructure: "json" },
          "InvalidParameterException",
          "Invalid parameter: Message Structure - No default entry in JSON message body",
        ],
        [
          { Message: "x", MessageAttributes: { a: { DataType: "String", StringValue: "" } } },
          "InvalidParameterValueException",
          "The message attribute 'a' must contain non-empty message attribute value for message attribute type 'String'.",
        ],
        [
          { Message: "x", MessageAttributes: { a: { DataType: "Colour", StringValue: "red" } } },
          "InvalidParameterValueException",
          "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
        ],
      ];
      for (const [input, name, message] of cases) {
        const error = await expectError(
          sns().send(new PublishCommand({ TopicArn: arn, ...input })),
          name,
          400,
        );
        expect(error.message).to.equal(message);
      }
    });
  });

  describe("subscriptions", () => {
    it("reports and changes a subscription's attributes", async () => {
      const arn = await topic("subscription-attributes");
      const { subscriptionArn, arn: queueArn } = await subscribeQueue(arn, "attrs-q");
      await sns().send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: subscriptionArn,
          AttributeName: "FilterPolicy",
          AttributeValue: JSON.stringify({ outcome: ["failure"] }),
        }),
      );
      const { Attributes } = await sns().send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }),
      );
      expect(Attributes).to.include({
        Protocol: "sqs",
        Endpoint: queueArn,
        TopicArn: arn,
        PendingConfirmation: "false",
        RawMessageDelivery: "false",
        FilterPolicyScope: "MessageAttributes",
      });
      const raw = await expectError(
        sns().send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subscriptionArn,
            AttributeName: "RawMessageDelivery",
            AttributeValue: "yes",
          }),
        ),
        "InvalidParameterException",
        400,
      );
      expect(raw.message).to.equal(
        "Invalid parameter: RawMessageDelivery: Invalid value [yes]. Must be true or false.",
      );
      const filter = await expectError(
        sns().send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subscriptionArn,
            AttributeName: "FilterPolicy",
            AttributeValue: JSON.stringify({ outcome: [{ wildcard: "f*" }] }),
          }),
        ),
        "InvalidParameterException",
        400,
      );
      expect(filter.message).to.match(/^Invalid parameter: FilterPolicy: /);
      await sns().send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
      await expectError(
        sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })),
        "NotFoundException",
        404,
      );
    });

    it("refuses unknown protocols and HTTP endpoints off this machine", async () => {
      const arn = await topic("endpoints");
      const protocol = await expectError(
        sns().send(new SubscribeCommand({ TopicArn: arn, Protocol: "carrier-pigeon", Endpoint: "x" })),
        "InvalidParameterException",
        400,
      );
      expect(protocol.message).to.equal(
        "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon",
      );
      await expectError(
        sns().send(
          new SubscribeCommand({ TopicArn: arn, Protocol: "https", Endpoint: "https://example.com/hook" }),
        ),
        "InvalidParameterException",
        400,
      );
    });

    it("invokes a subscribed function with the SNS event, if its policy allows SNS", async () => {
      const arn = await topic("to-lambda");
      const allowedFile = join(test.stateDir, "sns-allowed.jsonl");
      const refusedFile = join(test.stateDir, "sns-refused.jsonl");
      const allowed = await recorderFunction(test.clients, "sns-allowed", allowedFile, {
        service: "sns.amazonaws.com",
        sourceArn: arn,
      });
      const refused = await recorderFunction(test.clients, "sns-refused", refusedFile);
      const { SubscriptionArn } = await sns().send(
        new SubscribeCommand({ TopicArn: arn, Protocol: "lambda", Endpoint: allowed }),
      );
      await sns().send(new SubscribeCommand({ TopicArn: arn, Protocol: "lambda", Endpoint: refused }));
      await sns().send(
        new PublishCommand({
          TopicArn: arn,
          Message: "to functions",
          MessageAttributes: { n: { DataType: "Number", StringValue: "2" } },
        }),
      );
      const [event] = (await recordedEvents(allowedFile)) as Array<{
        Records: Array<{ Sns: Record<string, unknown> }>;
      }>;
      expect(event!.Records).to.have.length(1);
      const record = event!.Records[0]!;
      expect(record).to.include({
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: SubscriptionArn,
      });
      expect(record.Sns).to.include({
        Type: "Notification",
        TopicArn: arn,
        Message: "to functions",
        Subject: null,
      });
      expect(record.Sns.MessageAttributes).to.deep.equal({ n: { Type: "Number", Value: "2" } });
      expect(record.Sns.SigningCertUrl).to.be.a("string");
      expect(await recordedEvents(refusedFile, 1, 500)).to.deep.equal([]);
    });

    it("emails a confirmation link to the outbox, confirms through it, then emails notifications", async () => {
      const arn = await topic("to-email", { DisplayName: "s3size" });
      const subscribed = await sns().send(
        new SubscribeCommand({ TopicArn: arn, Protocol: "email", Endpoint: "student@example.com" }),
      );
      expect(subscribed.SubscriptionArn).to.equal("pending confirmation");
      const pending = await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
      expect(pending.Subscriptions?.[0]?.SubscriptionArn).to.equal("PendingConfirmation");
      const outbox = async () =>
        (await (await fetch(`${test.cloud.endpoint}/_s3size/outbox?to=student@example.com`)).json()) as {
          emails: Array<Record<string, string>>;
        };
      const [confirmation] = (await outbox()).emails;
      expect(confirmation).to.include({
        to: "student@example.com",
        from: "s3size <no-reply@sns.amazonaws.com>",
        subject: "AWS Notification - Subscription Confirmation",
        type: "SubscriptionConfirmation",
        topicArn: arn,
      });
      expect(confirmation!.body).to.include(arn).and.include(confirmation!.confirmUrl!);
      // The student clicks the link: an unsigned GET, as from a mail client.
      const clicked = await fetch(confirmation!.confirmUrl!);
      expect(clicked.status).to.equal(200);
      expect(await clicked.text()).to.include(
        "<ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:us-east-1:000000000000:to-email:",
      );
      const confirmed = await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
      const subscriptionArn = confirmed.Subscriptions![0]!.SubscriptionArn!;
      expect(subscriptionArn).to.match(/^arn:aws:sns:us-east-1:000000000000:to-email:[0-9a-f-]{36}$/);
      await sns().send(
        new PublishCommand({ TopicArn: arn, Subject: "Bucket grew", Message: "18 → 27 bytes" }),
      );
      let emails = (await outbox()).emails;
      for (let i = 0; i < 50 && emails.length < 2; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        emails = (await outbox()).emails;
      }
      expect(emails[1]).to.include({ subject: "Bucket grew", type: "Notification", subscriptionArn });
      expect(emails[1]!.body).to.match(/^18 → 27 bytes\n/);
      expect(emails[1]!.body).to.include(
        `Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`,
      );
      const wrong = await expectError(
        sns().send(new ConfirmSubscriptionCommand({ TopicArn: arn, Token: "0".repeat(256) })),
        "InvalidParameterException",
        400,
      );
      expect(wrong.message).to.equal("Invalid parameter: Token");
    });

    describe("over HTTP", () => {
      let server: Server;
      const received: Array<{ headers: IncomingHttpHeaders; body: Record<string, string> }> = [];
      before(async () => {
        server = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on("data", (chunk: Buffer) => chunks.push(chunk));
          req.on("end", () => {
            received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
            res.end();
          });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      });
      after(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const arrived = async (count: number) => {
        for (let i = 0; i < 100 && received.length < count; i += 1)
          await new Promise((r) => setTimeout(r, 50));
        return received;
      };

      it("posts a SubscriptionConfirmation first, then notifications once confirmed", async () => {
        const arn = await topic("to-http");
        const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
        await sns().send(new SubscribeCommand({ TopicArn: arn, Protocol: "http", Endpoint: endpoint }));
        const [confirmation] = await arrived(1);
        expect(confirmation!.headers).to.include({
          "x-amz-sns-message-type": "SubscriptionConfirmation",
          "x-amz-sns-topic-arn": arn,
          "user-agent": "Amazon Simple Notification Service Agent",
        });
        expect(confirmation!.body).to.include({ Type: "SubscriptionConfirmation", TopicArn: arn });
        expect((await fetch(confirmation!.body.SubscribeURL!)).status).to.equal(200);
        await sns().send(new PublishCommand({ TopicArn: arn, Message: "over http" }));
        const [, notification] = await arrived(2);
        expect(notification!.headers["x-amz-sns-message-type"]).to.equal("Notification");
        expect(notification!.headers["x-amz-sns-subscription-arn"]).to.match(
          /^arn:aws:sns:us-east-1:000000000000:to-http:/,
        );
        expect(notification!.body).to.include({ Type: "Notification", Message: "over http" });
      });
    });
  });

  it("keeps topics and subscriptions across a restart, and regions apart", async () => {
    const own = await startTestCloud();
    let restarted: TestCloud | undefined;
    const west = clientsFor(own.cloud.endpoint, "eu-west-1").sns;
    try {
      const arn = (await own.clients.sns.send(new CreateTopicCommand({ Name: "durable" }))).TopicArn!;
      const westArn = (await west.send(new CreateTopicCommand({ Name: "durable" }))).TopicArn!;
      expect(westArn).to.equal("arn:aws:sns:eu-west-1:000000000000:durable");
      const queue = await queueFor(own.clients.sqs, "durable-q", {
        service: "sns.amazonaws.com",
        sourceArn: arn,
      });
      await own.clients.sns.send(
        new SubscribeCommand({ TopicArn: arn, Protocol: "sqs", Endpoint: queue.arn }),
      );
      await expectError(
        west.send(new GetTopicAttributesCommand({ TopicArn: arn })),
        "InvalidParameterException",
        400,
      );
      await own.stop(false);
      restarted = await startTestCloud({ stateDir: own.stateDir });
      const topics = await restarted.clients.sns.send(new ListTopicsCommand({}));
      expect(topics.Topics?.map((t) => t.TopicArn)).to.deep.equal([arn]);
      await restarted.clients.sns.send(new PublishCommand({ TopicArn: arn, Message: "after restart" }));
      const [message] = await receiveMessages(restarted.clients.sqs, queue.url);
      expect(JSON.parse(message!.Body!).Message).to.equal("after restart");
    } finally {
      west.destroy();
      await restarted?.stop();
    }
  });
});
