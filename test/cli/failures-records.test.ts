// What `failures` reads from Lambda's invocation records, and the console links of issue 11's resources.
import { expect } from "chai";
import { eventKeys, failureEntry } from "../../cli/commands/failures.ts";
import { resolveSettings, stackNames } from "../../cli/config.ts";
import { messagingLinks } from "../../cli/console-links.ts";

const record = (payload: unknown, response: unknown) => ({
  MessageId: "m-1",
  ReceiptHandle: "r-1",
  Body: JSON.stringify({
    version: "1.0",
    timestamp: "2026-11-22T04:11:05.123Z",
    requestContext: { requestId: "e-1", condition: "RetriesExhausted", approximateInvokeCount: 3 },
    requestPayload: payload,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    responsePayload: response,
  }),
});

describe("failures: reading Lambda's invocation records", () => {
  it("lists the time, the decoded object keys, the error, the condition and the attempts", () => {
    const entry = failureEntry(
      record(
        { Records: [{ s3: { bucket: { name: "data" }, object: { key: "during+outage%21.txt" } } }] },
        { errorType: "ResourceNotFoundException", errorMessage: "Requested resource not found" },
      ),
    );
    expect(entry).to.deep.include({
      time: "2026-11-22T04:11:05.123Z",
      keys: ["during outage!.txt"],
      error: "ResourceNotFoundException: Requested resource not found",
      condition: "RetriesExhausted",
      attempts: 3,
    });
    expect(entry.payload).to.have.property("Records");
  });

  it("drops the uninformative Error type and reads EventBridge's object events", () => {
    const entry = failureEntry(
      record(
        { detail: { bucket: { name: "data" }, object: { key: "a b.txt" } } },
        { errorType: "Error", errorMessage: "boom" },
      ),
    );
    expect(entry.error).to.equal("boom");
    expect(entry.keys).to.deep.equal(["a b.txt"]);
  });

  it("lists a message that is not an invocation record without inventing an event to redrive", () => {
    const entry = failureEntry({ MessageId: "m", ReceiptHandle: "r", Body: "not json" });
    expect(entry).to.deep.include({ time: "", keys: [], error: "unknown error" });
    expect(entry.payload).to.equal(undefined);
    expect(eventKeys(undefined)).to.deep.equal([]);
  });
});

describe("console links of the topic, failure queue and alarm", () => {
  it("points at the SNS topic by ARN, the SQS queue by its escaped URL and the alarm by name", () => {
    const names = stackNames(resolveSettings({ region: "eu-west-1" }, {}, "/tmp"), "123456789012");
    const [topic, queue, alarm] = messagingLinks(names, "eu-west-1", "123456789012");
    expect(topic!.url).to.equal(
      "https://eu-west-1.console.aws.amazon.com/sns/v3/home?region=eu-west-1#/topic/arn:aws:sns:eu-west-1:123456789012:s3size-events",
    );
    expect(queue!.url).to.equal(
      "https://eu-west-1.console.aws.amazon.com/sqs/v3/home?region=eu-west-1#/queues/https%3A%2F%2Fsqs.eu-west-1.amazonaws.com%2F123456789012%2Fs3size-failures",
    );
    expect(alarm!.url).to.equal(
      "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/s3size-size-tracking-errors",
    );
  });
});
