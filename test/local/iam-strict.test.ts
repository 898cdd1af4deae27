// Issue 9: IAM refuses through the SDK what AWS refuses, with AWS's codes, statuses and words; managed
// policies come from AWS's catalogue or the account's own; old state converts.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListPoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

const trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
const statement = { Effect: "Allow", Action: "dynamodb:PutItem", Resource: "arn:aws:dynamodb:*:*:table/t" };

describe("local IAM is strict like AWS", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
    await test.clients.iam.send(
      new CreateRoleCommand({ RoleName: "strict-role", AssumeRolePolicyDocument: trust }),
    );
  });
  after(() => test.stop());

  const putPolicy = (document: unknown, name = "p") =>
    test.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: "strict-role",
        PolicyName: name,
        PolicyDocument: typeof document === "string" ? document : JSON.stringify(document),
      }),
    );

  const malformed: Array<[string, unknown, string]> = [
    [
      "no Effect",
      { Version: "2012-10-17", Statement: [{ Action: statement.Action, Resource: statement.Resource }] },
      "Syntax errors in policy.",
    ],
    [
      '"Effect": "Maybe"',
      { Version: "2012-10-17", Statement: [{ ...statement, Effect: "Maybe" }] },
      "Syntax errors in policy.",
    ],
    [
      "no Resource",
      { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "dynamodb:PutItem" }] },
      "Policy statement must contain resources.",
    ],
    [
      '"Version": "2020-01-01"',
      { Version: "2020-01-01", Statement: [statement] },
      "Syntax errors in policy.",
    ],
    [
      "a Principal",
      { Version: "2012-10-17", Statement: [{ ...statement, Principal: "*" }] },
      "Policy document should not specify a principal.",
    ],
    [
      "an action with no service",
      { Version: "2012-10-17", Statement: [{ ...statement, Action: "PutItem" }] },
      "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ],
  ];
  for (const [what, document, message] of malformed) {
    it(`refuses PutRolePolicy with ${what}: MalformedPolicyDocument (400) "${message}"`, async () => {
      const error = await expectError(putPolicy(document), "MalformedPolicyDocumentException", 400);
      expect(error.message).to.equal(message);
    });
  }

  it("stores nothing from a refused PutRolePolicy", async () => {
    await putPolicy(
      { Version: "2012-10-17", Statement: [{ ...statement, Effect: "Maybe" }] },
      "refused",
    ).catch(() => {});
    await expectError(
      test.clients.iam.send(new GetRolePolicyCommand({ RoleName: "strict-role", PolicyName: "refused" })),
      "NoSuchEntityException",
      404,
    );
  });

  it("refuses AttachRolePolicy of an AWS managed policy that does not exist with NoSuchEntity (404)", async () => {
    const arn = "arn:aws:iam::aws:policy/NoSuchPolicyXYZ";
    const error = await expectError(
      test.clients.iam.send(new AttachRolePolicyCommand({ RoleName: "strict-role", PolicyArn: arn })),
      "NoSuchEntityException",
      404,
    );
    expect(error.message).to.equal(`Policy ${arn} does not exist or is not attachable.`);
  });

  it("refuses a customer managed policy ARN nobody created with NoSuchEntity (404)", async () => {
    await expectError(
      test.clients.iam.send(
        new AttachRolePolicyCommand({
          RoleName: "strict-role",
          PolicyArn: "arn:aws:iam::000000000000:policy/Nope",
        }),
      ),
      "NoSuchEntityException",
      404,
    );
  });

  it("refuses inline policies whose sizes together pass 10,240 characters with LimitExceeded (409)", async () => {
    // Each document is about 6,000 non-whitespace characters: one fits, two together do not.
    const big = (name: string) => ({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: name,
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: Array.from(
            { length: 150 },
            (_, i) => `arn:aws:s3:::bucket/${name}-${String(i).padStart(8, "0")}`,
          ),
        },
      ],
    });
    await putPolicy(big("first"), "first");
    // Whitespace does not count: the same document pretty-printed still fits on its own.
    await putPolicy(JSON.stringify(big("first"), null, 8), "first");
    const error = await expectError(putPolicy(big("second"), "second"), "LimitExceededException", 409);
    expect(error.message).to.equal("Maximum policy size of 10240 bytes exceeded for role strict-role");
  });

  it("refuses a trust policy without a principal, or naming a role that does not exist", async () => {
    const noPrincipal = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }],
    });
    await expectError(
      test.clients.iam.send(
        new CreateRoleCommand({ RoleName: "no-principal", AssumeRolePolicyDocument: noPrincipal }),
      ),
      "MalformedPolicyDocumentException",
      400,
    );
    const ghost = "arn:aws:iam::000000000000:role/ghost";
    const naming = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: ghost }, Action: "sts:AssumeRole" }],
    });
    const error = await expectError(
      test.clients.iam.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: "strict-role", PolicyDocument: naming }),
      ),
      "MalformedPolicyDocumentException",
      400,
    );
    expect(error.message).to.equal(`Invalid principal in policy: "AWS":"${ghost}"`);
  });

  it("treats role names without regard to case, as IAM does", async () => {
    await expectError(
      test.clients.iam.send(
        new CreateRoleCommand({ RoleName: "STRICT-ROLE", AssumeRolePolicyDocument: trust }),
      ),
      "EntityAlreadyExistsException",
      409,
    );
    const { Role } = await test.clients.iam.send(new GetRoleCommand({ RoleName: "Strict-Role" }));
    expect(Role?.RoleName).to.equal("strict-role");
  });

  it("keeps a role named __proto__ like any other", async () => {
    await test.clients.iam.send(
      new CreateRoleCommand({ RoleName: "__proto__", AssumeRolePolicyDocument: trust }),
    );
    const { Role } = await test.clients.iam.send(new GetRoleCommand({ RoleName: "__proto__" }));
    expect(Role?.Arn).to.equal("arn:aws:iam::000000000000:role/__proto__");
    await test.clients.iam.send(new DeleteRoleCommand({ RoleName: "__proto__" }));
  });

  it("serves AWS managed policies from the catalogue with their real documents", async () => {
    const arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
    const { Policy } = await test.clients.iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    expect(Policy?.PolicyName).to.equal("AWSLambdaBasicExecutionRole");
    const { PolicyVersion } = await test.clients.iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: Policy!.DefaultVersionId! }),
    );
    const document = JSON.parse(decodeURIComponent(PolicyVersion!.Document!));
    expect(document.Statement[0].Action).to.deep.equal([
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]);
    const { Policies } = await test.clients.iam.send(
      new ListPoliciesCommand({ Scope: "AWS", MaxItems: 1000 }),
    );
    expect(Policies?.map((policy) => policy.PolicyName)).to.include("AmazonDynamoDBReadOnlyAccess");
  });

  it("creates, versions, attaches and deletes a customer managed policy, as IAM orders it", async () => {
    const { iam } = test.clients;
    const document = JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: "tracker-writes", PolicyDocument: document }),
    );
    expect(Policy?.Arn).to.equal("arn:aws:iam::000000000000:policy/tracker-writes");
    expect(Policy?.PolicyId).to.match(/^ANPA[A-Z0-9]{17}$/);
    await expectError(
      iam.send(new CreatePolicyCommand({ PolicyName: "tracker-writes", PolicyDocument: document })),
      "EntityAlreadyExistsException",
      409,
    );
    await expectError(
      iam.send(
        new CreatePolicyCommand({
          PolicyName: "no-version",
          PolicyDocument: JSON.stringify({ Statement: [statement] }),
        }),
      ),
      "MalformedPolicyDocumentException",
      400,
    );
    const { PolicyVersion } = await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: Policy!.Arn!,
        PolicyDocument: document,
        SetAsDefault: true,
      }),
    );
    expect(PolicyVersion?.VersionId).to.equal("v2");
    await iam.send(new AttachRolePolicyCommand({ RoleName: "strict-role", PolicyArn: Policy!.Arn! }));
    await expectError(
      iam.send(new DeletePolicyCommand({ PolicyArn: Policy!.Arn! })),
      "DeleteConflictException",
      409,
    );
    await iam.send(new DetachRolePolicyCommand({ RoleName: "strict-role", PolicyArn: Policy!.Arn! }));
  });
});

