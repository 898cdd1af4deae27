// Issue 11's provisioning with faked clients: the email subscription's states as AWS reports them, the
// tracker's failure destination, and the alarm, each converging without needless calls.
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand as ListAlarmTagsCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionCommand,
  GetFunctionEventInvokeConfigCommand,
  PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { expect } from "chai";
import { UserError } from "../../cli/errors.ts";
import { ensureAlarm, wantedAlarm } from "../../cli/provision/alarm.ts";
import { arns } from "../../cli/provision/context.ts";
import {
  destroyFailureDestination,
  ensureFailureDestination,
  wantedInvokeConfig,
} from "../../cli/provision/failure-destination.ts";
import { rolePolicies } from "../../cli/provision/roles.ts";
import { emailSubscriptionState, ensureTopic } from "../../cli/provision/topic.ts";
import { ACCOUNT, awsError, fakeContext, inputOf } from "./fake-context.ts";

const TAGS = [{ Key: "s3size:stack", Value: "s3size" }];
const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:s3size-events`;

function withTopic(subscriptions: Array<{ Endpoint: string; SubscriptionArn: string }>) {
  const fake = fakeContext();
  fake.mocks.sns
    .on(GetTopicAttributesCommand)
    .resolves({ Attributes: { TopicArn: TOPIC_ARN, DisplayName: "s3size" } });
  fake.mocks.sns.on(ListTagsForResourceCommand).resolves({ Tags: TAGS });
  fake.mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: subscriptions.map((s) => ({ ...s, Protocol: "email", TopicArn: TOPIC_ARN })),
  });
  return fake;
}

describe("topic and email subscription (faked SNS)", () => {
  it("reports PendingConfirmation as pending and a subscription ARN as confirmed", async () => {
    const pending = withTopic([{ Endpoint: "grader@example.com", SubscriptionArn: "PendingConfirmation" }]);
    pending.ctx.state.notifyEmail = "grader@example.com";
    expect(await emailSubscriptionState(pending.ctx)).to.deep.equal({
      address: "grader@example.com",
      state: "pending",
    });
    const confirmed = withTopic([{ Endpoint: "grader@example.com", SubscriptionArn: `${TOPIC_ARN}:1b2c` }]);
    confirmed.ctx.state.notifyEmail = "grader@example.com";
    expect(await emailSubscriptionState(confirmed.ctx)).to.deep.equal({
      address: "grader@example.com",
      state: "confirmed",
      subscriptionArn: `${TOPIC_ARN}:1b2c`,
    });
    const none = withTopic([]);
    expect(await emailSubscriptionState(none.ctx)).to.equal(undefined);
  });

  it("creates the tagged topic and subscribes --notify-email, remembering the address in state", async () => {
    const { ctx, mocks } = fakeContext({ settings: { notifyEmail: "grader@example.com" } });
    mocks.sns.on(GetTopicAttributesCommand).rejects(awsError("NotFoundException", 404));
    mocks.sns.on(CreateTopicCommand).resolves({ TopicArn: TOPIC_ARN });
    mocks.sns.on(SubscribeCommand).resolves({ SubscriptionArn: `${TOPIC_ARN}:pending` });
    await ensureTopic(ctx);
    expect(inputOf(mocks.sns, CreateTopicCommand)).to.deep.equal([
      { Name: "s3size-events", Attributes: { DisplayName: "s3size" }, Tags: TAGS },
    ]);
    expect(inputOf(mocks.sns, SubscribeCommand)).to.deep.equal([
      { TopicArn: TOPIC_ARN, Protocol: "email", Endpoint: "grader@example.com", ReturnSubscriptionArn: true },
    ]);
    expect(ctx.state.notifyEmail).to.equal("grader@example.com");
  });

  it("does not subscribe again an address that is pending, even without the flag", async () => {
    const { ctx, mutations } = withTopic([
      { Endpoint: "grader@example.com", SubscriptionArn: "PendingConfirmation" },
    ]);
    ctx.state.notifyEmail = "grader@example.com";
    await ensureTopic(ctx);
    expect(mutations()).to.deep.equal([]);
    expect(ctx.changes).to.deep.equal([]);
  });

  it("replaces a confirmed address with a new one, and leaves a pending old one to expire with a note", async () => {
    const confirmed = withTopic([{ Endpoint: "old@example.com", SubscriptionArn: `${TOPIC_ARN}:old` }]);
    confirmed.ctx.state.notifyEmail = "old@example.com";
    confirmed.ctx.settings.notifyEmail = "new@example.com";
    confirmed.mocks.sns.on(SubscribeCommand).resolves({ SubscriptionArn: "x" });
    await ensureTopic(confirmed.ctx);
    expect(inputOf(confirmed.mocks.sns, SubscribeCommand).map((i) => i.Endpoint)).to.deep.equal([
      "new@example.com",
    ]);
    expect(inputOf(confirmed.mocks.sns, UnsubscribeCommand)).to.deep.equal([
      { SubscriptionArn: `${TOPIC_ARN}:old` },
    ]);
    expect(confirmed.ctx.state.notifyEmail).to.equal("new@example.com");

    const pending = withTopic([{ Endpoint: "old@example.com", SubscriptionArn: "PendingConfirmation" }]);
    pending.ctx.state.notifyEmail = "old@example.com";
    pending.ctx.settings.notifyEmail = "";
    await ensureTopic(pending.ctx);
    expect(pending.mutations()).to.deep.equal([]);
    expect(pending.ctx.notes.join()).to.match(/old@example.com never confirmed/);
    expect(pending.ctx.state.notifyEmail).to.equal(undefined);
  });

  it("refuses a topic of that name that is not the stack's", async () => {
    const { ctx, mocks } = withTopic([]);
    mocks.sns.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    const error = await ensureTopic(ctx).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UserError);
    expect((error as UserError).message).to.match(/topic s3size-events: it does not carry the tag/);
  });
});

describe("the tracker's failure destination (faked Lambda)", () => {
  const queueArn = `arn:aws:sqs:eu-west-1:${ACCOUNT}:s3size-failures`;

  it("puts retries, event age and OnFailure → the failure queue when there is no configuration", async () => {
    const { ctx, mocks } = fakeContext({ settings: { trackerRetries: 1, trackerMaxEventAgeSeconds: 3600 } });
    mocks.lambda
      .on(GetFunctionEventInvokeConfigCommand)
      .rejects(awsError("ResourceNotFoundException", 404, "The function doesn't have an EventInvokeConfig"));
    mocks.lambda.on(PutFunctionEventInvokeConfigCommand).resolves({});
    await ensureFailureDestination(ctx);
    expect(inputOf(mocks.lambda, PutFunctionEventInvokeConfigCommand)).to.deep.equal([
      {
        FunctionName: "s3size-size-tracking",
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: queueArn } },
      },
    ]);
  });

  it("changes nothing when the configuration is as wanted, and replaces one with an OnSuccess destination", async () => {
    const same = fakeContext();
    same.mocks.lambda.on(GetFunctionEventInvokeConfigCommand).resolves({
      ...wantedInvokeConfig(same.ctx),
      DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: queueArn } },
    });
    await ensureFailureDestination(same.ctx);
    expect(same.mutations()).to.deep.equal([]);

    const extra = fakeContext();
    extra.mocks.lambda.on(GetFunctionEventInvokeConfigCommand).resolves({
      ...wantedInvokeConfig(extra.ctx),
      DestinationConfig: {
        OnSuccess: { Destination: "arn:aws:sqs:eu-west-1:1:x" },
        OnFailure: { Destination: queueArn },
      },
    });
    extra.mocks.lambda.on(PutFunctionEventInvokeConfigCommand).resolves({});
    await ensureFailureDestination(extra.ctx);
    expect(extra.ctx.changes).to.deep.equal([
      "update OnSuccess of s3size-size-tracking's asynchronous invocation",
    ]);
  });

  it("retries while Lambda says the destination is invalid because the role's new grant has not propagated", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.lambda.on(GetFunctionEventInvokeConfigCommand).rejects(awsError("ResourceNotFoundException", 404));
    mocks.lambda
      .on(PutFunctionEventInvokeConfigCommand)
      .rejectsOnce(
        awsError("InvalidParameterValueException", 400, `The destination ARN ${queueArn} is invalid.`),
      )
      .resolves({});
    await ensureFailureDestination(ctx);
    expect(mocks.lambda.commandCalls(PutFunctionEventInvokeConfigCommand)).to.have.length(2);
  });

  it("removes the configuration on teardown only from the stack's own function", async () => {
    const ours = fakeContext();
    ours.mocks.lambda
      .on(GetFunctionCommand)
      .resolves({ Configuration: {}, Tags: { "s3size:stack": "s3size" } });
    ours.mocks.lambda.on(GetFunctionEventInvokeConfigCommand).resolves(wantedInvokeConfig(ours.ctx));
    await destroyFailureDestination(ours.ctx);
    expect(inputOf(ours.mocks.lambda, DeleteFunctionEventInvokeConfigCommand)).to.deep.equal([
      { FunctionName: "s3size-size-tracking" },
    ]);
    const theirs = fakeContext();
    theirs.mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: {}, Tags: {} });
    await destroyFailureDestination(theirs.ctx);
    expect(theirs.mutations()).to.deep.equal([]);
  });
});

describe("the Errors alarm (faked CloudWatch)", () => {
  it("creates Sum of Errors ≥ 1 over 60 s on the tracker, notifying the topic, tagged", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    mocks.cloudwatch.on(PutMetricAlarmCommand).resolves({});
    await ensureAlarm(ctx);
    const [input] = inputOf(mocks.cloudwatch, PutMetricAlarmCommand);
    expect(input).to.deep.include({
      AlarmName: "s3size-size-tracking-errors",
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: "s3size-size-tracking" }],
      Statistic: "Sum",
      Period: 60,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [TOPIC_ARN],
      Tags: TAGS,
    });
  });

  it("leaves a matching alarm alone and updates one whose threshold drifted", async () => {
    const same = fakeContext();
    same.mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [wantedAlarm(same.ctx)] });
    same.mocks.cloudwatch.on(ListAlarmTagsCommand).resolves({ Tags: TAGS });
    await ensureAlarm(same.ctx);
    expect(same.mutations()).to.deep.equal([]);
    const drifted = fakeContext();
    drifted.mocks.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ ...wantedAlarm(drifted.ctx), Threshold: 5 }] });
    drifted.mocks.cloudwatch.on(ListAlarmTagsCommand).resolves({ Tags: TAGS });
    drifted.mocks.cloudwatch.on(PutMetricAlarmCommand).resolves({});
    await ensureAlarm(drifted.ctx);
    expect(drifted.ctx.changes).to.deep.equal(["update Threshold of alarm s3size-size-tracking-errors"]);
    expect(drifted.mocks.cloudwatch.commandCalls(DeleteAlarmsCommand)).to.have.length(0);
  });
});

describe("the tracker's role (issue 11's grants)", () => {
  it("may publish to the stack's topic and send to its failure queue, and nothing wider", () => {
    const { ctx } = fakeContext();
    const statements = rolePolicies(ctx)["size-tracking"].Statement;
    const grant = (action: string) =>
      statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);
    expect(grant("sns:Publish")).to.deep.equal([arns(ctx).topic]);
    expect(grant("sqs:SendMessage")).to.deep.equal([arns(ctx).failureQueue]);
    expect(rolePolicies(ctx).plotting.Statement.flatMap((s) => s.Action)).not.to.include("sns:Publish");
  });
});

describe("issue 11's settings", () => {
  it("refuses a malformed address, topic name, queue name or retry count before any call", async () => {
    const { resolveSettings } = await import("../../cli/config.ts");
    const refused = (flags: Record<string, string>) => {
      try {
        resolveSettings({ region: "us-east-1", ...flags }, {}, "/tmp");
        return undefined;
      } catch (error) {
        return error as UserError;
      }
    };
    expect(refused({ notifyEmail: "grader" })?.message).to.match(/invalid email address "grader"/);
    expect(refused({ topicName: "events.fifo" })?.message).to.match(/invalid topic name/);
    expect(refused({ failureQueue: "x".repeat(81) })?.message).to.match(/invalid queue name/);
    expect(refused({ trackerRetries: "3" })?.message).to.match(/--tracker-retries/);
    expect(refused({ trackerMaxEventAgeSeconds: "59" })?.message).to.match(/--tracker-max-event-age-seconds/);
    expect(refused({ notifyEmail: "" })).to.equal(undefined);
    expect(
      resolveSettings({ region: "us-east-1" }, { S3SIZE_NOTIFY_EMAIL: "a@b.io" }, "/tmp").notifyEmail,
    ).to.equal("a@b.io");
  });
});
