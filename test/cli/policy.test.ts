// `s3size policy`: the analysis of a role's report against its policies, and the command on a local cloud
// (uses made through a session of the tracker's role) and against AWS (where no report exists).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { resolveSettings, stackNames } from "../../cli/config.ts";
import { rolePolicies } from "../../cli/provision/roles.ts";
import { historyTableDefinition } from "../../handlers/common/history.ts";
import { analyzeRole } from "../../local/iam/analysis.ts";
import { readPolicy } from "../../local/iam/policy/document.ts";
import type { UsageEntry } from "../../local/iam/report.ts";
import { clientsFor, startTestCloud, type TestCloud } from "../local/cloud.ts";
import { runCli } from "./run-cli.ts";

const entry = (action: string, resource: string, allowed: number, denied = 0): UsageEntry => ({
  action,
  resource,
  allowed,
  denied,
  lastUsed: 0,
});
const LOGS = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f";

describe("policy analysis of one role", () => {
  const policy = readPolicy({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Write",
        Effect: "Allow",
        Action: ["dynamodb:PutItem", "dynamodb:Query"],
        Resource: "arn:aws:dynamodb:*:*:table/t",
      },
      { Sid: "Logs", Effect: "Allow", Action: "logs:*", Resource: `${LOGS}:*` },
      { Sid: "Never", Effect: "Deny", Action: "dynamodb:Scan", Resource: "*" },
    ],
  });

  it("sorts uses into granted and denied, and finds the grants nothing used", () => {
    const usage = {
      roleName: "r",
      roleArn: "arn:aws:iam::000000000000:role/r",
      overflowed: false,
      entries: [
        entry("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:000000000000:table/t", 3),
        entry("dynamodb:Scan", "arn:aws:dynamodb:us-east-1:000000000000:table/t", 0, 2),
        entry("logs:PutLogEvents", `${LOGS}:log-stream:a`, 5),
      ],
    };
    const analysis = analyzeRole("r", usage, [{ name: "inline", document: policy }]);
    expect(analysis.usedAndGranted.map((use) => use.action)).to.deep.equal([
      "dynamodb:PutItem",
      "logs:PutLogEvents",
    ]);
    expect(analysis.usedButDenied.map((use) => use.action)).to.deep.equal(["dynamodb:Scan"]);
    expect(analysis.grantedButUnused).to.deep.equal([
      { policy: "inline", sid: "Write", action: "dynamodb:Query", resource: "arn:aws:dynamodb:*:*:table/t" },
    ]);
  });

  it("suggests one statement per set of resources, log streams as their group, many objects as the bucket", () => {
    const objects = Array.from({ length: 12 }, (_, i) => entry("s3:GetObject", `arn:aws:s3:::b/k${i}`, 1));
    const usage = {
      roleName: "r",
      roleArn: "",
      overflowed: false,
      entries: [
        entry("logs:CreateLogStream", `${LOGS}:log-stream:a`, 1),
        entry("logs:PutLogEvents", `${LOGS}:log-stream:b`, 1),
        entry("s3:PutObject", "arn:aws:s3:::b/plot", 1),
        entry("dynamodb:Scan", "arn:aws:dynamodb:us-east-1:000000000000:table/t", 0, 1),
        ...objects,
      ],
    };
    expect(analyzeRole("r", usage, []).suggestedPolicy).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Dynamodb",
          Effect: "Allow",
          Action: ["dynamodb:Scan"],
          Resource: ["arn:aws:dynamodb:us-east-1:000000000000:table/t"],
        },
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`${LOGS}:*`],
        },
        { Sid: "S3", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] },
        { Sid: "S32", Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::b/plot"] },
      ],
    });
  });
});

describe("s3size policy", function () {
  this.timeout(60_000);
  let test: TestCloud;
  let work: string;
  before(async () => {
    test = await startTestCloud();
    work = mkdtempSync(join(tmpdir(), "s3size-policy-"));
  });
  after(() => test.stop());

  it("reports a stack role's uses, denials and unused grants from the local cloud", async () => {
    const root = test.clients;
    const names = stackNames(resolveSettings({}, {}, work), "000000000000");
    const role = names.roles["size-tracking"];
    await root.dynamodb.send(new CreateTableCommand(historyTableDefinition(names.table)));
    // The tracker's role exactly as setup writes it, but assumable by the test so its session can act.
    const trust = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" },
      ],
    };
    const { Role } = await root.iam.send(
      new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    const document = rolePolicies({ names, account: "000000000000", region: "us-east-1" })["size-tracking"];
    await root.iam.send(
      new PutRolePolicyCommand({
        RoleName: role,
        PolicyName: "tracker",
        PolicyDocument: JSON.stringify(document),
      }),
    );
    const { Credentials } = await root.sts.send(
      new AssumeRoleCommand({ RoleArn: Role!.Arn!, RoleSessionName: "s3size-size-tracking" }),
    );
    const tracker = clientsFor(test.cloud.endpoint, "us-east-1", {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    });
    try {
      const item = {
        bucket_name: { S: names.dataBucket },
        timestamp: { N: "1" },
        total_size: { N: "0" },
        all: { S: "ALL" },
      };
      await tracker.dynamodb.send(new PutItemCommand({ TableName: names.table, Item: item }));
      await tracker.dynamodb.send(new ScanCommand({ TableName: names.table })).catch(() => {});
    } finally {
      for (const client of Object.values(tracker)) client.destroy();
    }

    const run = await runCli(["policy", "--role", role, "--json", "--endpoint-url", test.cloud.endpoint], {
      cwd: work,
    });
    expect(run.code, run.stderr).to.equal(0);
    const [analysis] = JSON.parse(run.stdout).roles;
    expect(analysis.usedAndGranted.map((use: UsageEntry) => use.action)).to.deep.equal(["dynamodb:PutItem"]);
    expect(analysis.usedButDenied.map((use: UsageEntry) => `${use.action} ${use.resource}`)).to.deep.equal([
      `dynamodb:Scan arn:aws:dynamodb:us-east-1:000000000000:table/${names.table}`,
    ]);
    expect(analysis.grantedButUnused.map((grant: { action: string }) => grant.action)).to.deep.equal([
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:GetBucketVersioning",
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "sns:Publish",
      "sqs:SendMessage",
    ]);

    const human = await runCli(["policy", "--role", role, "--endpoint-url", test.cloud.endpoint], {
      cwd: work,
    });
    expect(human.stdout).to.contain("used, DENIED");
    expect(human.stdout).to.contain("least-privilege policy for what it used");
  });

  it("says plainly that the report exists only on the local cloud when pointed at AWS", async () => {
    const run = await runCli(["policy"], {
      cwd: work,
      env: { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" },
    });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain("error: the policy report exists only on the local cloud");
    expect(run.stderr).to.contain("hint: run it with --local");
    expect(run.calls).to.deep.equal([]);
  });
});
