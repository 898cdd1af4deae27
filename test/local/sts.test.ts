import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

describe("local STS", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  it("names the caller as the root of account 000000000000", async () => {
    const identity = await test.clients.sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).to.equal("000000000000");
    expect(identity.Arn).to.equal("arn:aws:iam::000000000000:root");
    expect(identity.UserId).to.equal("000000000000");
  });

  it("hands out temporary credentials for an existing role", async () => {
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [] });
    const { Role } = await test.clients.iam.send(
      new CreateRoleCommand({ RoleName: "assumable", AssumeRolePolicyDocument: trust }),
    );
    const assumed = await test.clients.sts.send(
      new AssumeRoleCommand({ RoleArn: Role!.Arn!, RoleSessionName: "demo", DurationSeconds: 900 }),
    );
    expect(assumed.Credentials?.AccessKeyId).to.match(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.Credentials?.SessionToken).to.be.a("string").and.not.empty;
    expect(assumed.Credentials?.Expiration?.getTime()).to.be.greaterThan(Date.now());
    expect(assumed.AssumedRoleUser?.Arn).to.equal("arn:aws:sts::000000000000:assumed-role/assumable/demo");
  });

  it("denies AssumeRole on a role that does not exist, as a Query-format AccessDenied (403)", async () => {
    await expectError(
      test.clients.sts.send(
        new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/none", RoleSessionName: "demo" }),
      ),
      "AccessDenied",
      403,
    );
  });
});
