// Issue 9: calls made with a role session's credentials are checked against the role's policies, in every
// service's own AccessDenied shape and AWS's words, while the account root (static keys) stays allowed;
// the policy report records each use. Sessions come from STS AssumeRole, as function code's would.
import {
  CreateDeploymentCommand,
  CreateRestApiCommand,
  GetRestApisCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from "@aws-sdk/client-api-gateway";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateTableCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { InvokeCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { ListTopicsCommand } from "@aws-sdk/client-sns";
import { ListQueuesCommand } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { historyTableDefinition } from "../../handlers/common/history.ts";
import type { PolicyReportDocument } from "../../local/iam/report.ts";
import { realismFromEnv } from "../../local/index.ts";
import type { IamMode } from "../../local/types.ts";
import { clientsFor, startTestCloud, type TestClients, type TestCloud } from "./cloud.ts";
import { createFunction, createLambdaRole, decode, expectError } from "./fixtures/lambda.ts";
import { assume, roleWithPolicy, TRUST } from "./fixtures/role-session.ts";
import { craftZip } from "./fixtures/zip.ts";

const ACCOUNT = "000000000000";
const TABLE = "S3-object-size-history";
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${TABLE}`;
const GROUP = "/aws/lambda/s3size-size-tracking";
async function report(test: TestCloud, role: string): Promise<PolicyReportDocument> {
  const response = await fetch(`${test.cloud.endpoint}/_s3size/iam/report?role=${encodeURIComponent(role)}`);
  expect(response.status).to.equal(200);
  return (await response.json()) as PolicyReportDocument;
}

const item = (bucket: string) => ({
  bucket_name: { S: bucket },
  timestamp: { N: String(Date.now()) },
  total_size: { N: "1" },
  all: { S: "ALL" },
});

describe("IAM enforcement for role sessions", () => {
  let test: TestCloud;
  let tracker: TestClients;
  let reader: TestClients;
  before(async () => {
    test = await startTestCloud();
    const root = test.clients;
    await root.dynamodb.send(new CreateTableCommand(historyTableDefinition(TABLE)));
    await root.logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    // The tracker's role without dynamodb:PutItem: it may only write its logs.
    const trackerRole = await roleWithPolicy(root, "tracker-without-putitem", [
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${GROUP}:*`,
      },
    ]);
    tracker = clientsFor(test.cloud.endpoint, "us-east-1", await assume(root, trackerRole, "tracker"));
    const readerRole = await roleWithPolicy(root, "table-reader", [
      { Sid: "TableOnly", Effect: "Allow", Action: "dynamodb:Query", Resource: TABLE_ARN },
      {
        Sid: "NoScratch",
        Effect: "Deny",
        Action: "dynamodb:*",
        Resource: `arn:aws:dynamodb:*:*:table/scratch*`,
      },
    ]);
    reader = clientsFor(test.cloud.endpoint, "us-east-1", await assume(root, readerRole, "reader"));
  });
  after(async () => {
    for (const clients of [tracker, reader]) for (const client of Object.values(clients)) client.destroy();
    await test.stop();
  });

  it("denies PutItem to a role session without dynamodb:PutItem, worded as DynamoDB words it", async () => {
    const error = await expectError(
      tracker.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item("denied") })),
      "AccessDeniedException",
      400,
    );
    expect(error.message).to.equal(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/tracker-without-putitem/tracker is not authorized to perform: dynamodb:PutItem on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:PutItem action`,
    );
  });

  it("still lets the account root (static keys) write, as the root may on AWS", async () => {
    await test.clients.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item("root") }));
  });

  it("lets the same session do what its policy grants: its own log stream", async () => {
    await tracker.logs.send(
      new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: "2026/01/01/[$LATEST]x" }),
    );
    await tracker.logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: "2026/01/01/[$LATEST]x",
        logEvents: [{ timestamp: Date.now(), message: "hello" }],
      }),
    );
  });

  it("denies log writes outside the granted group as CloudWatch Logs' AccessDeniedException", async () => {
    await test.clients.logs.send(new CreateLogGroupCommand({ logGroupName: "/aws/lambda/other" }));
    const error = await expectError(
      tracker.logs.send(
        new CreateLogStreamCommand({ logGroupName: "/aws/lambda/other", logStreamName: "s" }),
      ),
      "AccessDeniedException",
      400,
    );
    expect(error.message).to.equal(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/tracker-without-putitem/tracker is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/other:log-stream:s because no identity-based policy allows the logs:CreateLogStream action`,
    );
  });

  it("evaluates a Query on an index against the index ARN, not the table's", async () => {
    await reader.dynamodb.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "bucket_name = :b",
        ExpressionAttributeValues: { ":b": { S: "root" } },
      }),
    );
    const error = await expectError(
      reader.dynamodb.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: "global_size_index",
          KeyConditionExpression: "#all = :all",
          ExpressionAttributeNames: { "#all": "all" },
          ExpressionAttributeValues: { ":all": { S: "ALL" } },
        }),
      ),
      "AccessDeniedException",
      400,
    );
    expect(error.message).to.contain(
      `on resource: ${TABLE_ARN}/index/global_size_index because no identity-based`,
    );
  });

  it("supplies dynamodb:LeadingKeys, so a policy can hold a role to its own partition", async () => {
    const root = test.clients;
    const roleArn = await roleWithPolicy(root, "one-bucket-writer", [
      {
        Effect: "Allow",
        Action: ["dynamodb:PutItem", "dynamodb:Query"],
        Resource: TABLE_ARN,
        Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["own-bucket"] } },
      },
    ]);
    const writer = clientsFor(test.cloud.endpoint, "us-east-1", await assume(root, roleArn, "writer"));
    try {
      await writer.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item("own-bucket") }));
      await expectError(
        writer.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item("someone-else") })),
        "AccessDeniedException",
        400,
      );
      const own = (bucket: string) =>
        writer.dynamodb.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: "bucket_name = :b",
            ExpressionAttributeValues: { ":b": { S: bucket } },
          }),
        );
      expect((await own("own-bucket")).Count).to.equal(1);
      await expectError(own("someone-else"), "AccessDeniedException", 400);
    } finally {
      for (const client of Object.values(writer)) client.destroy();
    }
  });

  it("words an explicit Deny as one", async () => {
    const error = await expectError(
      reader.dynamodb.send(
        new QueryCommand({
          TableName: "scratch-table",
          KeyConditionExpression: "k = :k",
          ExpressionAttributeValues: { ":k": { S: "x" } },
        }),
      ),
      "AccessDeniedException",
      400,
    );
    expect(error.message).to.match(
      /dynamodb:Query on resource: .*table\/scratch-table with an explicit deny in an identity-based policy$/,
    );
  });

  it("answers API Gateway's AccessDeniedException (403) and IAM's AccessDenied (403)", async () => {
    const gateway = await expectError(
      tracker.apigateway.send(new GetRestApisCommand({})),
      "AccessDeniedException",
      403,
    );
    expect(gateway.message).to.equal(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/tracker-without-putitem/tracker is not authorized to perform: apigateway:GET on resource: arn:aws:apigateway:us-east-1::/restapis because no identity-based policy allows the apigateway:GET action`,
    );
    const iam = await expectError(
      tracker.iam.send(new CreateRoleCommand({ RoleName: "escalate", AssumeRolePolicyDocument: TRUST })),
      "AccessDenied",
      403,
    );
    expect(iam.message).to.contain(
      "is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::000000000000:role/escalate",
    );
    await test.clients.apigateway.send(new CreateRestApiCommand({ name: "root-may" }));
  });

  it("checks execute-api:Invoke on a method that uses AWS_IAM authorization", async () => {
    const { apigateway } = test.clients;
    const { id, rootResourceId } = await apigateway.send(new CreateRestApiCommand({ name: "iam-api" }));
    await apigateway.send(
      new PutMethodCommand({
        restApiId: id,
        resourceId: rootResourceId,
        httpMethod: "GET",
        authorizationType: "AWS_IAM",
      }),
    );
    await apigateway.send(
      new PutIntegrationCommand({
        restApiId: id,
        resourceId: rootResourceId,
        httpMethod: "GET",
        type: "MOCK",
      }),
    );
    await apigateway.send(new CreateDeploymentCommand({ restApiId: id, stageName: "prod" }));
    const url = `${test.cloud.endpoint}/_aws/execute-api/${id}/prod/`;
    const unsigned = await fetch(url);
    expect(unsigned.status).to.equal(403);
    expect(unsigned.headers.get("x-amzn-errortype")).to.equal("MissingAuthenticationTokenException");
    // The local cloud reads who signed from the credential scope; it does not verify signatures.
    const credentials = await tracker.sts.config.credentials();
    const signedAs = (key: string, token?: string) =>
      fetch(url, {
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=0`,
          ...(token ? { "x-amz-security-token": token } : {}),
        },
      });
    const denied = await signedAs(credentials.accessKeyId, credentials.sessionToken);
    expect(denied.status).to.equal(403);
    expect(denied.headers.get("x-amzn-errortype")).to.equal("AccessDeniedException");
    expect(((await denied.json()) as { Message: string }).Message).to.equal(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/tracker-without-putitem/tracker is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:${ACCOUNT}:${id}/prod/GET/ because no identity-based policy allows the execute-api:Invoke action`,
    );
    // The root passes IAM; the MOCK integration is not served locally (only Lambda proxies are).
    expect((await signedAs("test")).status).to.equal(500);
  });

  it("names the session in GetCallerIdentity, which needs no permission", async () => {
    const identity = await tracker.sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).to.equal(`arn:aws:sts::${ACCOUNT}:assumed-role/tracker-without-putitem/tracker`);
    expect(identity.UserId).to.match(/^AROA[A-Z0-9]{17}:tracker$/);
    expect(identity.Account).to.equal(ACCOUNT);
  });

  it("refuses a session key with the wrong session token as an invalid token", async () => {
    const credentials = await tracker.dynamodb.config.credentials();
    const forged = clientsFor(test.cloud.endpoint, "us-east-1", { ...credentials, sessionToken: "forged" });
    try {
      const error = await expectError(
        forged.dynamodb.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: "bucket_name = :b",
            ExpressionAttributeValues: { ":b": { S: "x" } },
          }),
        ),
        "UnrecognizedClientException",
        400,
      );
      expect(error.message).to.equal("The security token included in the request is invalid.");
      // The services built on the shared operation dispatcher name refused credentials the same way.
      const queue = await expectError(
        forged.sqs.send(new ListQueuesCommand({})),
        "InvalidClientTokenId",
        403,
      );
      expect(queue.message).to.equal("The security token included in the request is invalid.");
      await expectError(forged.sns.send(new ListTopicsCommand({})), "InvalidClientTokenId", 403);
    } finally {
      for (const client of Object.values(forged)) client.destroy();
    }
  });

  it("records every use per role, allowed and denied, in the policy report", async () => {
    const { roles, mode } = await report(test, "tracker-without-putitem");
    expect(mode).to.equal("enforce");
    const entries = roles[0]!.entries;
    const put = entries.find((entry) => entry.action === "dynamodb:PutItem");
    expect(put).to.include({ resource: TABLE_ARN, allowed: 0, denied: 1 });
    expect(put?.lastDenial).to.contain("because no identity-based policy allows the dynamodb:PutItem action");
    const logs = entries.find((entry) => entry.action === "logs:PutLogEvents");
    expect(logs).to.include({ allowed: 1, denied: 0 });
    expect(entries.some((entry) => entry.action === "sts:GetCallerIdentity")).to.equal(false);
  });

  it("reads S3SIZE_LOCAL_IAM at start and refuses a value that is not a mode", () => {
    expect(realismFromEnv({ S3SIZE_LOCAL_IAM: "warn" }).iam).to.equal("warn");
    expect(realismFromEnv({ S3SIZE_LOCAL_IAM: " OFF " }).iam).to.equal("off");
    expect(realismFromEnv({}).iam).to.equal(undefined);
    expect(() => realismFromEnv({ S3SIZE_LOCAL_IAM: "enforced" })).to.throw(
      'S3SIZE_LOCAL_IAM must be one of enforce, warn, off, not "enforced"',
    );
  });

  it("only logs what it would deny under S3SIZE_LOCAL_IAM=warn, and checks nothing when off", async () => {
    // The cloud's realism settings are live: what S3SIZE_LOCAL_IAM sets at start, a test sets here.
    const setMode = (iam: IamMode) => {
      test.cloud.realism.iam = iam;
    };
    setMode("warn");
    const written = process.stderr.write;
    const lines: string[] = [];
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await tracker.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item("warned") }));
    } finally {
      process.stderr.write = written;
    }
    expect(lines.join("")).to.contain(
      "IAM would deny (S3SIZE_LOCAL_IAM=warn): User: arn:aws:sts::000000000000:assumed-role/tracker-without-putitem/tracker is not authorized to perform: dynamodb:PutItem",
    );
    setMode("off");
    await tracker.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item("unchecked") }));
    setMode("enforce");
    await expectError(
      tracker.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item("again") })),
      "AccessDeniedException",
      400,
    );
  });
});

describe("STS role sessions", () => {
  it("refuses AssumeRole when the trust policy does not name the caller, in STS's words", async () => {
    const test = await startTestCloud();
    try {
      const trust = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      });
      const { Role } = await test.clients.iam.send(
        new CreateRoleCommand({ RoleName: "lambda-only", AssumeRolePolicyDocument: trust }),
      );
      const error = await expectError(
        test.clients.sts.send(new AssumeRoleCommand({ RoleArn: Role!.Arn!, RoleSessionName: "me" })),
        "AccessDenied",
        403,
      );
      expect(error.message).to.equal(
        `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: sts:AssumeRole on resource: ${Role!.Arn}`,
      );
    } finally {
      await test.stop();
    }
  });

  it("keeps sessions across a restart: the same keys still act as the role", async () => {
    const first = await startTestCloud();
    const roleArn = await roleWithPolicy(first.clients, "kept-session", []);
    const credentials = await assume(first.clients, roleArn, "kept");
    await first.stop(false);
    const second = await startTestCloud({ stateDir: first.stateDir });
    const session = clientsFor(second.cloud.endpoint, "us-east-1", credentials);
    try {
      const identity = await session.sts.send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).to.equal(`arn:aws:sts::${ACCOUNT}:assumed-role/kept-session/kept`);
      await expectError(
        session.dynamodb.send(new CreateTableCommand(historyTableDefinition("denied-table"))),
        "AccessDeniedException",
        400,
      );
    } finally {
      for (const client of Object.values(session)) client.destroy();
      await second.stop();
    }
  });
});

/** A function as a student writes it: unbundled, the runtime's SDK v3, one PutItem into the table. */
const WRITER_FUNCTION = `
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
const client = new DynamoDBClient({});
export const handler = async (event) => {
  try {
    await client.send(new PutItemCommand({
      TableName: event.table,
      Item: { bucket_name: { S: "from-function" }, timestamp: { N: String(Date.now()) }, total_size: { N: "1" } },
    }));
    return { written: true };
  } catch (error) {
    return { name: error.name, message: error.message };
  }
};`;

describe("IAM enforcement for a function's calls", function () {
  this.timeout(60_000);

  it("denies a function's PutItem when its execution role lacks it, and allows it once granted", async () => {
    const test = await startTestCloud();
    try {
      const root = test.clients;
      await root.dynamodb.send(new CreateTableCommand(historyTableDefinition(TABLE)));
      const role = await createLambdaRole(root.iam, "writer-role");
      const zip = craftZip([{ name: "index.mjs", content: WRITER_FUNCTION }]);
      await createFunction(root.lambda, { name: "writer", role, zip }, { Timeout: 30 });
      await waitUntilFunctionActiveV2({ client: root.lambda, maxWaitTime: 30 }, { FunctionName: "writer" });
      const invoke = async () => {
        const { Payload } = await root.lambda.send(
          new InvokeCommand({
            FunctionName: "writer",
            Payload: Buffer.from(JSON.stringify({ table: TABLE })),
          }),
        );
        return decode(Payload);
      };

      expect(await invoke()).to.deep.equal({
        name: "AccessDeniedException",
        message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/writer-role/writer is not authorized to perform: dynamodb:PutItem on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:PutItem action`,
      });

      const grant = { Effect: "Allow", Action: "dynamodb:PutItem", Resource: TABLE_ARN };
      await root.iam.send(
        new PutRolePolicyCommand({
          RoleName: "writer-role",
          PolicyName: "write-history",
          PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [grant] }),
        }),
      );
      expect(await invoke()).to.deep.equal({ written: true });

      const put = (await report(test, "writer-role")).roles[0]!.entries.find(
        (entry) => entry.action === "dynamodb:PutItem",
      );
      expect(put).to.include({ resource: TABLE_ARN, allowed: 1, denied: 1 });
    } finally {
      await test.stop();
    }
  });
});
