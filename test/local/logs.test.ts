import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { expect } from "chai";
import { compileFilterPattern } from "../../local/logs/filter-pattern.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

describe("local CloudWatch Logs", () => {
  let test: TestCloud;
  const group = "/aws/lambda/logs-test";
  const t0 = Date.now() - 60_000;

  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  it("creates a log group once, with tags, and refuses a second", async () => {
    await test.clients.logs.send(new CreateLogGroupCommand({ logGroupName: group, tags: { team: "a" } }));
    await expectError(
      test.clients.logs.send(new CreateLogGroupCommand({ logGroupName: group })),
      "ResourceAlreadyExistsException",
      400,
    );
    await expectError(
      test.clients.logs.send(new CreateLogGroupCommand({ logGroupName: "bad name!" })),
      "InvalidParameterException",
      400,
    );
  });

  it("sets and removes retention, shown by DescribeLogGroups with the ARN", async () => {
    await test.clients.logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 7 }));
    const described = await test.clients.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/" }),
    );
    expect(described.logGroups).to.have.length(1);
    expect(described.logGroups![0]).to.include({
      logGroupName: group,
      retentionInDays: 7,
      arn: `arn:aws:logs:us-east-1:000000000000:log-group:${group}:*`,
    });
    await expectError(
      test.clients.logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 8 })),
      "InvalidParameterException",
      400,
    );
    await test.clients.logs.send(new DeleteRetentionPolicyCommand({ logGroupName: group }));
    const after = await test.clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }));
    expect(after.logGroups![0]!.retentionInDays).to.equal(undefined);
    const none = await test.clients.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: "/nothing" }),
    );
    expect(none.logGroups).to.deep.equal([]);
  });

  it("creates streams, takes events and describes streams by last event time", async () => {
    for (const name of ["a", "b"]) {
      await test.clients.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }));
    }
    await expectError(
      test.clients.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "a" })),
      "ResourceAlreadyExistsException",
      400,
    );
    await test.clients.logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: "b",
        logEvents: [
          { timestamp: t0 + 1, message: "first line ERROR disk full" },
          { timestamp: t0 + 2, message: "second line ok" },
        ],
      }),
    );
    await test.clients.logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: "a",
        logEvents: Array.from({ length: 25 }, (_, i) => ({ timestamp: t0 + 10 + i, message: `event ${i}` })),
      }),
    );
    const streams = await test.clients.logs.send(
      new DescribeLogStreamsCommand({ logGroupName: group, orderBy: "LastEventTime", descending: true }),
    );
    expect(streams.logStreams!.map((s) => s.logStreamName)).to.deep.equal(["a", "b"]);
    expect(streams.logStreams![0]).to.include({ firstEventTimestamp: t0 + 10, lastEventTimestamp: t0 + 34 });
    await expectError(
      test.clients.logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: "nope",
          logEvents: [{ timestamp: t0, message: "x" }],
        }),
      ),
      "ResourceNotFoundException",
      400,
    );
  });

  it("pages GetLogEvents forwards from the head and backwards from the tail", async () => {
    const head = await test.clients.logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: "a", startFromHead: true, limit: 10 }),
    );
    expect(head.events!.map((e) => e.message)).to.deep.equal(
      Array.from({ length: 10 }, (_, i) => `event ${i}`),
    );
    const next = await test.clients.logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: "a",
        nextToken: head.nextForwardToken,
        limit: 10,
      }),
    );
    expect(next.events![0]!.message).to.equal("event 10");
    const tail = await test.clients.logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: "a", limit: 5 }),
    );
    expect(tail.events!.map((e) => e.message)).to.deep.equal([
      "event 20",
      "event 21",
      "event 22",
      "event 23",
      "event 24",
    ]);
    const earlier = await test.clients.logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: "a",
        nextToken: tail.nextBackwardToken,
        limit: 5,
      }),
    );
    expect(earlier.events![0]!.message).to.equal("event 15");
    const end = await test.clients.logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: "a", nextToken: tail.nextForwardToken }),
    );
    expect(end.events).to.deep.equal([]);
    expect(end.nextForwardToken).to.equal(tail.nextForwardToken);
  });

  it("filters events across streams by terms, phrases, streams, time and pages them", async () => {
    const filter = (input: Record<string, unknown>) =>
      test.clients.logs.send(new FilterLogEventsCommand({ logGroupName: group, ...input }));
    const errors = await filter({ filterPattern: "ERROR disk" });
    expect(errors.events!.map((e) => [e.logStreamName, e.message])).to.deep.equal([
      ["b", "first line ERROR disk full"],
    ]);
    expect((await filter({ filterPattern: '"disk full"' })).events).to.have.length(1);
    expect((await filter({ filterPattern: '"full disk"' })).events).to.have.length(0);
    expect((await filter({ logStreamNames: ["b"] })).events).to.have.length(2);
    expect(
      (await filter({ startTime: t0 + 10, endTime: t0 + 12 })).events!.map((e) => e.message),
    ).to.deep.equal(["event 0", "event 1", "event 2"]);
    const page = await filter({ filterPattern: "event", limit: 20 });
    expect(page.events).to.have.length(20);
    const rest = await filter({ filterPattern: "event", limit: 20, nextToken: page.nextToken });
    expect(rest.events!.map((e) => e.message)).to.deep.equal([
      "event 20",
      "event 21",
      "event 22",
      "event 23",
      "event 24",
    ]);
    expect(rest.nextToken).to.equal(undefined);
    const idOf = async (input: Record<string, unknown>) =>
      (await filter(input)).events!.find((e) => e.message === "event 2")!.eventId;
    expect(await idOf({ startTime: t0 + 12 })).to.equal(await idOf({ filterPattern: "event" }));
  });

  it("tags by ARN and by group name", async () => {
    const arn = `arn:aws:logs:us-east-1:000000000000:log-group:${group}`;
    await test.clients.logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: "dev" } }));
    await test.clients.logs.send(new TagLogGroupCommand({ logGroupName: group, tags: { owner: "me" } }));
    await test.clients.logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["team"] }));
    const tags = await test.clients.logs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(tags.tags).to.deep.equal({ env: "dev", owner: "me" });
    const legacy = await test.clients.logs.send(new ListTagsLogGroupCommand({ logGroupName: group }));
    expect(legacy.tags).to.deep.equal({ env: "dev", owner: "me" });
  });

  it("keeps groups, streams and events across a restart", async () => {
    await test.stop(false);
    test = await startTestCloud({ stateDir: test.stateDir });
    const events = await test.clients.logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: "a", startFromHead: true }),
    );
    expect(events.events).to.have.length(25);
    const groups = await test.clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }));
    expect(groups.logGroups![0]!.storedBytes).to.be.greaterThan(0);
  });

  it("deletes a log group, after which it is not found", async () => {
    await test.clients.logs.send(new DeleteLogGroupCommand({ logGroupName: group }));
    await expectError(
      test.clients.logs.send(new DeleteLogGroupCommand({ logGroupName: group })),
      "ResourceNotFoundException",
      400,
    );
    await expectError(
      test.clients.logs.send(new FilterLogEventsCommand({ logGroupName: group })),
      "ResourceNotFoundException",
      400,
    );
  });
});

describe("CloudWatch Logs filter patterns", () => {
  it("needs every term, honours exclusions and optional terms", () => {
    expect(compileFilterPattern("ERROR disk")("ERROR: disk full")).to.equal(true);
    expect(compileFilterPattern("ERROR disk")("ERROR: memory")).to.equal(false);
    expect(compileFilterPattern("ERROR -retry")("ERROR then retry")).to.equal(false);
    expect(compileFilterPattern("?WARN ?ERROR")("a WARN here")).to.equal(true);
    expect(compileFilterPattern("?WARN ?ERROR")("all fine")).to.equal(false);
    expect(compileFilterPattern('"Task timed out"')("x Task timed out after 3.00 seconds")).to.equal(true);
    expect(compileFilterPattern("")("anything")).to.equal(true);
  });
});