describe("local IAM state from before issue 9", () => {
  it("reads a single-file iam.json and keeps its roles and inline policies", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "s3size-iam-legacy-"));
    mkdirSync(join(stateDir, "local"), { recursive: true });
    const role = {
      RoleName: "old-role",
      RoleId: "AROAOLDROLE0000000000",
      Path: "/",
      Arn: "arn:aws:iam::000000000000:role/old-role",
      CreateDate: "2026-01-01T00:00:00Z",
      AssumeRolePolicyDocument: trust,
      MaxSessionDuration: 3600,
      Tags: [],
      inlinePolicies: { writes: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) },
      attachedPolicies: [],
      changedAt: 0,
    };
    writeFileSync(join(stateDir, "local", "iam.json"), JSON.stringify({ roles: { "old-role": role } }));
    const test = await startTestCloud({ stateDir });
    try {
      const { Role } = await test.clients.iam.send(new GetRoleCommand({ RoleName: "old-role" }));
      expect(Role?.RoleId).to.equal("AROAOLDROLE0000000000");
      const got = await test.clients.iam.send(
        new GetRolePolicyCommand({ RoleName: "old-role", PolicyName: "writes" }),
      );
      expect(JSON.parse(decodeURIComponent(got.PolicyDocument!)).Statement[0].Action).to.equal(
        "dynamodb:PutItem",
      );
    } finally {
      await test.stop();
    }
  });
});
