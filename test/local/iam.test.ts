import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from "@aws-sdk/client-iam";
import { expect } from "chai";
import { createIamService } from "../../local/iam/index.ts";
import { type CloudContext, DEFAULT_REALISM, LOCAL_ACCOUNT_ID } from "../../local/types.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

const trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "dynamodb:Query", Resource: "arn:aws:dynamodb:*:*:table/t" }],
});

describe("local IAM", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  it("creates a role with AWS's id, ARN, date and URL-encoded trust policy, and reads it back", async () => {
    const { iam } = test.clients;
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: "s3size-tracker-role",
        Path: "/service/",
        AssumeRolePolicyDocument: trust,
        Description: "tracker",
        MaxSessionDuration: 7200,
        Tags: [{ Key: "s3size:stack", Value: "s3size" }],
      }),
    );
    expect(created.Role?.RoleId).to.match(/^AROA[A-Z0-9]{17}$/);
    expect(created.Role?.Arn).to.equal("arn:aws:iam::000000000000:role/service/s3size-tracker-role");
    expect(created.Role?.CreateDate).to.be.instanceOf(Date);
    const got = await iam.send(new GetRoleCommand({ RoleName: "s3size-tracker-role" }));
    expect(got.Role?.RoleId).to.equal(created.Role?.RoleId);
    expect(got.Role?.AssumeRolePolicyDocument).to.equal(encodeURIComponent(trust));
    expect(JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!))).to.deep.equal(
      JSON.parse(trust),
    );
    expect(got.Role?.Description).to.equal("tracker");
    expect(got.Role?.MaxSessionDuration).to.equal(7200);
    expect(got.Role?.Tags).to.deep.equal([{ Key: "s3size:stack", Value: "s3size" }]);
  });

  it("refuses a second role of the same name with EntityAlreadyExists (409)", async () => {
    await expectError(
      test.clients.iam.send(
        new CreateRoleCommand({ RoleName: "s3size-tracker-role", AssumeRolePolicyDocument: trust }),
      ),
      "EntityAlreadyExistsException",
      409,
    );
  });

  it("rejects a trust policy that is not JSON with MalformedPolicyDocument (400)", async () => {
    await expectError(
      test.clients.iam.send(
        new CreateRoleCommand({ RoleName: "bad-doc", AssumeRolePolicyDocument: "{nope" }),
      ),
      "MalformedPolicyDocumentException",
      400,
    );
  });

  it("rejects an invalid role name with ValidationError (400)", async () => {
    await expectError(
      test.clients.iam.send(
        new CreateRoleCommand({ RoleName: "no spaces/allowed", AssumeRolePolicyDocument: trust }),
      ),
      "ValidationError",
      400,
    );
  });

  it("answers NoSuchEntity (404) for a role that does not exist", async () => {
    await expectError(
      test.clients.iam.send(new GetRoleCommand({ RoleName: "nobody" })),
      "NoSuchEntityException",
      404,
    );
  });

  it("lists roles by path prefix, paging with Marker", async () => {
    const { iam } = test.clients;
    await iam.send(new CreateRoleCommand({ RoleName: "a-role", AssumeRolePolicyDocument: trust }));
    await iam.send(new CreateRoleCommand({ RoleName: "b-role", AssumeRolePolicyDocument: trust }));
    const first = await iam.send(new ListRolesCommand({ MaxItems: 2 }));
    expect(first.Roles?.map((role) => role.RoleName)).to.deep.equal(["a-role", "b-role"]);
    expect(first.IsTruncated).to.equal(true);
    const second = await iam.send(new ListRolesCommand({ MaxItems: 2, Marker: first.Marker }));
    expect(second.Roles?.map((role) => role.RoleName)).to.deep.equal(["s3size-tracker-role"]);
    expect(second.IsTruncated).to.equal(false);
    const service = await iam.send(new ListRolesCommand({ PathPrefix: "/service/" }));
    expect(service.Roles?.map((role) => role.RoleName)).to.deep.equal(["s3size-tracker-role"]);
  });

  it("updates the trust policy and the description", async () => {
    const { iam } = test.clients;
    const newTrust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" },
      ],
    });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "a-role", PolicyDocument: newTrust }));
    await iam.send(new UpdateRoleCommand({ RoleName: "a-role", Description: "changed" }));
    const role = (await iam.send(new GetRoleCommand({ RoleName: "a-role" }))).Role!;
    expect(decodeURIComponent(role.AssumeRolePolicyDocument!)).to.equal(newTrust);
    expect(role.Description).to.equal("changed");
  });

  it("tags and untags a role", async () => {
    const { iam } = test.clients;
    await iam.send(
      new TagRoleCommand({
        RoleName: "a-role",
        Tags: [
          { Key: "one", Value: "1" },
          { Key: "two", Value: "2" },
        ],
      }),
    );
    await iam.send(new UntagRoleCommand({ RoleName: "a-role", TagKeys: ["one"] }));
    const tags = await iam.send(new ListRoleTagsCommand({ RoleName: "a-role" }));
    expect(tags.Tags).to.deep.equal([{ Key: "two", Value: "2" }]);
  });

  it("keeps inline policies, returns them URL-encoded, and deletes them", async () => {
    const { iam } = test.clients;
    await iam.send(
      new PutRolePolicyCommand({ RoleName: "b-role", PolicyName: "query", PolicyDocument: policy }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: "b-role", PolicyName: "query" }));
    expect(got.PolicyDocument).to.equal(encodeURIComponent(policy));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: "b-role" }))).PolicyNames).to.deep.equal([
      "query",
    ]);
    await expectError(
      iam.send(new PutRolePolicyCommand({ RoleName: "b-role", PolicyName: "bad", PolicyDocument: "[" })),
      "MalformedPolicyDocumentException",
      400,
    );
    await expectError(
      iam.send(new DeleteRoleCommand({ RoleName: "b-role" })),
      "DeleteConflictException",
      409,
    );
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "b-role", PolicyName: "query" }));
    await expectError(
      iam.send(new GetRolePolicyCommand({ RoleName: "b-role", PolicyName: "query" })),
      "NoSuchEntityException",
      404,
    );
    await iam.send(new DeleteRoleCommand({ RoleName: "b-role" }));
    await expectError(iam.send(new GetRoleCommand({ RoleName: "b-role" })), "NoSuchEntityException", 404);
  });

  it("attaches and detaches managed policies, blocking deletion while attached", async () => {
    const { iam } = test.clients;
    const arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
    await iam.send(new AttachRolePolicyCommand({ RoleName: "a-role", PolicyArn: arn }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "a-role" }));
    expect(attached.AttachedPolicies).to.deep.equal([
      { PolicyName: "AWSLambdaBasicExecutionRole", PolicyArn: arn },
    ]);
    await expectError(
      iam.send(new DeleteRoleCommand({ RoleName: "a-role" })),
      "DeleteConflictException",
      409,
    );
    await iam.send(new DetachRolePolicyCommand({ RoleName: "a-role", PolicyArn: arn }));
    await expectError(
      iam.send(new DetachRolePolicyCommand({ RoleName: "a-role", PolicyArn: arn })),
      "NoSuchEntityException",
      404,
    );
    await iam.send(new DeleteRoleCommand({ RoleName: "a-role" }));
  });
});

