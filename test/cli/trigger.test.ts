// The AWS-only paths of --trigger with faked clients: the pattern and the permission as AWS receives
// them, convergence from partial states, a rule or EventBridge delivery that is not ours, and the setting.
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { AddPermissionCommand, GetFunctionCommand, GetPolicyCommand } from "@aws-sdk/client-lambda";
import {
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  PutBucketNotificationConfigurationCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { resolveSettings, stackNames } from "../../cli/config.ts";
import { stackLinks } from "../../cli/console-links.ts";
import { UserError } from "../../cli/errors.ts";
import {
  destroyEventRule,
  ensureEventRule,
  eventRuleArn,
  trackingEventPattern,
} from "../../cli/provision/event-rule.ts";
import { destroyTrigger, ensureTrigger, stackTrigger } from "../../cli/provision/trigger.ts";
import { ACCOUNT, awsError, fakeContext, inputOf } from "./fake-context.ts";

const RULE = "s3size-size-tracking-rule";
const RULE_ARN = `arn:aws:events:eu-west-1:${ACCOUNT}:rule/${RULE}`;
const TRACKER = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:s3size-size-tracking`;
const OURS_TAGS = { Tags: [{ Key: "s3size:stack", Value: "s3size" }] };
const QUEUE_ENTRY = {
  QueueConfigurations: [{ QueueArn: "arn:aws:sqs:eu-west-1:1:q", Events: ["s3:ObjectRemoved:*" as const] }],
};
const OUR_ENTRY = {
  Id: "s3size-s3size-size-tracking",
  LambdaFunctionArn: TRACKER,
  Events: ["s3:ObjectCreated:*" as const, "s3:ObjectRemoved:*" as const],
};

/** A tracker function whose policy holds these statements (by Sid, principal and source ARN). */
function policyOf(...statements: Array<[string, string, string]>) {
  return {
    Policy: JSON.stringify({
      Statement: statements.map(([Sid, Service, SourceArn]) => ({
        Sid,
        Principal: { Service },
        Condition: {
          ArnLike: { "AWS:SourceArn": SourceArn },
          // S3's statements are scoped to the account as well (setup's notifications.ts).
          ...(Service === "s3.amazonaws.com" ? { StringEquals: { "AWS:SourceAccount": ACCOUNT } } : {}),
        },
      })),
    }),
  };
}

const EVENTS_STATEMENT: [string, string, string] = ["s3size-events-invoke", "events.amazonaws.com", RULE_ARN];

describe("provision: EventBridge rule", () => {
  it("builds the pattern of the tracked buckets, sorted and once each", () => {
    expect(trackingEventPattern(["b-two", "a-one", "b-two"])).to.deep.equal({
      source: ["aws.s3"],
      "detail-type": ["Object Created", "Object Deleted"],
      detail: { bucket: { name: ["a-one", "b-two"] } },
    });
    expect(eventRuleArn(fakeContext({ region: "cn-north-1" }).ctx)).to.equal(
      `arn:aws-cn:events:cn-north-1:${ACCOUNT}:rule/${RULE}`,
    );
  });

  it("creates the permission scoped to the rule's ARN, then the tagged rule, then the tracker as its target", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.lambda.on(GetPolicyCommand).rejects(awsError("ResourceNotFoundException", 404));
    mocks.events.on(DescribeRuleCommand).rejects(awsError("ResourceNotFoundException", 400));
    mocks.events.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });
    await ensureEventRule(ctx, ["data-bucket", "other-bucket"]);
    expect(mutations()).to.deep.equal(["AddPermission", "PutRule", "PutTargets"]);
    const permission = inputOf(mocks.lambda, AddPermissionCommand)[0]!;
    expect(permission).to.deep.equal({
      FunctionName: "s3size-size-tracking",
      StatementId: "s3size-events-invoke",
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      SourceArn: RULE_ARN,
    });
    const put = inputOf(mocks.events, PutRuleCommand)[0]!;
    expect(put).to.deep.include({ Name: RULE, State: "ENABLED", ...OURS_TAGS });
    expect(JSON.parse(put.EventPattern!)).to.deep.equal(
      trackingEventPattern(["data-bucket", "other-bucket"]),
    );
    expect(inputOf(mocks.events, PutTargetsCommand)[0]).to.deep.equal({
      Rule: RULE,
      Targets: [{ Id: "size-tracking", Arn: TRACKER }],
    });
  });

  it("adds only the missing target when the rule exists as wanted (its pattern reformatted by EventBridge)", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.lambda.on(GetPolicyCommand).resolves(policyOf(EVENTS_STATEMENT));
    const { detail, ...rest } = trackingEventPattern(["data-bucket"]);
    mocks.events.on(DescribeRuleCommand).resolves({
      Name: RULE,
      Arn: RULE_ARN,
      State: "ENABLED",
      Description: `s3size: S3 object events of the tracked buckets → s3size-size-tracking (stack s3size)`,
      EventPattern: JSON.stringify({ detail, ...rest }, null, 2),
    });
    mocks.events.on(ListTagsForResourceCommand).resolves(OURS_TAGS);
    mocks.events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: "watch", Arn: "arn:aws:sqs:x" }] });
    mocks.events.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });
    await ensureEventRule(ctx, ["data-bucket"]);
    expect(mutations()).to.deep.equal(["PutTargets"]);
  });

  it("updates a rule whose buckets or state differ, and changes nothing when all is as wanted", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.lambda.on(GetPolicyCommand).resolves(policyOf(EVENTS_STATEMENT));
    const rule = {
      Name: RULE,
      Arn: RULE_ARN,
      State: "DISABLED" as const,
      Description: `s3size: S3 object events of the tracked buckets → s3size-size-tracking (stack s3size)`,
      EventPattern: JSON.stringify(trackingEventPattern(["data-bucket"])),
    };
    mocks.events.on(DescribeRuleCommand).resolves(rule);
    mocks.events.on(ListTagsForResourceCommand).resolves(OURS_TAGS);
    mocks.events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: "size-tracking", Arn: TRACKER }] });
    await ensureEventRule(ctx, ["data-bucket"]);
    expect(mutations()).to.deep.equal(["PutRule"]);
    mocks.events.on(DescribeRuleCommand).resolves({ ...rule, State: "ENABLED" });
    await ensureEventRule(ctx, ["data-bucket"]);
    expect(mutations()).to.deep.equal(["PutRule"]);
    await ensureEventRule(ctx, ["data-bucket", "another"]);
    expect(mutations()).to.deep.equal(["PutRule", "PutRule"]);
  });

  it("refuses a rule of that name that is not the stack's, and reports a target EventBridge refused", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.lambda.on(GetPolicyCommand).resolves(policyOf(EVENTS_STATEMENT));
    mocks.events.on(DescribeRuleCommand).resolves({ Name: RULE, Arn: RULE_ARN });
    mocks.events.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    mocks.lambda.on(GetPolicyCommand).rejects(awsError("ResourceNotFoundException", 404));
    const refused = await ensureEventRule(ctx, ["data-bucket"]).catch((error) => error);
    expect(refused).to.be.instanceOf(UserError);
    expect(
      mocks.lambda.commandCalls(AddPermissionCommand),
      "no permission for someone else's rule",
    ).to.have.length(0);
    expect(refused.message).to.match(/rule s3size-size-tracking-rule exists but is not part of stack s3size/);
    mocks.events.on(DescribeRuleCommand).rejects(awsError("ResourceNotFoundException", 400));
    mocks.events.on(PutTargetsCommand).resolves({
      FailedEntryCount: 1,
      FailedEntries: [
        { TargetId: "size-tracking", ErrorCode: "ConcurrentModificationException", ErrorMessage: "busy" },
      ],
    });
    const failed = await ensureEventRule(ctx, ["data-bucket"]).catch((error) => error);
    expect(failed).to.be.instanceOf(UserError);
    expect(failed.message).to.include("ConcurrentModificationException busy");
  });

  it("removes every target, then the rule, then the permission; leaves a rule that is not ours", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.events.on(DescribeRuleCommand).resolves({ Name: RULE, Arn: RULE_ARN });
    mocks.events.on(ListTagsForResourceCommand).resolves(OURS_TAGS);
    mocks.events.on(ListTargetsByRuleCommand).resolves({
      Targets: [
        { Id: "size-tracking", Arn: TRACKER },
        { Id: "watch", Arn: "arn:aws:sqs:x" },
      ],
    });
    mocks.events.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
    mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: {} });
    mocks.lambda.on(GetPolicyCommand).resolves(policyOf(EVENTS_STATEMENT));
    await destroyEventRule(ctx);
    expect(ctx.changes).to.deep.equal([
      `remove the targets of EventBridge rule ${RULE}`,
      `delete EventBridge rule ${RULE}`,
      "remove permission s3size-events-invoke of s3size-size-tracking",
    ]);
    expect(inputOf(mocks.events, RemoveTargetsCommand)[0]!.Ids).to.deep.equal(["size-tracking", "watch"]);

    const other = fakeContext();
    other.mocks.events.on(DescribeRuleCommand).resolves({ Name: RULE, Arn: RULE_ARN });
    other.mocks.events.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    other.mocks.lambda.on(GetFunctionCommand).rejects(awsError("ResourceNotFoundException", 404));
    await destroyEventRule(other.ctx);
    expect(other.mutations()).to.deep.equal([]);
    expect(other.ctx.notes[0]).to.match(/left EventBridge rule s3size-size-tracking-rule/);
  });

  it("has no rule when no bucket is tracked (an empty list is not a valid pattern)", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.events.on(DescribeRuleCommand).rejects(awsError("ResourceNotFoundException", 400));
    mocks.lambda.on(GetFunctionCommand).rejects(awsError("ResourceNotFoundException", 404));
    await ensureEventRule(ctx, []);
    expect(mutations()).to.deep.equal([]);
    expect(mocks.events.commandCalls(DeleteRuleCommand)).to.have.length(0);
  });
});

describe("provision: switching the trigger", () => {
  /** A tracker with the given statements, a rule that is ours (or none), and the bucket's configuration. */
  function stack(options: {
    trigger?: "notification" | "eventbridge";
    state?: { trigger?: "notification" | "eventbridge"; eventBridgeEnabled?: string[]; tracked?: string[] };
    bucket: object;
    statements: Array<[string, string, string]>;
    rule?: boolean;
  }) {
    const fake = fakeContext({
      settings: options.trigger ? { trigger: options.trigger } : {},
      state: options.state ?? {},
    });
    const { mocks, ctx } = fake;
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves(options.bucket);
    mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: {} });
    mocks.lambda.on(GetPolicyCommand).resolves(policyOf(...options.statements));
    if (options.rule) {
      mocks.events.on(DescribeRuleCommand).resolves({
        Name: RULE,
        Arn: RULE_ARN,
        State: "ENABLED",
        Description: `s3size: S3 object events of the tracked buckets → s3size-size-tracking (stack s3size)`,
        EventPattern: JSON.stringify(trackingEventPattern([ctx.names.dataBucket])),
      });
      mocks.events.on(ListTagsForResourceCommand).resolves(OURS_TAGS);
      mocks.events
        .on(ListTargetsByRuleCommand)
        .resolves({ Targets: [{ Id: "size-tracking", Arn: TRACKER }] });
    } else {
      mocks.events.on(DescribeRuleCommand).rejects(awsError("ResourceNotFoundException", 400));
    }
    mocks.events.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });
    mocks.events.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
    return fake;
  }
  const S3_STATEMENT = (bucket: string): [string, string, string] => [
    "s3size-s3-invoke",
    "s3.amazonaws.com",
    `arn:aws:s3:::${bucket}`,
  ];

  it("to eventbridge: the rule first, then one bucket update keeping the rest, then the S3 permission goes", async () => {
    const { ctx, mocks } = stack({
      trigger: "eventbridge",
      bucket: { LambdaFunctionConfigurations: [OUR_ENTRY], ...QUEUE_ENTRY },
      statements: [["s3size-s3-invoke", "s3.amazonaws.com", "arn:aws:s3:::x"]],
    });
    await ensureTrigger(ctx);
    expect(ctx.changes).to.deep.equal([
      "let events.amazonaws.com invoke s3size-size-tracking",
      `create EventBridge rule ${RULE}`,
      `make s3size-size-tracking the target of ${RULE}`,
      "send the events of testbucket-123456789012-eu-west-1 to EventBridge",
      "remove permission s3size-s3-invoke of s3size-size-tracking",
    ]);
    expect(
      inputOf(mocks.s3, PutBucketNotificationConfigurationCommand)[0]!.NotificationConfiguration,
    ).to.deep.equal({
      ...QUEUE_ENTRY,
      EventBridgeConfiguration: {},
    });
    expect(ctx.state).to.deep.include({ trigger: "eventbridge", eventBridgeEnabled: [ctx.names.dataBucket] });
  });

  it("to eventbridge on a bucket whose owner already sends to EventBridge: not recorded as ours", async () => {
    const { ctx, mutations } = stack({
      trigger: "eventbridge",
      bucket: { EventBridgeConfiguration: {}, LambdaFunctionConfigurations: [OUR_ENTRY] },
      statements: [EVENTS_STATEMENT],
      rule: true,
    });
    await ensureTrigger(ctx);
    expect(mutations()).to.deep.equal(["PutBucketNotificationConfiguration"]);
    expect(ctx.state.eventBridgeEnabled ?? []).to.deep.equal([]);
  });

  it("back to notification: turns EventBridge off only where s3size turned it on, then removes the rule", async () => {
    const bucket = { EventBridgeConfiguration: {}, ...QUEUE_ENTRY };
    const ours = stack({
      trigger: "notification",
      state: { trigger: "eventbridge", eventBridgeEnabled: ["testbucket-123456789012-eu-west-1"] },
      bucket,
      statements: [EVENTS_STATEMENT],
      rule: true,
    });
    // S3 answers the second read with the entry the first update added.
    ours.mocks.s3
      .on(GetBucketNotificationConfigurationCommand)
      .resolvesOnce(bucket)
      .resolves({ ...bucket, LambdaFunctionConfigurations: [OUR_ENTRY] });
    await ensureTrigger(ours.ctx);
    expect(ours.ctx.changes).to.deep.equal([
      "let s3.amazonaws.com invoke s3size-size-tracking",
      "notify s3size-size-tracking of changes in testbucket-123456789012-eu-west-1",
      "stop sending the events of testbucket-123456789012-eu-west-1 to EventBridge",
      `remove the targets of EventBridge rule ${RULE}`,
      `delete EventBridge rule ${RULE}`,
      "remove permission s3size-events-invoke of s3size-size-tracking",
    ]);
    const puts = inputOf(ours.mocks.s3, PutBucketNotificationConfigurationCommand).map(
      (input) => input.NotificationConfiguration,
    );
    expect(puts[0]).to.deep.equal({ ...bucket, LambdaFunctionConfigurations: [OUR_ENTRY] });
    expect(puts[1]).to.deep.equal({ ...QUEUE_ENTRY, LambdaFunctionConfigurations: [OUR_ENTRY] });
    expect(ours.ctx.state).to.deep.include({ trigger: "notification", eventBridgeEnabled: [] });

    const owners = stack({
      state: { trigger: "eventbridge" },
      trigger: "notification",
      bucket,
      statements: [],
    });
    await ensureTrigger(owners.ctx);
    expect(owners.ctx.changes).to.deep.equal([
      "let s3.amazonaws.com invoke s3size-size-tracking",
      "notify s3size-size-tracking of changes in testbucket-123456789012-eu-west-1",
    ]);
  });

  it("switches the tracked buckets still on the old path with the data bucket; leaves steady ones to their step", async () => {
    const data = "testbucket-123456789012-eu-west-1";
    const toEvents = stack({
      trigger: "eventbridge",
      state: { tracked: ["user-bucket"] },
      bucket: { LambdaFunctionConfigurations: [OUR_ENTRY] },
      statements: [
        S3_STATEMENT(data),
        ["s3size-s3-invoke-user-bucket", "s3.amazonaws.com", "arn:aws:s3:::user-bucket"],
      ],
    });
    await ensureTrigger(toEvents.ctx);
    expect(toEvents.ctx.changes).to.deep.equal([
      "let events.amazonaws.com invoke s3size-size-tracking",
      `create EventBridge rule ${RULE}`,
      `make s3size-size-tracking the target of ${RULE}`,
      `send the events of ${data} to EventBridge`,
      "send the events of user-bucket to EventBridge",
      "remove permission s3size-s3-invoke of s3size-size-tracking",
      "remove permission s3size-s3-invoke-user-bucket of s3size-size-tracking",
    ]);
    expect(
      JSON.parse(inputOf(toEvents.mocks.events, PutRuleCommand)[0]!.EventPattern!).detail.bucket.name,
    ).to.deep.equal([data, "user-bucket"].sort());

    // Steady on notifications: a tracked bucket that lost its entry is the tracked-buckets step's to repair.
    const steady = stack({
      state: { trigger: "notification", tracked: ["user-bucket"] },
      bucket: { LambdaFunctionConfigurations: [OUR_ENTRY] },
      statements: [S3_STATEMENT(data)],
    });
    steady.mocks.s3.on(GetBucketNotificationConfigurationCommand, { Bucket: "user-bucket" }).resolves({});
    await ensureTrigger(steady.ctx);
    expect(steady.ctx.changes).to.deep.equal([]);
  });

  it("finishes a switch a crash interrupted: the recorded trigger wins when none is given", async () => {
    // Crashed after the rule and the bucket update of a switch to eventbridge, before the S3 permission went.
    const { ctx, mutations } = stack({
      state: { trigger: "eventbridge", eventBridgeEnabled: ["testbucket-123456789012-eu-west-1"] },
      bucket: { EventBridgeConfiguration: {} },
      statements: [EVENTS_STATEMENT, S3_STATEMENT("testbucket-123456789012-eu-west-1")],
      rule: true,
    });
    await ensureTrigger(ctx);
    expect(mutations()).to.deep.equal(["RemovePermission"]);
  });
});

describe("provision: the trigger without EventBridge rights", () => {
  it("sets up and tears down notifications when EventBridge is denied, unless the stack used EventBridge", async () => {
    const denied = (state: { trigger?: "notification" | "eventbridge" }) => {
      const fake = fakeContext({ state });
      fake.mocks.s3.on(HeadBucketCommand).resolves({});
      fake.mocks.s3
        .on(GetBucketNotificationConfigurationCommand)
        .resolves({ LambdaFunctionConfigurations: [OUR_ENTRY] });
      fake.mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: {} });
      fake.mocks.lambda
        .on(GetPolicyCommand)
        .resolves(
          policyOf([
            "s3size-s3-invoke",
            "s3.amazonaws.com",
            "arn:aws:s3:::testbucket-123456789012-eu-west-1",
          ]),
        );
      fake.mocks.events.on(DescribeRuleCommand).rejects(awsError("AccessDeniedException", 400));
      return fake;
    };
    const fresh = denied({});
    await ensureTrigger(fresh.ctx);
    expect(fresh.ctx.changes).to.deep.equal([]);
    await destroyTrigger(denied({ trigger: "notification" }).ctx);
    const switching = denied({ trigger: "eventbridge" });
    switching.ctx.settings.trigger = "notification";
    expect(await ensureTrigger(switching.ctx).catch((error: Error) => error.name)).to.equal(
      "AccessDeniedException",
    );
  });
});

describe("the trigger setting", () => {
  it("adds the rule's EventBridge console link to the stack's links only when it is given", () => {
    const names = stackNames(resolveSettings({ region: "eu-west-1" }, {}, "/tmp"), ACCOUNT);
    const links = stackLinks(names, "eu-west-1", "api123", RULE);
    expect(links.at(-1)).to.deep.equal({
      what: `EventBridge rule ${RULE}`,
      url: `https://eu-west-1.console.aws.amazon.com/events/home?region=eu-west-1#/eventbus/default/rules/${RULE}`,
    });
    expect(
      stackLinks(names, "eu-west-1", "api123").some((link) => link.what.startsWith("EventBridge")),
    ).to.equal(false);
  });

  it("takes --trigger over S3SIZE_TRIGGER, and otherwise keeps the stack's, else notification", () => {
    expect(
      resolveSettings({ trigger: "eventbridge" }, { S3SIZE_TRIGGER: "notification" }, "/tmp").trigger,
    ).to.equal("eventbridge");
    const fromEnv = resolveSettings({}, { S3SIZE_TRIGGER: "eventbridge" }, "/tmp");
    expect(stackTrigger(fromEnv, { trigger: "notification" })).to.equal("eventbridge");
    const unset = resolveSettings({}, { S3SIZE_TRIGGER: "" }, "/tmp");
    expect(stackTrigger(unset, { trigger: "eventbridge" })).to.equal("eventbridge");
    expect(stackTrigger(unset, {})).to.equal("notification");
  });

  it("refuses an unknown trigger before any AWS call, with the choices as the hint", () => {
    const error = (() => {
      try {
        resolveSettings({ trigger: "sqs" }, {}, "/tmp");
      } catch (caught) {
        return caught as UserError;
      }
    })();
    expect(error).to.be.instanceOf(UserError);
    expect(error!.message).to.equal('unknown trigger "sqs"');
    expect(error!.hint).to.equal("--trigger (S3SIZE_TRIGGER) is notification or eventbridge");
  });
});
