import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { SessionStore } from "../../local/iam/sessions.ts";
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

  it("hands out temporary credentials for a role whose trust policy names the account", async () => {
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: "000000000000" }, Action: "sts:AssumeRole" }],
    });
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

describe("local STS session lifetimes", () => {
  it("holds AssumeRole's DurationSeconds to at least 900 and at most the role's MaxSessionDuration", async () => {
    const test = await startTestCloud();
    try {
      const trust = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" },
        ],
      });
      const { Role } = await test.clients.iam.send(
        new CreateRoleCommand({ RoleName: "short", AssumeRolePolicyDocument: trust }),
      );
      const assume = (DurationSeconds: number) =>
        test.clients.sts.send(
          new AssumeRoleCommand({ RoleArn: Role!.Arn!, RoleSessionName: "s1", DurationSeconds }),
        );
      await expectError(assume(600), "ValidationError", 400);
      const tooLong = await expectError(assume(7200), "ValidationError", 400);
      expect(tooLong.message).to.equal(
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
      const { Credentials } = await assume(3600);
      expect(Credentials!.Expiration!.getTime() - Date.now()).to.be.within(3_590_000, 3_600_000);
    } finally {
      await test.stop();
    }
  });

  it("refuses a session's keys once they expire, and forgets nothing a restart should keep", () => {
    const dir = mkdtempSync(join(tmpdir(), "s3size-sessions-"));
    try {
      const role = {
        Arn: "arn:aws:iam::000000000000:role/r",
        RoleName: "r",
        RoleId: "AROAEXAMPLE0000000000",
      };
      const { credentials } = new SessionStore(dir).issue(role, "s", "000000000000", 900);
      const reopened = new SessionStore(dir);
      expect(reopened.caller(credentials.accessKeyId, credentials.sessionToken).kind).to.equal("session");
      expect(
        reopened.caller(credentials.accessKeyId, credentials.sessionToken, Date.now() + 901_000).kind,
      ).to.equal("expired");
      expect(reopened.caller(credentials.accessKeyId, "another token").kind).to.equal("invalid-token");
      expect(reopened.caller("AKIASTATICKEY0000000", undefined).kind).to.equal("root");
      expect(readFileSync(join(dir, "iam", "sessions.json"), "utf8")).to.not.contain(
        credentials.sessionToken,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
