import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListTagsOfResourceCommand,
  TagResourceCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { expect } from "chai";
import { FUNCTION_KEYS } from "../../cli/config.ts";
import { UserError } from "../../cli/errors.ts";
import { destroyLogGroups, ensureLogGroups } from "../../cli/provision/log-groups.ts";
import { ASSUME_ROLE_POLICY, ensureRoles, rolePolicies } from "../../cli/provision/roles.ts";
import { destroyTable, ensureTable } from "../../cli/provision/table.ts";
import { historyTableDefinition } from "../../handlers/common/history.ts";
import { ACCOUNT, awsError, fakeContext, inputOf } from "./fake-context.ts";

const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/S3-object-size-history`;
const STACK_TAGS = [{ Key: "s3size:stack", Value: "s3size" }];

function activeTable(definition = historyTableDefinition("S3-object-size-history")) {
  return {
    Table: {
      ...definition,
      TableArn: TABLE_ARN,
      TableStatus: "ACTIVE" as const,
      GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes.map((index) => ({
        ...index,
        IndexStatus: "ACTIVE" as const,
      })),
    },
  };
}

describe("provision: table", () => {
  it("creates the table from the shared definition, waits for ACTIVE, and tags it", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.dynamodb
      .on(DescribeTableCommand)
      .rejectsOnce(awsError("ResourceNotFoundException", 400))
      .resolves(activeTable());
    await ensureTable(ctx);
    expect(inputOf(mocks.dynamodb, CreateTableCommand)[0]).to.deep.equal(
      historyTableDefinition("S3-object-size-history"),
    );
    expect(inputOf(mocks.dynamodb, TagResourceCommand)[0]).to.deep.equal({
      ResourceArn: TABLE_ARN,
      Tags: STACK_TAGS,
    });
    expect(ctx.state.created).to.include("S3-object-size-history");
  });

  it("makes no call that changes anything when the table is as wanted", async () => {
    const { ctx, mocks, mutations } = fakeContext({ state: { created: ["S3-object-size-history"] } });
    mocks.dynamodb.on(DescribeTableCommand).resolves(activeTable());
    mocks.dynamodb.on(ListTagsOfResourceCommand).resolves({ Tags: STACK_TAGS });
    await ensureTable(ctx);
    expect(mutations()).to.deep.equal([]);
  });

  it("refuses an existing table with another key schema and changes nothing", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    const other = historyTableDefinition("S3-object-size-history");
    other.KeySchema = [{ AttributeName: "id", KeyType: "HASH" as const }] as never;
    mocks.dynamodb.on(DescribeTableCommand).resolves(activeTable(other));
    const error = await ensureTable(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(UserError);
    expect((error as UserError).message).to.match(
      /another|cannot hold the history: its key schema is \(id HASH\)/,
    );
    expect((error as UserError).hint).to.match(/S3SIZE_TABLE/);
    expect(mutations()).to.deep.equal([]);
  });

  it("never deletes a table without the stack's tag", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.dynamodb.on(DescribeTableCommand).resolves(activeTable());
    mocks.dynamodb.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    await destroyTable(ctx);
    expect(mutations()).to.deep.equal([]);
    expect(ctx.notes[0]).to.match(/left table S3-object-size-history/);
  });

  it("deletes the stack's table, and a missing table is no error", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.dynamodb
      .on(DescribeTableCommand)
      .resolvesOnce(activeTable())
      .rejects(awsError("ResourceNotFoundException", 400));
    mocks.dynamodb.on(ListTagsOfResourceCommand).resolves({ Tags: STACK_TAGS });
    await destroyTable(ctx);
    await destroyTable(ctx);
    expect(mocks.dynamodb.commandCalls(DeleteTableCommand)).to.have.length(1);
  });
});

describe("provision: roles", () => {
  it("grants exactly SPEC §5: no '*' action, no Scan, every resource an ARN of the stack", () => {
    const { ctx } = fakeContext();
    const policies = rolePolicies(ctx);
    const actions = (key: keyof typeof policies) => policies[key].Statement.flatMap((s) => s.Action).sort();
    expect(actions("size-tracking")).to.deep.equal([
      "dynamodb:PutItem",
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:GetBucketVersioning",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "sns:Publish",
      "sqs:SendMessage",
    ]);
    expect(actions("plotting")).to.deep.equal([
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:GetObject",
      "s3:PutObject",
    ]);
    expect(actions("driver")).to.deep.equal([
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:DeleteObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
    expect(actions("web")).to.deep.equal([
      "cloudwatch:DescribeAlarms",
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:DeleteObject",
      "s3:ListBucket",
      "s3:PutObject",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]);
    const all = Object.values(policies).flatMap((p) => p.Statement);
    expect(all.flatMap((s) => s.Action).filter((a) => a.includes("*") || /scan/i.test(a))).to.deep.equal([]);
    for (const resource of all.flatMap((s) => s.Resource))
      expect(resource).to.match(/^arn:aws:(s3|dynamodb|logs|sns|sqs|cloudwatch):/);
    // The dashboard writes and deletes only under the upload prefix, and reads only the global index.
    const web = (sid: string) => policies.web.Statement.find((s) => s.Sid === sid)!.Resource;
    expect(web("UploadAndDelete")).to.deep.equal([`arn:aws:s3:::${ctx.names.dataBucket}/uploads/*`]);
    expect(web("QueryHistory")).to.deep.equal([TABLE_ARN, `${TABLE_ARN}/index/global_size_index`]);
    expect(web("FailureQueueCount")).to.deep.equal([`arn:aws:sqs:eu-west-1:${ACCOUNT}:s3size-failures`]);
    expect(web("ErrorsAlarmState")).to.deep.equal([
      `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:s3size-size-tracking-errors`,
    ]);
    expect(policies.driver.Statement[0]!.Resource).to.deep.equal([
      `arn:aws:s3:::${ctx.names.dataBucket}/assignment1.txt`,
      `arn:aws:s3:::${ctx.names.dataBucket}/assignment2.txt`,
    ]);
    expect(policies.plotting.Statement[1]!.Resource).to.deep.equal([
      `arn:aws:s3:::${ctx.names.plotBucket}/plot`,
    ]);
  });

  it("builds the tracker's grants from its own trackerStatements: every tracked bucket, the index in incremental mode", () => {
    const { ctx } = fakeContext();
    ctx.state.tracked = ["photos.example"];
    const listing = rolePolicies(ctx)["size-tracking"].Statement;
    expect(listing[0]!.Resource).to.deep.equal([
      `arn:aws:s3:::${ctx.names.dataBucket}`,
      "arn:aws:s3:::photos.example",
    ]);
    expect(listing.flatMap((s) => s.Resource).some((r) => r.includes(ctx.names.indexTable))).to.equal(false);
    const incremental = rolePolicies({ ...ctx, settings: { ...ctx.settings, tracking: "incremental" } })[
      "size-tracking"
    ].Statement;
    const index = incremental.find((s) =>
      s.Resource.some((r) => r.endsWith(`table/${ctx.names.indexTable}`)),
    );
    expect(index?.Action).to.include.members(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]);
    expect(incremental.flatMap((s) => s.Action)).not.to.include("dynamodb:Scan");
  });

  it("creates missing roles tagged, trusting only Lambda, each with its inline policy", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.iam.on(GetRoleCommand).rejects(awsError("NoSuchEntity", 404));
    await ensureRoles(ctx);
    const created = inputOf(mocks.iam, CreateRoleCommand);
    expect(created.map((c) => c.RoleName)).to.deep.equal([
      "s3size-size-tracking-role",
      "s3size-plotting-role",
      "s3size-driver-role",
      "s3size-web-role",
    ]);
    expect(JSON.parse(created[0]!.AssumeRolePolicyDocument!)).to.deep.equal(ASSUME_ROLE_POLICY);
    expect(created[0]!.Tags).to.deep.equal(STACK_TAGS);
    expect(inputOf(mocks.iam, PutRolePolicyCommand)).to.have.length(4);
  });

  it("changes nothing when roles and policies are as wanted (IAM's URL-encoded documents included)", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    const policies = rolePolicies(ctx);
    for (const key of FUNCTION_KEYS) {
      mocks.iam.on(GetRoleCommand, { RoleName: ctx.names.roles[key] }).resolves({
        Role: {
          RoleName: ctx.names.roles[key],
          Path: "/",
          RoleId: "x",
          Arn: "arn",
          CreateDate: new Date(),
          Tags: STACK_TAGS,
          AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(ASSUME_ROLE_POLICY)),
        },
      });
      mocks.iam.on(GetRolePolicyCommand, { RoleName: ctx.names.roles[key] }).resolves({
        RoleName: "",
        PolicyName: "",
        PolicyDocument: encodeURIComponent(JSON.stringify(policies[key])),
      });
    }
    await ensureRoles(ctx);
    expect(mutations()).to.deep.equal([]);
  });

  it("refuses a role of the same name that belongs to no stack of ours", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.iam.on(GetRoleCommand).resolves({
      Role: { RoleName: "r", Path: "/", RoleId: "x", Arn: "arn", CreateDate: new Date(), Tags: [] },
    });
    const error = await ensureRoles(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as UserError).message).to.match(/exists but is not part of stack s3size/);
    expect(mutations()).to.deep.equal([]);
  });
});

describe("provision: log groups", () => {
  it("creates missing groups with the stack's tag and the retention, and fixes a drifted retention", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.logs
      .on(DescribeLogGroupsCommand, { logGroupNamePrefix: "/aws/lambda/s3size-size-tracking" })
      .resolves({ logGroups: [] });
    mocks.logs
      .on(DescribeLogGroupsCommand, { logGroupNamePrefix: "/aws/lambda/s3size-plotting" })
      .resolves({ logGroups: [{ logGroupName: "/aws/lambda/s3size-plotting", retentionInDays: 30 }] });
    mocks.logs
      .on(DescribeLogGroupsCommand, { logGroupNamePrefix: "/aws/lambda/s3size-driver" })
      .resolves({ logGroups: [{ logGroupName: "/aws/lambda/s3size-driver", retentionInDays: 7 }] });
    mocks.logs
      .on(DescribeLogGroupsCommand, { logGroupNamePrefix: "/aws/lambda/s3size-web" })
      .resolves({ logGroups: [{ logGroupName: "/aws/lambda/s3size-web", retentionInDays: 7 }] });
    mocks.logs.on(ListTagsForResourceCommand).resolves({ tags: { "s3size:stack": "s3size" } });
    await ensureLogGroups(ctx);
    expect(inputOf(mocks.logs, CreateLogGroupCommand)).to.deep.equal([
      { logGroupName: "/aws/lambda/s3size-size-tracking", tags: { "s3size:stack": "s3size" } },
    ]);
    expect(
      inputOf(mocks.logs, PutRetentionPolicyCommand).map((c) => [c.logGroupName, c.retentionInDays]),
    ).to.deep.equal([
      ["/aws/lambda/s3size-size-tracking", 7],
      ["/aws/lambda/s3size-plotting", 7],
    ]);
  });

  /** A stack whose log groups all exist, the plotting one without the stack's tag. */
  function untaggedPlotting(dryRun = false) {
    const fake = fakeContext({ dryRun });
    for (const fn of FUNCTION_KEYS) {
      const logGroupName = `/aws/lambda/s3size-${fn}`;
      fake.mocks.logs
        .on(DescribeLogGroupsCommand, { logGroupNamePrefix: logGroupName })
        .resolves({ logGroups: [{ logGroupName, retentionInDays: 30 }] });
      fake.mocks.logs
        .on(ListTagsForResourceCommand, {
          resourceArn: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${logGroupName}`,
        })
        .resolves({ tags: fn === "plotting" ? { team: "someone-else" } : { "s3size:stack": "s3size" } });
    }
    return fake;
  }

  it("leaves the retention of a group without the stack's tag as it is, and says so", async () => {
    const { ctx, mocks } = untaggedPlotting();
    await ensureLogGroups(ctx);
    expect(inputOf(mocks.logs, PutRetentionPolicyCommand).map((c) => c.logGroupName)).to.deep.equal([
      "/aws/lambda/s3size-size-tracking",
      "/aws/lambda/s3size-driver",
      "/aws/lambda/s3size-web",
    ]);
    expect(ctx.notes).to.deep.equal([
      "left the retention of log group /aws/lambda/s3size-plotting: it does not carry the tag s3size:stack=s3size",
    ]);
  });

  it("never deletes a group without the stack's tag: teardown leaves it and reports it, in its question too", async () => {
    const dry = untaggedPlotting(true);
    await destroyLogGroups(dry.ctx);
    expect(dry.ctx.changes).to.deep.equal([
      "delete log group /aws/lambda/s3size-web",
      "delete log group /aws/lambda/s3size-driver",
      "delete log group /aws/lambda/s3size-size-tracking",
    ]);
    const { ctx, mocks } = untaggedPlotting();
    await destroyLogGroups(ctx);
    expect(inputOf(mocks.logs, DeleteLogGroupCommand).map((c) => c.logGroupName)).to.deep.equal([
      "/aws/lambda/s3size-web",
      "/aws/lambda/s3size-driver",
      "/aws/lambda/s3size-size-tracking",
    ]);
    expect(ctx.notes).to.deep.equal([
      "left log group /aws/lambda/s3size-plotting: it does not carry the tag s3size:stack=s3size",
    ]);
  });
});
