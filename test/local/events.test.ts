import { join } from "node:path";
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TagResourceCommand,
  TestEventPatternCommand,
} from "@aws-sdk/client-eventbridge";
import { expect } from "chai";
import { clientsFor, startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";
import { queueFor, receiveMessages, recordedEvents, recorderFunction } from "./fixtures/messaging.ts";
import { assume, roleWithPolicy } from "./fixtures/role-session.ts";

const objectCreated = (bucket: string, key: string) => ({
  Source: "aws.s3",
  DetailType: "Object Created",
  Detail: JSON.stringify({ bucket: { name: bucket }, object: { key, size: 18 } }),
  Resources: [`arn:aws:s3:::${bucket}`],
});

describe("local EventBridge", () => {
  let test: TestCloud;
  const events = () => test.clients.events;
  const rule = async (Name: string, pattern: object, extra: Record<string, unknown> = {}) =>
    (await events().send(new PutRuleCommand({ Name, EventPattern: JSON.stringify(pattern), ...extra })))
      .RuleArn!;

  before(async () => {
    test = await startTestCloud({ realism: { scheduleMinuteMs: 300 } });
  });
  after(() => test.stop());

  describe("buses", () => {
    it("has a default bus and creates, describes and deletes others", async () => {
      const listed = await events().send(new ListEventBusesCommand({}));
      expect(listed.EventBuses).to.deep.include({
        Name: "default",
        Arn: "arn:aws:events:us-east-1:000000000000:event-bus/default",
      });
      const { EventBusArn } = await events().send(new CreateEventBusCommand({ Name: "orders" }));
      expect(EventBusArn).to.equal("arn:aws:events:us-east-1:000000000000:event-bus/orders");
      expect((await events().send(new DescribeEventBusCommand({ Name: "orders" }))).Arn).to.equal(
        EventBusArn,
      );
      const again = await expectError(
        events().send(new CreateEventBusCommand({ Name: "orders" })),
        "ResourceAlreadyExistsException",
        400,
      );
      expect(again.message).to.equal("Event bus orders already exists.");
      const defaultBus = await expectError(
        events().send(new DeleteEventBusCommand({ Name: "default" })),
        "ValidationException",
        400,
      );
      expect(defaultBus.message).to.equal("Cannot delete event bus default.");
      await events().send(new DeleteEventBusCommand({ Name: "orders" }));
      const gone = await expectError(
        events().send(new DescribeEventBusCommand({ Name: "orders" })),
        "ResourceNotFoundException",
        400,
      );
      expect(gone.message).to.equal("Event bus orders does not exist.");
    });
  });

  describe("rules and targets", () => {
    it("creates, describes, lists, disables and deletes a rule", async () => {
      const arn = await rule("uploads", { source: ["aws.s3"] }, { Description: "S3 uploads" });
      expect(arn).to.equal("arn:aws:events:us-east-1:000000000000:rule/uploads");
      const described = await events().send(new DescribeRuleCommand({ Name: "uploads" }));
      expect(described).to.include({
        Name: "uploads",
        Arn: arn,
        State: "ENABLED",
        EventBusName: "default",
        Description: "S3 uploads",
        EventPattern: '{"source":["aws.s3"]}',
      });
      await events().send(new DisableRuleCommand({ Name: "uploads" }));
      expect((await events().send(new ListRulesCommand({ NamePrefix: "upl" }))).Rules?.[0]?.State).to.equal(
        "DISABLED",
      );
      await events().send(new EnableRuleCommand({ Name: "uploads" }));
      await events().send(
        new PutTargetsCommand({
          Rule: "uploads",
          Targets: [{ Id: "q", Arn: "arn:aws:sqs:us-east-1:000000000000:q" }],
        }),
      );
      const blocked = await expectError(
        events().send(new DeleteRuleCommand({ Name: "uploads" })),
        "ValidationException",
        400,
      );
      expect(blocked.message).to.equal("Rule can't be deleted since it has targets.");
      const byTarget = await events().send(
        new ListRuleNamesByTargetCommand({ TargetArn: "arn:aws:sqs:us-east-1:000000000000:q" }),
      );
      expect(byTarget.RuleNames).to.deep.equal(["uploads"]);
      await events().send(new RemoveTargetsCommand({ Rule: "uploads", Ids: ["q"] }));
      expect((await events().send(new ListTargetsByRuleCommand({ Rule: "uploads" }))).Targets).to.deep.equal(
        [],
      );
      await events().send(new DeleteRuleCommand({ Name: "uploads" }));
      const missing = await expectError(
        events().send(new DescribeRuleCommand({ Name: "uploads" })),
        "ResourceNotFoundException",
        400,
      );
      expect(missing.message).to.equal("Rule uploads does not exist on EventBus default.");
    });

    it("refuses bad patterns, schedules, names and targets in EventBridge's words", async () => {
      const pattern = await expectError(
        events().send(new PutRuleCommand({ Name: "bad", EventPattern: '{"source":"aws.s3"}' })),
        "InvalidEventPatternException",
        400,
      );
      expect(pattern.message).to.equal(
        'Event pattern is not valid. Reason: "source" must be an object or an array',
      );
      const schedule = await expectError(
        events().send(new PutRuleCommand({ Name: "bad", ScheduleExpression: "rate(1 minutes)" })),
        "ValidationException",
        400,
      );
      expect(schedule.message).to.equal("Parameter ScheduleExpression is not valid.");
      const name = await expectError(
        events().send(new PutRuleCommand({ Name: "no spaces", EventPattern: "{}" })),
        "ValidationException",
        400,
      );
      expect(name.message).to.equal(
        "1 validation error detected: Value 'no spaces' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
      );
      await rule("targets-checked", { source: ["x"] });
      const both = await expectError(
        events().send(
          new PutTargetsCommand({
            Rule: "targets-checked",
            Targets: [
              { Id: "t", Arn: "arn:aws:sqs:us-east-1:000000000000:q", Input: "{}", InputPath: "$.detail" },
            ],
          }),
        ),
        "ValidationException",
        400,
      );
      expect(both.message).to.equal(
        "Only one of Input, InputPath, or InputTransformer must be provided for target t.",
      );
      const placeholder = await expectError(
        events().send(
          new PutTargetsCommand({
            Rule: "targets-checked",
            Targets: [
              {
                Id: "t",
                Arn: "arn:aws:sqs:us-east-1:000000000000:q",
                InputTransformer: { InputPathsMap: {}, InputTemplate: '{"k": <key>}' },
              },
            ],
          }),
        ),
        "ValidationException",
        400,
      );
      expect(placeholder.message).to.equal("InputTemplate for target t contains invalid placeholder key.");
      await expectError(
        events().send(
          new PutTargetsCommand({ Rule: "nope", Targets: [{ Id: "t", Arn: "arn:aws:sqs:us-east-1:0:q" }] }),
        ),
        "ResourceNotFoundException",
        400,
      );
    });

    it("tags rules", async () => {
      const arn = await rule("tagged", { source: ["x"] });
      await events().send(
        new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "stack", Value: "s3size" }] }),
      );
      expect((await events().send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).to.deep.equal([
        { Key: "stack", Value: "s3size" },
      ]);
    });

    it("tags a rule with PutRule only when it creates it, as AWS does (an update's Tags are ignored)", async () => {
      const tags = (Value: string) => ({ Tags: [{ Key: "stack", Value }] });
      const arn = await rule("tagged-at-creation", { source: ["x"] }, tags("first"));
      await rule("tagged-at-creation", { source: ["y"] }, tags("second"));
      expect((await events().send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).to.deep.equal([
        { Key: "stack", Value: "first" },
      ]);
      const { EventPattern } = await events().send(new DescribeRuleCommand({ Name: "tagged-at-creation" }));
      expect(JSON.parse(EventPattern!)).to.deep.equal({ source: ["y"] });
    });

    it("asks for events:TagResource as well when PutRule tags, as AWS does", async () => {
      const role = await roleWithPolicy(test.clients, "rule-writer", [
        {
          Effect: "Allow",
          Action: "events:PutRule",
          Resource: "arn:aws:events:us-east-1:000000000000:rule/by-role-*",
        },
      ]);
      const writer = clientsFor(test.cloud.endpoint, "us-east-1", await assume(test.clients, role, "writer"));
      const put = (Name: string, extra: object = {}) =>
        writer.events.send(new PutRuleCommand({ Name, EventPattern: '{"source":["x"]}', ...extra }));
      expect((await put("by-role-plain")).RuleArn).to.match(/rule\/by-role-plain$/);
      const refused = await expectError(
        put("by-role-tagged", { Tags: [{ Key: "stack", Value: "s3size" }] }),
        "AccessDeniedException",
        400,
      );
      expect(refused.message).to.include("events:TagResource");
      expect(refused.message).to.include("rule/by-role-tagged");
    });
  });

  describe("delivery", () => {
    it("delivers matching events in AWS's envelope to an SQS target, and not the others", async () => {
      const arn = await rule("created-in-data", {
        source: ["aws.s3"],
        "detail-type": ["Object Created", "Object Deleted"],
        detail: { bucket: { name: ["data"] } },
      });
      const queue = await queueFor(test.clients.sqs, "created-q", {
        service: "events.amazonaws.com",
        sourceArn: arn,
      });
      await events().send(
        new PutTargetsCommand({ Rule: "created-in-data", Targets: [{ Id: "queue", Arn: queue.arn }] }),
      );
      const put = await events().send(
        new PutEventsCommand({
          Entries: [objectCreated("other", "x"), objectCreated("data", "assignment1.txt")],
        }),
      );
      expect(put.FailedEntryCount).to.equal(0);
      const [message] = await receiveMessages(test.clients.sqs, queue.url);
      const event = JSON.parse(message!.Body!);
      expect(event).to.include({
        version: "0",
        id: put.Entries![1]!.EventId,
        "detail-type": "Object Created",
        source: "aws.s3",
        account: "000000000000",
        region: "us-east-1",
      });
      expect(event.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(event.resources).to.deep.equal(["arn:aws:s3:::data"]);
      expect(event.detail).to.deep.equal({
        bucket: { name: "data" },
        object: { key: "assignment1.txt", size: 18 },
      });
      expect(await receiveMessages(test.clients.sqs, queue.url, 1, 0)).to.deep.equal([]);
    });

    it("fills an InputTransformer's template for the target", async () => {
      const arn = await rule("transformed", { source: ["aws.s3"], detail: { bucket: { name: ["shaped"] } } });
      const queue = await queueFor(test.clients.sqs, "transformed-q", {
        service: "events.amazonaws.com",
        sourceArn: arn,
      });
      await events().send(
        new PutTargetsCommand({
          Rule: "transformed",
          Targets: [
            {
              Id: "queue",
              Arn: queue.arn,
              InputTransformer: {
                InputPathsMap: { key: "$.detail.object.key", size: "$.detail.object.size" },
                InputTemplate: '{"object": "<key>", "bytes": <size>}',
              },
            },
          ],
        }),
      );
      await events().send(new PutEventsCommand({ Entries: [objectCreated("shaped", "a.txt")] }));
      const [message] = await receiveMessages(test.clients.sqs, queue.url);
      expect(JSON.parse(message!.Body!)).to.deep.equal({ object: "a.txt", bytes: 18 });
    });

    it("invokes a Lambda target whose policy allows the rule, and not one whose policy does not", async () => {
      const arn = await rule("to-lambda", { source: ["aws.s3"], detail: { bucket: { name: ["invoking"] } } });
      const allowedFile = join(test.stateDir, "events-allowed.jsonl");
      const refusedFile = join(test.stateDir, "events-refused.jsonl");
      const allowed = await recorderFunction(test.clients, "events-allowed", allowedFile, {
        service: "events.amazonaws.com",
        sourceArn: arn,
      });
      const refused = await recorderFunction(test.clients, "events-refused", refusedFile, {
        service: "events.amazonaws.com",
        sourceArn: "arn:aws:events:us-east-1:000000000000:rule/some-other-rule",
      });
      await events().send(
        new PutTargetsCommand({
          Rule: "to-lambda",
          Targets: [
            { Id: "allowed", Arn: allowed },
            { Id: "refused", Arn: refused },
          ],
        }),
      );
      await events().send(new PutEventsCommand({ Entries: [objectCreated("invoking", "b.txt")] }));
      const [event] = (await recordedEvents(allowedFile)) as Array<Record<string, unknown>>;
      expect(event).to.include({ source: "aws.s3", "detail-type": "Object Created" });
      expect(await recordedEvents(refusedFile, 1, 500)).to.deep.equal([]);
    });

    it("runs a rate() rule on its schedule", async () => {
      const { RuleArn } = await events().send(
        new PutRuleCommand({ Name: "every-minute", ScheduleExpression: "rate(1 minute)" }),
      );
      const queue = await queueFor(test.clients.sqs, "scheduled-q", {
        service: "events.amazonaws.com",
        sourceArn: RuleArn!,
      });
      await events().send(
        new PutTargetsCommand({ Rule: "every-minute", Targets: [{ Id: "queue", Arn: queue.arn }] }),
      );
      // A local "minute" lasts 300 ms in this test cloud.
      const messages = await receiveMessages(test.clients.sqs, queue.url, 2, 5);
      expect(messages.length).to.be.at.least(2);
      const event = JSON.parse(messages[0]!.Body!);
      expect(event).to.include({ "detail-type": "Scheduled Event", source: "aws.events" });
      expect(event.resources).to.deep.equal([RuleArn]);
      expect(event.detail).to.deep.equal({});
      await events().send(new DisableRuleCommand({ Name: "every-minute" }));
    });

    it("reports PutEvents entries it cannot accept, in their place", async () => {
      const put = await events().send(
        new PutEventsCommand({
          Entries: [
            { DetailType: "x", Detail: "{}" },
            { Source: "app", DetailType: "x", Detail: "not json" },
            { Source: "app", DetailType: "x", Detail: "{}" },
          ],
        }),
      );
      expect(put.FailedEntryCount).to.equal(2);
      expect(put.Entries?.[0]).to.deep.equal({
        ErrorCode: "InvalidArgument",
        ErrorMessage: "Parameter Source is not valid. Reason: Source is a required argument.",
      });
      expect(put.Entries?.[1]).to.deep.equal({
        ErrorCode: "MalformedDetail",
        ErrorMessage: "Detail is malformed.",
      });
      expect(put.Entries?.[2]?.EventId).to.match(/^[0-9a-f-]{36}$/);
    });

    it("tests an event against a pattern", async () => {
      const event = JSON.stringify({
        id: "1",
        account: "000000000000",
        source: "aws.s3",
        time: "2026-01-01T00:00:00Z",
        region: "us-east-1",
        resources: [],
        "detail-type": "Object Deleted",
        detail: { object: { key: "a.txt" } },
      });
      const test1 = await events().send(
        new TestEventPatternCommand({
          Event: event,
          EventPattern: '{"detail":{"object":{"key":[{"suffix":".txt"}]}}}',
        }),
      );
      expect(test1.Result).to.equal(true);
      const test2 = await events().send(
        new TestEventPatternCommand({ Event: event, EventPattern: '{"source":["aws.ec2"]}' }),
      );
      expect(test2.Result).to.equal(false);
      await expectError(
        events().send(new TestEventPatternCommand({ Event: '{"source":"x"}', EventPattern: "{}" })),
        "ValidationException",
        400,
      );
    });
  });

  it("keeps rules across a restart and regions apart", async () => {
    const own = await startTestCloud();
    let restarted: TestCloud | undefined;
    const west = clientsFor(own.cloud.endpoint, "eu-west-1").events;
    try {
      const arn = (
        await own.clients.events.send(
          new PutRuleCommand({ Name: "durable", EventPattern: '{"source":["app"]}' }),
        )
      ).RuleArn!;
      const queue = await queueFor(own.clients.sqs, "durable-events-q", {
        service: "events.amazonaws.com",
        sourceArn: arn,
      });
      await own.clients.events.send(
        new PutTargetsCommand({ Rule: "durable", Targets: [{ Id: "q", Arn: queue.arn }] }),
      );
      expect((await west.send(new ListRulesCommand({}))).Rules).to.deep.equal([]);
      await west.send(
        new PutEventsCommand({ Entries: [{ Source: "app", DetailType: "west", Detail: "{}" }] }),
      );
      await own.stop(false);
      restarted = await startTestCloud({ stateDir: own.stateDir });
      await restarted.clients.events.send(
        new PutEventsCommand({ Entries: [{ Source: "app", DetailType: "east", Detail: "{}" }] }),
      );
      const messages = await receiveMessages(restarted.clients.sqs, queue.url);
      expect(messages.map((m) => JSON.parse(m.Body!)["detail-type"])).to.deep.equal(["east"]);
    } finally {
      west.destroy();
      await restarted?.stop();
    }
  });
});