describe("local IAM persistence and propagation", () => {
  it("finds its roles again after a restart", async () => {
    const first = await startTestCloud();
    await first.clients.iam.send(
      new CreateRoleCommand({ RoleName: "kept", AssumeRolePolicyDocument: trust }),
    );
    await first.clients.iam.send(
      new PutRolePolicyCommand({ RoleName: "kept", PolicyName: "p", PolicyDocument: policy }),
    );
    await first.stop(false);
    const second = await startTestCloud({ stateDir: first.stateDir });
    try {
      const got = await second.clients.iam.send(
        new GetRolePolicyCommand({ RoleName: "kept", PolicyName: "p" }),
      );
      expect(decodeURIComponent(got.PolicyDocument!)).to.equal(policy);
    } finally {
      await second.stop();
    }
  });

  it("reports a role as propagating while the realism delay since its creation lasts, then ready", async () => {
    const test = await startTestCloud();
    const { Role } = await test.clients.iam.send(
      new CreateRoleCommand({ RoleName: "fresh", AssumeRolePolicyDocument: trust }),
    );
    await test.stop(false);
    // A second IAM service on the same data reads the persisted role; its context is ours to inspect.
    const ctx: CloudContext = {
      region: "us-east-1",
      accountId: LOCAL_ACCOUNT_ID,
      dataDir: join(test.stateDir, "local"),
      host: "127.0.0.1",
      endpoint: "",
      realism: { ...DEFAULT_REALISM, iamPropagationMs: 600_000 },
      debug: () => {},
    };
    try {
      await createIamService(ctx);
      expect(ctx.iam?.roleStatus(Role!.Arn!)).to.equal("propagating");
      ctx.realism.iamPropagationMs = 0;
      expect(ctx.iam?.roleStatus(Role!.Arn!)).to.equal("ready");
      expect(ctx.iam?.roleStatus("arn:aws:iam::000000000000:role/none")).to.equal("missing");
    } finally {
      rmSync(test.stateDir, { recursive: true, force: true });
    }
  });
});
