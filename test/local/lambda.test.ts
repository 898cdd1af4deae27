import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvokeCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { arnLike, buildStatement, isInvokeAllowed } from "../../local/lambda/permissions.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import {
  createFunction,
  createLambdaRole,
  decode,
  ECHO_FUNCTION_DIR,
  expectError,
  waitUntilReady,
  zipFolder,
} from "./fixtures/lambda.ts";

describe("local Lambda API", () => {
  let test: TestCloud;
  let role: string;
  let zip: Buffer;

  before(async () => {
    test = await startTestCloud();
    role = await createLambdaRole(test.clients.iam, "echo-role");
    zip = await zipFolder(ECHO_FUNCTION_DIR);
  });
  after(() => test.stop());

  const create = (name: string, extra: Record<string, unknown> = {}) =>
    createFunction(test.clients.lambda, { name, role, zip }, extra);

  it("creates a function with AWS's configuration fields and defaults", async () => {
    const config = await create("echo", {
      Environment: { Variables: { GREETING: "hi" } },
      Architectures: ["arm64"],
      Tags: { "s3size:stack": "test" },
      Description: "echo",
    });
    expect(config.$metadata.httpStatusCode).to.equal(201);
    expect(config.FunctionArn).to.equal("arn:aws:lambda:us-east-1:000000000000:function:echo");
    expect(config.CodeSha256).to.equal(createHash("sha256").update(zip).digest("base64"));
    expect(config.CodeSize).to.equal(zip.length);
    expect(config).to.include({ Timeout: 3, MemorySize: 128, Version: "$LATEST", PackageType: "Zip" });
    expect(config).to.include({ State: "Pending", StateReasonCode: "Creating", Handler: "index.handler" });
    expect(config.Architectures).to.deep.equal(["arm64"]);
    expect(config.Environment?.Variables).to.deep.equal({ GREETING: "hi" });
    expect(config.RevisionId).to.be.a("string");
  });

  it("refuses a second function of the same name, bad names and a zip that is not one", async () => {
    await expectError(create("echo"), "ResourceConflictException", 409);
    await expectError(create("bad name!"), "ValidationException", 400);
    const badZip = test.clients.lambda.send(
      new CreateFunctionCommand({
        FunctionName: "broken",
        Runtime: "nodejs22.x",
        Role: role,
        Handler: "index.handler",
        Code: { ZipFile: Buffer.from("not a zip at all") },
      }),
    );
    const error = await expectError(badZip, "InvalidParameterValueException", 400);
    expect(error.message).to.contain("Could not unzip");
  });

  it("refuses a role that does not exist as one Lambda cannot assume", async () => {
    const error = await expectError(
      create("orphan", { Role: "arn:aws:iam::000000000000:role/nobody" }),
      "InvalidParameterValueException",
      400,
    );
    expect(error.message).to.equal("The role defined for the function cannot be assumed by Lambda.");
  });

  it("gets the function with its code location and tags, and its configuration", async () => {
    const got = await test.clients.lambda.send(new GetFunctionCommand({ FunctionName: "echo" }));
    expect(got.Configuration?.FunctionName).to.equal("echo");
    expect(got.Code?.RepositoryType).to.equal("S3");
    expect(got.Code?.Location).to.be.a("string");
    expect(got.Tags).to.deep.equal({ "s3size:stack": "test" });
    const byArn = await test.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: got.Configuration!.FunctionArn! }),
    );
    expect(byArn.CodeSha256).to.equal(got.Configuration?.CodeSha256);
    await expectError(
      test.clients.lambda.send(new GetFunctionCommand({ FunctionName: "missing" })),
      "ResourceNotFoundException",
      404,
    );
  });

  it("lists functions", async () => {
    const listed = await test.clients.lambda.send(new ListFunctionsCommand({}));
    expect(listed.Functions?.map((f) => f.FunctionName)).to.include("echo");
  });

  it("invokes and returns the handler's result with the executed version", async () => {
    const result = await test.clients.lambda.send(
      new InvokeCommand({ FunctionName: "echo", Payload: Buffer.from(JSON.stringify({ hello: "world" })) }),
    );
    expect(result.StatusCode).to.equal(200);
    expect(result.ExecutedVersion).to.equal("$LATEST");
    expect(result.FunctionError).to.equal(undefined);
    const body = decode(result.Payload);
    expect(body.event).to.deep.equal({ hello: "world" });
    expect(body.hasFile).to.equal(true);
    expect(body.context).to.include({
      functionName: "echo",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:echo",
      memoryLimitInMB: "128",
      logGroupName: "/aws/lambda/echo",
    });
    expect(body.context.logStreamName).to.match(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(body.remaining).to.be.greaterThan(0);
  });

  it("gives the function its environment, region, credentials, the endpoint and the runtime's NODE_PATH, and nothing else", async () => {
    const result = await test.clients.lambda.send(new InvokeCommand({ FunctionName: "echo" }));
    const { env } = decode(result.Payload);
    expect(env).to.include({
      GREETING: "hi",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ENDPOINT_URL: test.cloud.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: "echo",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      _HANDLER: "index.handler",
      TZ: ":UTC",
    });
    expect(env.AWS_ACCESS_KEY_ID).to.be.a("string");
    expect(env.AWS_SECRET_ACCESS_KEY).to.be.a("string");
    expect(env.AWS_SESSION_TOKEN).to.be.a("string");
    expect(env.NODE_PATH).to.equal(
      join(test.stateDir, "local", "lambda", "runtime", "nodejs", "node_modules"),
    );
    expect(env).to.not.have.any.keys("NODE_OPTIONS", "HOME", "MOCHA_COLORS");
  });

  it("lets the function call the emulator back through AWS_ENDPOINT_URL", async () => {
    const result = await test.clients.lambda.send(
      new InvokeCommand({ FunctionName: "echo", Payload: Buffer.from('{"action":"health"}') }),
    );
    const body = decode(result.Payload);
    expect(body.status).to.equal(200);
    expect(body.body.services).to.include("lambda");
  });

  it("reports a thrown error as an Unhandled function error with AWS's payload", async () => {
    const result = await test.clients.lambda.send(
      new InvokeCommand({ FunctionName: "echo", Payload: Buffer.from('{"action":"throw","tag":"x"}') }),
    );
    expect(result.StatusCode).to.equal(200);
    expect(result.FunctionError).to.equal("Unhandled");
    const body = decode(result.Payload);
    expect(body).to.include({ errorType: "TypeError", errorMessage: "boom x" });
    expect(body.trace[0]).to.equal("TypeError: boom x");
  });

  it("returns the log tail with the handler's console lines and AWS's report lines", async () => {
    const result = await test.clients.lambda.send(
      new InvokeCommand({
        FunctionName: "echo",
        Payload: Buffer.from('{"action":"log","tag":7}'),
        LogType: "Tail",
      }),
    );
    const tail = Buffer.from(result.LogResult!, "base64").toString("utf8");
    const requestId = tail.match(/START RequestId: (\S+) Version: \$LATEST/)?.[1];
    expect(requestId).to.be.a("string");
    expect(tail).to.match(
      new RegExp(
        `\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z\\t${requestId}\\tINFO\\thello from the handler \\{ tag: 7 \\}`,
      ),
    );
    expect(tail).to.contain(`ERROR\ta warning\nover two lines`);
    expect(tail).to.contain(`END RequestId: ${requestId}`);
    expect(tail).to.match(
      /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB/,
    );
  });

  it("answers DryRun with 204 and Event with 202, and rejects a payload that is not JSON", async () => {
    const dry = await test.clients.lambda.send(
      new InvokeCommand({ FunctionName: "echo", InvocationType: "DryRun" }),
    );
    expect(dry.StatusCode).to.equal(204);
    const event = await test.clients.lambda.send(
      new InvokeCommand({ FunctionName: "echo", InvocationType: "Event", Payload: Buffer.from("{}") }),
    );
    expect(event.StatusCode).to.equal(202);
    await expectError(
      test.clients.lambda.send(new InvokeCommand({ FunctionName: "echo", Payload: Buffer.from("{nope") })),
      "InvalidRequestContentException",
      400,
    );
    await expectError(
      test.clients.lambda.send(new InvokeCommand({ FunctionName: "nope" })),
      "ResourceNotFoundException",
      404,
    );
  });

  it("updates the configuration: new RevisionId, new environment seen by the next invocation", async () => {
    const before = await test.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "echo" }),
    );
    const updated = await test.clients.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: "echo",
        Environment: { Variables: { GREETING: "hello" } },
        Timeout: 10,
        MemorySize: 256,
      }),
    );
    expect(updated.RevisionId).to.not.equal(before.RevisionId);
    expect(updated).to.include({ Timeout: 10, MemorySize: 256 });
    const result = await test.clients.lambda.send(new InvokeCommand({ FunctionName: "echo" }));
    const body = decode(result.Payload);
    expect(body.env.GREETING).to.equal("hello");
    expect(body.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).to.equal("256");
    await expectError(
      test.clients.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: "echo",
          Timeout: 5,
          RevisionId: before.RevisionId,
        }),
      ),
      "PreconditionFailedException",
      412,
    );
  });

  it("updates the code: new CodeSha256 and the new code runs", async () => {
    const newZip = await zipFolder(ECHO_FUNCTION_DIR, {
      "other.mjs": 'export const handler = async () => ({ version: "two" });',
    });
    await waitUntilReady(test.clients.lambda, "echo");
    const updated = await test.clients.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: "echo", ZipFile: newZip }),
    );
    expect(updated.CodeSha256).to.equal(createHash("sha256").update(newZip).digest("base64"));
    await waitUntilReady(test.clients.lambda, "echo");
    await test.clients.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "echo", Handler: "other.handler" }),
    );
    const result = await test.clients.lambda.send(new InvokeCommand({ FunctionName: "echo" }));
    expect(decode(result.Payload)).to.deep.equal({ version: "two" });
    await waitUntilReady(test.clients.lambda, "echo");
    await expectError(
      test.clients.lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: "echo", ZipFile: Buffer.from("x") }),
      ),
      "InvalidParameterValueException",
      400,
    );
  });

  it("adds, shows and removes permissions in AWS's policy shape", async () => {
    await expectError(
      test.clients.lambda.send(new GetPolicyCommand({ FunctionName: "echo" })),
      "ResourceNotFoundException",
      404,
    );
    const added = await test.clients.lambda.send(
      new AddPermissionCommand({
        FunctionName: "echo",
        StatementId: "s3invoke",
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
        SourceArn: "arn:aws:s3:::my-bucket",
        SourceAccount: "000000000000",
      }),
    );
    expect(JSON.parse(added.Statement!).Sid).to.equal("s3invoke");
    const policy = await test.clients.lambda.send(new GetPolicyCommand({ FunctionName: "echo" }));
    expect(JSON.parse(policy.Policy!)).to.deep.equal({
      Version: "2012-10-17",
      Id: "default",
      Statement: [
        {
          Sid: "s3invoke",
          Effect: "Allow",
          Principal: { Service: "s3.amazonaws.com" },
          Action: "lambda:InvokeFunction",
          Resource: "arn:aws:lambda:us-east-1:000000000000:function:echo",
          Condition: {
            StringEquals: { "AWS:SourceAccount": "000000000000" },
            ArnLike: { "AWS:SourceArn": "arn:aws:s3:::my-bucket" },
          },
        },
      ],
    });
    await expectError(
      test.clients.lambda.send(
        new AddPermissionCommand({
          FunctionName: "echo",
          StatementId: "s3invoke",
          Action: "lambda:InvokeFunction",
          Principal: "s3.amazonaws.com",
        }),
      ),
      "ResourceConflictException",
      409,
    );
    await test.clients.lambda.send(
      new RemovePermissionCommand({ FunctionName: "echo", StatementId: "s3invoke" }),
    );
    await expectError(
      test.clients.lambda.send(
        new RemovePermissionCommand({ FunctionName: "echo", StatementId: "s3invoke" }),
      ),
      "ResourceNotFoundException",
      404,
    );
  });

  it("tags, lists and untags by ARN", async () => {
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
    await test.clients.lambda.send(
      new TagResourceCommand({ Resource: arn, Tags: { team: "a", env: "dev" } }),
    );
    await test.clients.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ["env"] }));
    const tags = await test.clients.lambda.send(new ListTagsCommand({ Resource: arn }));
    expect(tags.Tags).to.deep.equal({ "s3size:stack": "test", team: "a" });
    await expectError(
      test.clients.lambda.send(new ListTagsCommand({ Resource: `${arn}-missing` })),
      "ResourceNotFoundException",
      404,
    );
  });

  it("deletes a function, after which it is not found", async () => {
    await create("short-lived");
    await test.clients.lambda.send(new DeleteFunctionCommand({ FunctionName: "short-lived" }));
    await expectError(
      test.clients.lambda.send(new DeleteFunctionCommand({ FunctionName: "short-lived" })),
      "ResourceNotFoundException",
      404,
    );
  });
});

