// The AWS-only paths of tracking, with faked clients: attaching and detaching the tracker on any bucket
// (merged configurations, one scoped permission per bucket), the reconciliation schedule and its
// permission, the index table's TTL, versioning, and the settings that choose them.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTagsOfResourceCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  AddPermissionCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  RemovePermissionCommand,
} from "@aws-sdk/client-lambda";
import {
  GetBucketEncryptionCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { resolveSettings } from "../../cli/config.ts";
import { UserError } from "../../cli/errors.ts";
import { ensureBuckets } from "../../cli/provision/buckets.ts";
import { ensureIndexTable } from "../../cli/provision/index-table.ts";
import { attachTracker, detachTracker } from "../../cli/provision/notifications.ts";
import { destroyReconcileSchedule, ensureReconcileSchedule } from "../../cli/provision/reconcile-schedule.ts";
import { ACCOUNT, awsError, fakeContext, inputOf } from "./fake-context.ts";

const BUCKET = "photos.example";
const TRACKER = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:s3size-size-tracking`;
const STACK_TAGS = [{ Key: "s3size:stack", Value: "s3size" }];
const QUEUE = { QueueArn: "arn:aws:sqs:eu-west-1:1:q", Events: ["s3:ObjectRemoved:*" as const] };
const OTHER = {
  Id: "theirs",
  LambdaFunctionArn: "arn:aws:lambda:eu-west-1:1:function:x",
  Events: ["s3:ObjectCreated:Put" as const],
};

describe("provision: attaching the tracker to any bucket", () => {
  it("adds a permission for that bucket alone and our entry beside the bucket's other configurations", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.lambda.on(GetPolicyCommand).rejects(awsError("ResourceNotFoundException", 404));
    mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves({
      LambdaFunctionConfigurations: [OTHER],
      QueueConfigurations: [QUEUE],
      EventBridgeConfiguration: {},
    });
    await attachTracker(ctx, BUCKET);
    expect(inputOf(mocks.lambda, AddPermissionCommand)).to.deep.equal([
      {
        FunctionName: "s3size-size-tracking",
        StatementId: `s3size-s3-invoke-${BUCKET}`,
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
        SourceArn: `arn:aws:s3:::${BUCKET}`,
        SourceAccount: ACCOUNT,
      },
    ]);
    const [put] = inputOf(mocks.s3, PutBucketNotificationConfigurationCommand);
    expect(put!.Bucket).to.equal(BUCKET);
    expect(put!.NotificationConfiguration).to.deep.equal({
      LambdaFunctionConfigurations: [
        OTHER,
        {
          Id: "s3size-s3size-size-tracking",
          LambdaFunctionArn: TRACKER,
          Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        },
      ],
      QueueConfigurations: [QUEUE],
      EventBridgeConfiguration: {},
    });
  });

  it("explains S3's refusal of overlapping configurations, naming the bucket's own that takes the same events", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.lambda.on(GetPolicyCommand).rejects(awsError("ResourceNotFoundException", 404));
    mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves({
      LambdaFunctionConfigurations: [OTHER],
      QueueConfigurations: [{ ...QUEUE, Id: "audit" }],
      TopicConfigurations: [
        { TopicArn: "arn:aws:sns:eu-west-1:1:t", Events: ["s3:ReducedRedundancyLostObject"] },
      ],
    });
    mocks.s3
      .on(PutBucketNotificationConfigurationCommand)
      .rejects(
        awsError(
          "InvalidArgument",
          400,
          "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
        ),
      );
    const error = (await attachTracker(ctx, BUCKET).catch((e: Error) => e)) as Error;
    expect(error).to.be.instanceOf(UserError);
    expect(error.message).to.equal(
      `${BUCKET} already sends object creations or removals to ${OTHER.LambdaFunctionArn} (configuration theirs), ${QUEUE.QueueArn} (configuration audit): S3 refuses a second configuration for the same events`,
    );
  });

  it("changes nothing when the bucket already notifies the tracker under its permission", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.lambda.on(GetPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [
          {
            Sid: `s3size-s3-invoke-${BUCKET}`,
            Principal: { Service: "s3.amazonaws.com" },
            Condition: {
              ArnLike: { "AWS:SourceArn": `arn:aws:s3:::${BUCKET}` },
              StringEquals: { "AWS:SourceAccount": ACCOUNT },
            },
          },
        ],
      }),
    });
    mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves({
      LambdaFunctionConfigurations: [
        {
          Id: "s3size-s3size-size-tracking",
          LambdaFunctionArn: TRACKER,
          Events: ["s3:ObjectRemoved:*", "s3:ObjectCreated:*"],
        },
      ],
    });
    await attachTracker(ctx, BUCKET);
    expect(mutations()).to.deep.equal([]);
  });

  it("detaches exactly our entry (found by id or by our function) and that bucket's permission", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves({
      LambdaFunctionConfigurations: [
        OTHER,
        { Id: "copied-by-a-tool", LambdaFunctionArn: TRACKER, Events: ["s3:ObjectCreated:*"] },
      ],
      QueueConfigurations: [QUEUE],
    });
    mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: "s3size-size-tracking" } });
    mocks.lambda.on(GetPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [{ Sid: "s3size-s3-invoke" }, { Sid: `s3size-s3-invoke-${BUCKET}` }],
      }),
    });
    await detachTracker(ctx, BUCKET);
    expect(
      inputOf(mocks.s3, PutBucketNotificationConfigurationCommand)[0]!.NotificationConfiguration,
    ).to.deep.equal({
      LambdaFunctionConfigurations: [OTHER],
      QueueConfigurations: [QUEUE],
    });
    expect(inputOf(mocks.lambda, RemovePermissionCommand)).to.deep.equal([
      { FunctionName: "s3size-size-tracking", StatementId: `s3size-s3-invoke-${BUCKET}` },
    ]);
  });

  it("detaching from a bucket that is gone only removes the permission", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.s3.on(HeadBucketCommand).rejects(awsError("NotFound", 404));
    mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: {} });
    mocks.lambda.on(GetPolicyCommand).resolves({
      Policy: JSON.stringify({ Statement: [{ Sid: `s3size-s3-invoke-${BUCKET}` }] }),
    });
    await detachTracker(ctx, BUCKET);
    expect(inputOf(mocks.s3, PutBucketNotificationConfigurationCommand)).to.deep.equal([]);
    expect(inputOf(mocks.lambda, RemovePermissionCommand)).to.have.length(1);
  });
});

describe("provision: the reconciliation schedule", () => {
  const incremental = () =>
    fakeContext({ settings: { tracking: "incremental", reconcileSchedule: "rate(6 hours)" } });
  const RULE_ARN = `arn:aws:events:eu-west-1:${ACCOUNT}:rule/s3size-reconcile`;

  it("creates the tagged rule, lets EventBridge invoke the tracker from that rule only, and targets it", async () => {
    const { ctx, mocks } = incremental();
    mocks.events.on(DescribeRuleCommand).rejects(awsError("ResourceNotFoundException", 400));
    mocks.lambda.on(GetPolicyCommand).rejects(awsError("ResourceNotFoundException", 404));
    await ensureReconcileSchedule(ctx);
    expect(inputOf(mocks.events, PutRuleCommand)[0]).to.deep.include({
      Name: "s3size-reconcile",
      ScheduleExpression: "rate(6 hours)",
      State: "ENABLED",
      Tags: STACK_TAGS,
    });
    expect(inputOf(mocks.lambda, AddPermissionCommand)[0]).to.deep.equal({
      FunctionName: "s3size-size-tracking",
      StatementId: "s3size-reconcile-schedule",
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      SourceArn: RULE_ARN,
    });
    expect(inputOf(mocks.events, PutTargetsCommand)[0]).to.deep.equal({
      Rule: "s3size-reconcile",
      Targets: [{ Id: "s3size-size-tracking", Arn: TRACKER }],
    });
  });

  it("refuses a rule of the same name that is not the stack's", async () => {
    const { ctx, mocks } = incremental();
    mocks.events.on(DescribeRuleCommand).resolves({ Name: "s3size-reconcile", Arn: RULE_ARN });
    mocks.events.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    const error = await ensureReconcileSchedule(ctx).catch((e: Error) => e);
    expect(error).to.be.instanceOf(UserError);
    expect(String(error)).to.include("is not part of stack s3size");
  });

  it("removes its targets before the rule (EventBridge refuses otherwise), then the permission; listing mode does the same", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.events.on(DescribeRuleCommand).resolves({ Name: "s3size-reconcile", Arn: RULE_ARN });
    mocks.events.on(ListTagsForResourceCommand).resolves({ Tags: STACK_TAGS });
    mocks.events
      .on(ListTargetsByRuleCommand)
      .resolves({ Targets: [{ Id: "s3size-size-tracking", Arn: TRACKER }] });
    mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: {} });
    mocks.lambda
      .on(GetPolicyCommand)
      .resolves({ Policy: JSON.stringify({ Statement: [{ Sid: "s3size-reconcile-schedule" }] }) });
    await ensureReconcileSchedule(ctx);
    const order = mocks.events.calls().map((call) => (call.args[0] as object).constructor.name);
    expect(order.indexOf("RemoveTargetsCommand")).to.be.lessThan(order.indexOf("DeleteRuleCommand"));
    expect(inputOf(mocks.events, RemoveTargetsCommand)[0]).to.deep.equal({
      Rule: "s3size-reconcile",
      Ids: ["s3size-size-tracking"],
    });
    expect(inputOf(mocks.events, DeleteRuleCommand)).to.have.length(1);
    expect(inputOf(mocks.lambda, RemovePermissionCommand)).to.have.length(1);
    const { ctx: gone, mocks: none } = fakeContext();
    none.events.on(DescribeRuleCommand).rejects(awsError("ResourceNotFoundException", 400));
    none.lambda.on(GetFunctionCommand).rejects(awsError("ResourceNotFoundException", 404));
    await destroyReconcileSchedule(gone);
    expect(gone.changes).to.deep.equal([]);
  });
});

describe("provision: the reconciliation schedule in listing mode", () => {
  it("needs no EventBridge permission: a denied DescribeRule leaves setup and status alone", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.events.on(DescribeRuleCommand).rejects(awsError("AccessDeniedException", 400));
    await ensureReconcileSchedule(ctx);
    expect(ctx.changes).to.deep.equal([]);
    const { ctx: incremental, mocks: denied } = fakeContext({ settings: { tracking: "incremental" } });
    denied.events.on(DescribeRuleCommand).rejects(awsError("AccessDeniedException", 400));
    expect(await ensureReconcileSchedule(incremental).catch((e: Error) => e.name)).to.equal(
      "AccessDeniedException",
    );
  });
});

describe("provision: the object index table", () => {
  it("is not created in listing mode", async () => {
    const { ctx, sent } = fakeContext();
    await ensureIndexTable(ctx);
    expect(sent()).to.deep.equal([]);
  });

  it("asks before enabling TTL (UpdateTimeToLive refuses a request that changes nothing)", async () => {
    const { ctx, mocks } = fakeContext({
      settings: { tracking: "incremental" },
      state: { created: ["S3-object-size-index"] },
    });
    mocks.dynamodb.on(DescribeTableCommand).resolves({
      Table: {
        TableName: "S3-object-size-index",
        TableArn: "arn:t",
        TableStatus: "ACTIVE",
        KeySchema: [
          { AttributeName: "bucket_name", KeyType: "HASH" },
          { AttributeName: "item_key", KeyType: "RANGE" },
        ],
      },
    });
    mocks.dynamodb
      .on(DescribeTimeToLiveCommand)
      .resolvesOnce({ TimeToLiveDescription: { TimeToLiveStatus: "DISABLED" } })
      .resolves({ TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "expires_at" } });
    await ensureIndexTable(ctx);
    await ensureIndexTable(ctx);
    expect(inputOf(mocks.dynamodb, UpdateTimeToLiveCommand)).to.deep.equal([
      {
        TableName: "S3-object-size-index",
        TimeToLiveSpecification: { Enabled: true, AttributeName: "expires_at" },
      },
    ]);
    expect(inputOf(mocks.dynamodb, CreateTableCommand)).to.deep.equal([]);
  });

  it("refuses a table of that name with other keys, or one that is not the stack's", async () => {
    const { ctx, mocks } = fakeContext({ settings: { tracking: "incremental" } });
    mocks.dynamodb.on(DescribeTableCommand).resolves({
      Table: {
        TableName: "S3-object-size-index",
        TableArn: "arn:t",
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      },
    });
    expect(String(await ensureIndexTable(ctx).catch((e) => e))).to.include("cannot hold the object index");
    mocks.dynamodb.on(DescribeTableCommand).resolves({
      Table: {
        TableName: "S3-object-size-index",
        TableArn: "arn:t",
        KeySchema: [
          { AttributeName: "bucket_name", KeyType: "HASH" },
          { AttributeName: "item_key", KeyType: "RANGE" },
        ],
      },
    });
    mocks.dynamodb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    expect(String(await ensureIndexTable(ctx).catch((e) => e))).to.include("is not part of stack s3size");
  });
});

describe("provision: --versioning", () => {
  function bucketsOk(versioning: string | undefined) {
    const { ctx, mocks } = fakeContext({ settings: { versioning: true } });
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).resolves({ TagSet: STACK_TAGS });
    mocks.s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    mocks.s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
    });
    mocks.s3.on(GetBucketVersioningCommand).resolves(versioning ? { Status: versioning as "Enabled" } : {});
    return { ctx, mocks };
  }

  it("turns versioning on for the data bucket only, also when it was suspended", async () => {
    for (const status of [undefined, "Suspended"]) {
      const { ctx, mocks } = bucketsOk(status);
      await ensureBuckets(ctx);
      expect(inputOf(mocks.s3, PutBucketVersioningCommand)).to.deep.equal([
        { Bucket: ctx.names.dataBucket, VersioningConfiguration: { Status: "Enabled" } },
      ]);
    }
    const { ctx, mocks } = bucketsOk("Enabled");
    await ensureBuckets(ctx);
    expect(inputOf(mocks.s3, PutBucketVersioningCommand)).to.deep.equal([]);
  });
});

describe("config: tracking settings", () => {
  it("takes --tracking over S3SIZE_TRACKING over the default, and checks it and the schedule before any call", () => {
    expect(resolveSettings({}, {}, "/tmp").tracking).to.equal("listing");
    expect(resolveSettings({}, { S3SIZE_TRACKING: "incremental" }, "/tmp").tracking).to.equal("incremental");
    expect(
      resolveSettings({ tracking: "listing" }, { S3SIZE_TRACKING: "incremental" }, "/tmp").tracking,
    ).to.equal("listing");
    expect(() => resolveSettings({ tracking: "sometimes" }, {}, "/tmp")).to.throw(
      UserError,
      /unknown tracking mode/,
    );
    expect(resolveSettings({}, {}, "/tmp").reconcileSchedule).to.equal("rate(1 day)");
    expect(() => resolveSettings({ reconcileSchedule: "rate(1 days)" }, {}, "/tmp")).to.throw(
      UserError,
      /not a schedule EventBridge accepts/,
    );
    expect(() => resolveSettings({ indexTable: "x" }, {}, "/tmp")).to.throw(UserError, /index table name/);
  });

  it("reads --versioning as a switch and S3SIZE_VERSIONING as on/off", () => {
    expect(resolveSettings({}, {}, "/tmp").versioning).to.equal(false);
    expect(resolveSettings({ versioning: true }, {}, "/tmp").versioning).to.equal(true);
    expect(resolveSettings({}, { S3SIZE_VERSIONING: "on" }, "/tmp").versioning).to.equal(true);
    expect(resolveSettings({}, { S3SIZE_VERSIONING: "off" }, "/tmp").versioning).to.equal(false);
    expect(() => resolveSettings({}, { S3SIZE_VERSIONING: "maybe" }, "/tmp")).to.throw(
      UserError,
      /on or off/,
    );
  });
});
