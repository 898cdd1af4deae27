import {
  AddPermissionCommand,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { clientsFor, startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

describe("local SQS", () => {
  let test: TestCloud;
  const sqs = () => test.clients.sqs;
  const create = async (name: string, Attributes: Record<string, string> = {}) =>
    (await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl!;
  const attributes = async (QueueUrl: string) =>
    (await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }))).Attributes!;
  const receive = (QueueUrl: string, extra: Record<string, unknown> = {}) =>
    sqs().send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, ...extra }));

  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  describe("queues", () => {
    it("creates a queue at <endpoint>/<account>/<name>, idempotently for the same attributes", async () => {
      const url = await create("orders", { VisibilityTimeout: "45" });
      expect(url).to.equal(`${test.cloud.endpoint}/000000000000/orders`);
      expect(await create("orders", { VisibilityTimeout: "45" })).to.equal(url);
      await expectError(
        sqs().send(new CreateQueueCommand({ QueueName: "orders", Attributes: { VisibilityTimeout: "46" } })),
        "QueueNameExists",
        400,
      );
    });

    it("refuses bad names, unknown attributes and values out of range in AWS's words", async () => {
      const bad = await expectError(create("no spaces"), "InvalidParameterValue", 400);
      expect(bad.message).to.equal(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
      );
      const unknown = await expectError(create("q1", { Colour: "blue" }), "InvalidAttributeName", 400);
      expect(unknown.message).to.equal("Unknown Attribute Colour.");
      const range = await expectError(
        create("q1", { VisibilityTimeout: "43201" }),
        "InvalidAttributeValue",
        400,
      );
      expect(range.message).to.equal("Invalid value for the parameter VisibilityTimeout.");
      await expectError(create("standard.fifo"), "InvalidParameterValue", 400);
    });

    it("reports defaults, the ARN and message counts in GetQueueAttributes", async () => {
      const url = await create("defaults");
      const all = await attributes(url);
      expect(all).to.include({
        QueueArn: "arn:aws:sqs:us-east-1:000000000000:defaults",
        VisibilityTimeout: "30",
        DelaySeconds: "0",
        MessageRetentionPeriod: "345600",
        MaximumMessageSize: "1048576",
        ReceiveMessageWaitTimeSeconds: "0",
        SqsManagedSseEnabled: "true",
        ApproximateNumberOfMessages: "0",
      });
      expect(Number(all.CreatedTimestamp)).to.be.closeTo(Date.now() / 1000, 60);
      const unknown = await expectError(
        sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["FifoQueue"] })),
        "InvalidAttributeName",
        400,
      );
      expect(unknown.message).to.equal("Unknown Attribute FifoQueue.");
    });

    it("sets and removes a queue policy", async () => {
      const url = await create("with-policy");
      const policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
      await sqs().send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy } }));
      expect((await attributes(url)).Policy).to.equal(policy);
      await sqs().send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: "" } }));
      expect(await attributes(url)).to.not.have.property("Policy");
    });

    it("adds and removes permission statements by label", async () => {
      const url = await create("shared");
      await sqs().send(
        new AddPermissionCommand({
          QueueUrl: url,
          Label: "partner",
          AWSAccountIds: ["111122223333"],
          Actions: ["SendMessage"],
        }),
      );
      const policy = JSON.parse((await attributes(url)).Policy!);
      expect(policy.Statement[0]).to.deep.include({
        Sid: "partner",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "SQS:SendMessage",
      });
      const again = await expectError(
        sqs().send(
          new AddPermissionCommand({ QueueUrl: url, Label: "partner", AWSAccountIds: ["1"], Actions: ["*"] }),
        ),
        "InvalidParameterValue",
        400,
      );
      expect(again.message).to.equal("Value partner for parameter Label is invalid. Reason: Already exists.");
      await sqs().send(new RemovePermissionCommand({ QueueUrl: url, Label: "partner" }));
      expect(await attributes(url)).to.not.have.property("Policy");
    });

    it("finds queues by name and lists them by prefix, page by page", async () => {
      for (const name of ["page-a", "page-b", "page-c"]) await create(name);
      const url = await sqs().send(new GetQueueUrlCommand({ QueueName: "page-b" }));
      expect(url.QueueUrl).to.match(/\/000000000000\/page-b$/);
      const first = await sqs().send(new ListQueuesCommand({ QueueNamePrefix: "page-", MaxResults: 2 }));
      expect(first.QueueUrls).to.have.length(2);
      const second = await sqs().send(
        new ListQueuesCommand({ QueueNamePrefix: "page-", MaxResults: 2, NextToken: first.NextToken }),
      );
      expect(second.QueueUrls?.map((u) => u.split("/").pop())).to.deep.equal(["page-c"]);
      expect(second.NextToken).to.equal(undefined);
      const missing = await expectError(
        sqs().send(new GetQueueUrlCommand({ QueueName: "nope" })),
        "QueueDoesNotExist",
        400,
      );
      expect(missing.message).to.equal("The specified queue does not exist.");
    });

    it("tags and untags a queue", async () => {
      const url = await create("tagged");
      await sqs().send(new TagQueueCommand({ QueueUrl: url, Tags: { team: "a", env: "dev" } }));
      await sqs().send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["env"] }));
      expect((await sqs().send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).to.deep.equal({
        team: "a",
      });
    });

    it("deletes a queue and refuses to recreate the name within 60 seconds", async () => {
      const url = await create("short-lived");
      await sqs().send(new DeleteQueueCommand({ QueueUrl: url }));
      await expectError(
        sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" })),
        "QueueDoesNotExist",
        400,
      );
      await expectError(create("short-lived"), "QueueDeletedRecently", 400);
    });
  });

  describe("messages", () => {
    it("delivers a message with its attributes and digests, hidden for the visibility timeout", async () => {
      const url = await create("inbox", { VisibilityTimeout: "1" });
      const sent = await sqs().send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: "héllo",
          MessageAttributes: {
            bucket: { DataType: "String", StringValue: "data" },
            size: { DataType: "Number", StringValue: "27" },
            raw: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
          },
        }),
      );
      // The SDK itself checks MD5OfMessageBody; this is the digest AWS documents for these attributes.
      expect(sent.MD5OfMessageAttributes).to.match(/^[0-9a-f]{32}$/);
      const first = await receive(url, {
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      });
      expect(first.Messages).to.have.length(1);
      const message = first.Messages![0]!;
      expect(message.Body).to.equal("héllo");
      expect(message.MessageId).to.equal(sent.MessageId);
      expect(message.MD5OfMessageAttributes).to.equal(sent.MD5OfMessageAttributes);
      expect(message.MessageAttributes?.size).to.deep.equal({ DataType: "Number", StringValue: "27" });
      expect([...(message.MessageAttributes?.raw?.BinaryValue ?? [])]).to.deep.equal([1, 2, 3]);
      expect(message.Attributes).to.include({ ApproximateReceiveCount: "1", SenderId: "000000000000" });
      expect((await receive(url)).Messages).to.equal(undefined);
      expect(await attributes(url)).to.include({
        ApproximateNumberOfMessages: "0",
        ApproximateNumberOfMessagesNotVisible: "1",
      });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const again = await receive(url, { AttributeNames: ["ApproximateReceiveCount"] });
      expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).to.equal("2");
      await sqs().send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.Messages![0]!.ReceiptHandle }),
      );
      expect(await attributes(url)).to.include({
        ApproximateNumberOfMessages: "0",
        ApproximateNumberOfMessagesNotVisible: "0",
      });
    });

    it("returns only the message attributes asked for, by name or prefix", async () => {
      const url = await create("selective");
      await sqs().send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: "x",
          MessageAttributes: {
            "s3.bucket": { DataType: "String", StringValue: "b" },
            "s3.key": { DataType: "String", StringValue: "k" },
            outcome: { DataType: "String", StringValue: "success" },
          },
        }),
      );
      const got = await receive(url, { MessageAttributeNames: ["s3.*"] });
      expect(Object.keys(got.Messages![0]!.MessageAttributes!).sort()).to.deep.equal(["s3.bucket", "s3.key"]);
    });

    it("answers a long poll as soon as a message arrives, and an empty one after the wait", async () => {
      const url = await create("long-poll");
      const started = Date.now();
      const polled = receive(url, { WaitTimeSeconds: 10 });
      setTimeout(() => sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "late" })), 300);
      const got = await polled;
      expect(got.Messages?.[0]?.Body).to.equal("late");
      expect(Date.now() - started).to.be.below(5000);
      const emptyStart = Date.now();
      expect((await receive(url, { WaitTimeSeconds: 1 })).Messages).to.equal(undefined);
      expect(Date.now() - emptyStart).to.be.at.least(900);
    });

    it("holds a delayed message back and counts it as delayed", async () => {
      const url = await create("delayed");
      await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "later", DelaySeconds: 1 }));
      expect((await receive(url)).Messages).to.equal(undefined);
      expect((await attributes(url)).ApproximateNumberOfMessagesDelayed).to.equal("1");
      const got = await receive(url, { WaitTimeSeconds: 3 });
      expect(got.Messages?.[0]?.Body).to.equal("later");
    });

    it("moves a message to the dead-letter queue after maxReceiveCount receives", async () => {
      const dlqUrl = await create("orders-dlq");
      const dlqArn = (await attributes(dlqUrl)).QueueArn!;
      const url = await create("orders-main", {
        VisibilityTimeout: "0",
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
      });
      await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }));
      expect((await receive(url)).Messages).to.have.length(1);
      expect((await receive(url)).Messages).to.have.length(1);
      expect((await receive(url)).Messages).to.equal(undefined);
      const dead = await receive(dlqUrl, { MessageSystemAttributeNames: ["All"] });
      expect(dead.Messages?.[0]?.Body).to.equal("poison");
      expect(dead.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).to.equal(
        "arn:aws:sqs:us-east-1:000000000000:orders-main",
      );
      const sources = await sqs().send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
      expect(sources.queueUrls).to.deep.equal([url]);
    });

    it("refuses a redrive policy whose target does not exist", async () => {
      const policy = JSON.stringify({
        deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:missing",
        maxReceiveCount: 3,
      });
      const error = await expectError(
        create("bad-redrive", { RedrivePolicy: policy }),
        "InvalidParameterValue",
        400,
      );
      expect(error.message).to.equal(
        `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
      );
    });

    it("reports batch entries one by one and refuses malformed batches whole", async () => {
      const url = await create("batches");
      const sent = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: "one", MessageBody: "1" },
            { Id: "two", MessageBody: "2" },
            { Id: "bad", MessageBody: "" },
          ],
        }),
      );
      expect(sent.Successful?.map((entry) => entry.Id)).to.deep.equal(["one", "two"]);
      expect(sent.Failed).to.deep.equal([
        {
          Id: "bad",
          SenderFault: true,
          Code: "MissingParameter",
          Message: "The request must contain the parameter MessageBody.",
        },
      ]);
      const tooMany = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: "x" }));
      await expectError(
        sqs().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: tooMany })),
        "TooManyEntriesInBatchRequest",
        400,
      );
      const twice = [
        { Id: "same", MessageBody: "a" },
        { Id: "same", MessageBody: "b" },
      ];
      await expectError(
        sqs().send(new SendMessageBatchCommand({ QueueUrl: url, Entries: twice })),
        "BatchEntryIdsNotDistinct",
        400,
      );
      const received = (await receive(url, { VisibilityTimeout: 30 })).Messages!;
      expect(received.map((m) => m.Body).sort()).to.deep.equal(["1", "2"]);
      const changed = await sqs().send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: [{ Id: "a", ReceiptHandle: received[0]!.ReceiptHandle, VisibilityTimeout: 0 }],
        }),
      );
      expect(changed.Successful).to.deep.equal([{ Id: "a" }]);
      const deleted = await sqs().send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            ...received.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
            { Id: "junk", ReceiptHandle: "not-a-handle" },
          ],
        }),
      );
      expect(deleted.Successful).to.have.length(2);
      expect(deleted.Failed?.[0]).to.include({ Id: "junk", Code: "ReceiptHandleIsInvalid" });
      expect((await attributes(url)).ApproximateNumberOfMessages).to.equal("0");
    });

    it("refuses invalid receipt handles, receive limits and empty bodies as AWS does", async () => {
      const url = await create("strict");
      const handle = await expectError(
        sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "bogus" })),
        "ReceiptHandleIsInvalid",
        404,
      );
      expect(handle.message).to.equal('The input receipt handle "bogus" is not a valid receipt handle.');
      const limit = await expectError(
        receive(url, { MaxNumberOfMessages: 11 }),
        "InvalidParameterValue",
        400,
      );
      expect(limit.message).to.equal(
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
      );
      await expectError(
        sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "" })),
        "MissingParameter",
        400,
      );
      const big = await expectError(
        sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x".repeat(1048577) })),
        "InvalidParameterValue",
        400,
      );
      expect(big.message).to.equal(
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
      );
      await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" }));
      const got = (await receive(url)).Messages![0]!;
      await sqs().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: got.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      expect((await receive(url)).Messages?.[0]?.Body).to.equal("x");
      await expectError(
        sqs().send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: got.ReceiptHandle,
            VisibilityTimeout: 5,
          }),
        ),
        "InvalidParameterValue",
        400,
      );
    });

    it("purges a queue once a minute", async () => {
      const url = await create("purged");
      await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" }));
      await sqs().send(new PurgeQueueCommand({ QueueUrl: url }));
      expect((await attributes(url)).ApproximateNumberOfMessages).to.equal("0");
      const again = await expectError(
        sqs().send(new PurgeQueueCommand({ QueueUrl: url })),
        "PurgeQueueInProgress",
        403,
      );
      expect(again.message).to.equal("Only one PurgeQueue operation on purged is allowed every 60 seconds.");
    });

    it("keeps FIFO groups in order, one in flight at a time, and drops duplicates", async () => {
      const url = await create("jobs.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
      for (const body of ["a1", "a2", "b1"]) {
        await sqs().send(
          new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: body[0] }),
        );
      }
      const duplicate = await sqs().send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: "a1", MessageGroupId: "a" }),
      );
      expect(duplicate.SequenceNumber).to.be.a("string");
      await expectError(
        sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" })),
        "MissingParameter",
        400,
      );
      const first = await receive(url, { MaxNumberOfMessages: 1 });
      expect(first.Messages?.map((m) => m.Body)).to.deep.equal(["a1"]);
      // a2 waits behind a1, which is in flight; b1 is free.
      const second = await receive(url);
      expect(second.Messages?.map((m) => m.Body)).to.deep.equal(["b1"]);
      await sqs().send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle }),
      );
      expect((await receive(url)).Messages?.map((m) => m.Body)).to.deep.equal(["a2"]);
    });
  });

  it("keeps queues, messages and receive counts across a restart", async () => {
    const own = await startTestCloud();
    const stateDir = own.stateDir;
    let restarted: TestCloud | undefined;
    try {
      const url = (await own.clients.sqs.send(new CreateQueueCommand({ QueueName: "durable" }))).QueueUrl!;
      await own.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "kept" }));
      await own.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
      await own.stop(false);
      restarted = await startTestCloud({ stateDir });
      const queueUrl = (await restarted.clients.sqs.send(new GetQueueUrlCommand({ QueueName: "durable" })))
        .QueueUrl!;
      const got = await restarted.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
      );
      expect(got.Messages?.[0]?.Body).to.equal("kept");
      expect(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount).to.equal("2");
    } finally {
      await restarted?.stop();
    }
  });

  it("keeps regions apart: the same name in two regions is two queues", async () => {
    const west = clientsFor(test.cloud.endpoint, "eu-west-1").sqs;
    try {
      const url = (await west.send(new CreateQueueCommand({ QueueName: "regional" }))).QueueUrl!;
      await west.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "west" }));
      const eastUrl = await create("regional");
      expect((await receive(eastUrl)).Messages).to.equal(undefined);
      const westAttributes = await west.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
      );
      expect(westAttributes.Attributes?.QueueArn).to.equal("arn:aws:sqs:eu-west-1:000000000000:regional");
      const listed = await west.send(new ListQueuesCommand({ QueueNamePrefix: "orders" }));
      expect(listed.QueueUrls).to.equal(undefined);
      // A queue URL some clients build, sqs.<region>.localhost…, names its region itself.
      const port = new URL(test.cloud.endpoint).port;
      const built = `http://sqs.eu-west-1.localhost:${port}/000000000000/regional`;
      const got = await sqs().send(new ReceiveMessageCommand({ QueueUrl: built }));
      expect(got.Messages?.[0]?.Body).to.equal("west");
    } finally {
      west.destroy();
    }
  });

  it("still speaks the Query protocol to older clients, errors included", async () => {
    const post = (body: string) =>
      fetch(`${test.cloud.endpoint}/`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization:
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
        },
        body,
      });
    const created = await post(
      "Action=CreateQueue&QueueName=legacy&Attribute.1.Name=DelaySeconds&Attribute.1.Value=0",
    );
    const xml = await created.text();
    expect(xml).to.match(/<CreateQueueResult><QueueUrl>http:\/\/[^<]+\/000000000000\/legacy<\/QueueUrl>/);
    const url = xml.match(/<QueueUrl>([^<]+)</)![1]!;
    await post(
      `Action=SendMessage&QueueUrl=${encodeURIComponent(url)}&MessageBody=hi&MessageAttribute.1.Name=k&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v`,
    );
    const received = await (
      await post(
        `Action=ReceiveMessage&QueueUrl=${encodeURIComponent(url)}&MessageAttributeName.1=All&AttributeName.1=All`,
      )
    ).text();
    expect(received).to.include("<Body>hi</Body>");
    expect(received).to.match(
      /<MessageAttribute><Name>k<\/Name><Value><DataType>String<\/DataType><StringValue>v<\/StringValue><\/Value><\/MessageAttribute>/,
    );
    expect(received).to.match(
      /<Attribute><Name>ApproximateReceiveCount<\/Name><Value>1<\/Value><\/Attribute>/,
    );
    const missing = await post("Action=GetQueueUrl&QueueName=none");
    expect(missing.status).to.equal(400);
    expect(await missing.text()).to.include("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
  });
});