describe("Lambda resource policy checks", () => {
  const arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
  const statement = buildStatement(
    {
      StatementId: "s3",
      Action: "lambda:InvokeFunction",
      Principal: "s3.amazonaws.com",
      SourceArn: "arn:aws:s3:::data-*",
      SourceAccount: "000000000000",
    },
    arn,
  );

  it("allows the named service from a matching source ARN and account only", () => {
    const caller = {
      principal: "s3.amazonaws.com",
      sourceArn: "arn:aws:s3:::data-1",
      sourceAccount: "000000000000",
    };
    expect(isInvokeAllowed([statement], caller)).to.equal(true);
    expect(isInvokeAllowed([statement], { ...caller, sourceArn: "arn:aws:s3:::other" })).to.equal(false);
    expect(isInvokeAllowed([statement], { ...caller, sourceAccount: "111111111111" })).to.equal(false);
    expect(isInvokeAllowed([statement], { ...caller, principal: "apigateway.amazonaws.com" })).to.equal(
      false,
    );
    expect(isInvokeAllowed([], caller)).to.equal(false);
  });

  it("matches ArnLike wildcards as IAM does", () => {
    expect(
      arnLike(
        "arn:aws:execute-api:us-east-1:0:abc/*/GET/plot",
        "arn:aws:execute-api:us-east-1:0:abc/demo/GET/plot",
      ),
    ).to.be.true;
    expect(arnLike("arn:aws:s3:::a.b", "arn:aws:s3:::aXb")).to.be.false;
  });
});
