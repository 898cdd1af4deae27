// Issue 9: what AWS's runtimes give function code. Node.js 18+ functions import the AWS SDK v3 unbundled
// (and nothing else of this project's packages); python3.x functions run under the host's Python with
// boto3 when the host has it; a runtime the machine cannot run fails when invoked, naming what is missing.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { createFunction, createLambdaRole, decode } from "./fixtures/lambda.ts";
import { craftZip } from "./fixtures/zip.ts";

const STUDENT_FUNCTION = `
import { S3Client, ListBucketsCommand } from "@aws-sdk/client-s3";
import { DynamoDBClient, CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand } from "@aws-sdk/lib-dynamodb";

const s3 = new S3Client({});
const ddb = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(ddb);

export const handler = async () => {
  const buckets = await s3.send(new ListBucketsCommand({}));
  await ddb.send(new CreateTableCommand({
    TableName: "student",
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    BillingMode: "PAY_PER_REQUEST",
  }));
  await doc.send(new PutCommand({ TableName: "student", Item: { id: "a", size: 42 } }));
  const item = await doc.send(new GetCommand({ TableName: "student", Key: { id: "a" } }));
  return { buckets: buckets.Buckets.map((b) => b.Name), item: item.Item };
};`;

/** Tries a bare import and a bare require of `name`; returns what each did. */
const CONFINED_FUNCTION = `
exports.handler = async (event) => {
  const outcome = {};
  try { require(event.name); outcome.require = "loaded"; } catch (error) { outcome.require = error.code; }
  try { await import(event.name); outcome.import = "loaded"; } catch (error) { outcome.import = error.code; }
  try { require("@aws-sdk/client-s3"); outcome.sdk = "loaded"; } catch (error) { outcome.sdk = error.code; }
  return outcome;
};`;

const PYTHON_FUNCTION = `
import json
import logging
import os
import sys

logger = logging.getLogger()

def handler(event, context):
    print("hello from python", event.get("tag"))
    logger.warning("a warning\\nover two lines")
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
        "region": os.environ["AWS_REGION"],
        "python": sys.version_info[0],
    }

def fail(event, context):
    raise ValueError("bad input " + str(event.get("n")))

def buckets(event, context):
    import boto3
    return sorted(bucket["Name"] for bucket in boto3.client("s3").list_buckets()["Buckets"])
`;

function hostHas(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("local Lambda runtimes", () => {
  let test: TestCloud;
  let role: string;
  let outside: string;

  before(async () => {
    // A state dir inside a "project" whose node_modules holds a package function code must not reach,
    // and whose package.json would make every .js file an ES module.
    outside = mkdtempSync(join(tmpdir(), "s3size-project-"));
    mkdirSync(join(outside, "node_modules", "leaky"), { recursive: true });
    writeFileSync(
      join(outside, "node_modules", "leaky", "package.json"),
      '{"name":"leaky","main":"index.js"}',
    );
    writeFileSync(join(outside, "node_modules", "leaky", "index.js"), "module.exports = 1;");
    writeFileSync(join(outside, "package.json"), '{"type":"module"}');
    test = await startTestCloud({ stateDir: join(outside, "state") });
    role = await createLambdaRole(test.clients.iam, "runtimes-role");
    // What the functions below call, granted to their role as a student would grant it.
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:ListAllMyBuckets", "dynamodb:CreateTable", "dynamodb:PutItem", "dynamodb:GetItem"],
          Resource: "*",
        },
      ],
    };
    await test.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: "runtimes-role",
        PolicyName: "calls",
        PolicyDocument: JSON.stringify(policy),
      }),
    );
    await test.clients.s3.send(new CreateBucketCommand({ Bucket: "student-bucket" }));
  });
  after(async () => {
    await test.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  const invoke = async (name: string, event: unknown = {}, tail = false) => {
    const result = await test.clients.lambda.send(
      new InvokeCommand({
        FunctionName: name,
        Payload: Buffer.from(JSON.stringify(event)),
        ...(tail ? { LogType: "Tail" as const } : {}),
      }),
    );
    return {
      body: decode(result.Payload),
      error: result.FunctionError,
      log: Buffer.from(result.LogResult ?? "", "base64").toString("utf8"),
    };
  };

  it("runs an unbundled nodejs22.x function that imports @aws-sdk/client-s3, client-dynamodb and lib-dynamodb", async () => {
    const zip = craftZip([{ name: "index.mjs", content: STUDENT_FUNCTION }]);
    await createFunction(test.clients.lambda, { name: "student", role, zip }, { Timeout: 30 });
    const { body, error } = await invoke("student");
    expect(error, JSON.stringify(body)).to.equal(undefined);
    expect(body.buckets).to.include("student-bucket");
    expect(body.item).to.deep.equal({ id: "a", size: 42 });
  });

  it("keeps the project's own packages out of reach of function code, by import and by require", async () => {
    const zip = craftZip([{ name: "index.js", content: CONFINED_FUNCTION }]);
    await createFunction(test.clients.lambda, { name: "confined", role, zip });
    const { body, error } = await invoke("confined", { name: "leaky" });
    expect(error, JSON.stringify(body)).to.equal(undefined);
    expect(body).to.deep.equal({
      require: "MODULE_NOT_FOUND",
      import: "ERR_MODULE_NOT_FOUND",
      sdk: "loaded",
    });
    const project = await invoke("confined", { name: "commander" });
    expect(project.body).to.include({ require: "MODULE_NOT_FOUND", import: "ERR_MODULE_NOT_FOUND" });
  });

  it("answers a client library the runtime lacks with AWS's Runtime.ImportModuleError", async () => {
    const code = 'import { X } from "@aws-sdk/client-not-a-service";\nexport const handler = async () => X;';
    await createFunction(test.clients.lambda, {
      name: "missing-lib",
      role,
      zip: craftZip([{ name: "index.mjs", content: code }]),
    });
    const { body, error } = await invoke("missing-lib");
    expect(error).to.equal("Unhandled");
    expect(body.errorType).to.equal("Runtime.ImportModuleError");
    expect(body.errorMessage).to.match(
      /^Error: Cannot find package '@aws-sdk\/client-not-a-service' imported from /,
    );
  });

  describe("python3.12", () => {
    before(function () {
      if (!hostHas("python3", ["--version"])) {
        console.log("      (skipped: python3 is not installed on this machine)");
        this.skip();
      }
    });

    const createPython = (name: string, handler: string) =>
      createFunction(
        test.clients.lambda,
        { name, role, zip: craftZip([{ name: "app.py", content: PYTHON_FUNCTION }]) },
        { Runtime: "python3.12", Handler: handler },
      );

    it("runs a handler module.function with the event and AWS's context object, logging as AWS does", async () => {
      await createPython("py-echo", "app.handler");
      const { body, error, log } = await invoke("py-echo", { tag: 7 }, true);
      expect(error, JSON.stringify(body)).to.equal(undefined);
      expect(body).to.include({
        function_name: "py-echo",
        arn: "arn:aws:lambda:us-east-1:000000000000:function:py-echo",
        memory: "128",
        region: "us-east-1",
        python: 3,
      });
      expect(body.event).to.deep.equal({ tag: 7 });
      expect(body.request_id).to.match(/^[0-9a-f-]{36}$/);
      expect(body.remaining).to.be.within(1, 3000);
      expect(log).to.contain("hello from python 7");
      expect(log).to.match(
        /\[WARNING\]\t\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[0-9a-f-]{36}\ta warning\nover two lines/,
      );
      expect(log).to.match(/REPORT RequestId: [0-9a-f-]{36}\tDuration/);
    });

    it("reports a raised exception as {errorMessage, errorType, stackTrace}", async () => {
      await createPython("py-fail", "app.fail");
      const { body, error } = await invoke("py-fail", { n: 3 });
      expect(error).to.equal("Unhandled");
      expect(body).to.include({ errorMessage: "bad input 3", errorType: "ValueError" });
      expect(body.stackTrace.join("")).to.contain('app.py", line');
    });

    it("reports a handler that does not exist as Runtime.HandlerNotFound", async () => {
      await createPython("py-missing", "app.nothing");
      const { body } = await invoke("py-missing");
      expect(body).to.include({
        errorType: "Runtime.HandlerNotFound",
        errorMessage: "Handler 'nothing' missing on module 'app'",
      });
    });

    it("calls the local cloud with boto3 when the host has it", async function () {
      if (!hostHas("python3", ["-c", "import boto3"])) {
        console.log("      (skipped: the host's python3 has no boto3)");
        this.skip();
      }
      await createPython("py-boto3", "app.buckets");
      const { body, error } = await invoke("py-boto3");
      expect(error, JSON.stringify(body)).to.equal(undefined);
      expect(body).to.include("student-bucket");
    });

    it("still creates the function when python3 is missing, and invoking names what is missing", async () => {
      await createPython("py-nowhere", "app.handler");
      const path = process.env.PATH;
      process.env.PATH = mkdtempSync(join(tmpdir(), "s3size-empty-path-"));
      try {
        const { body, error } = await invoke("py-nowhere");
        expect(error).to.equal("Unhandled");
        expect(body.errorType).to.equal("Runtime.InvalidEntrypoint");
        expect(body.errorMessage).to.contain("neither python3.12 nor python3 was found on PATH");
      } finally {
        process.env.PATH = path;
      }
    });
  });

  it("accepts a runtime the local cloud cannot run, and says so when it is invoked", async () => {
    const zip = craftZip([{ name: "Handler.java", content: "class Handler {}" }]);
    await createFunction(
      test.clients.lambda,
      { name: "javaish", role, zip },
      { Runtime: "java21", Handler: "Handler::run" },
    );
    const { body, error } = await invoke("javaish");
    expect(error).to.equal("Unhandled");
    expect(body.errorType).to.equal("Runtime.InvalidEntrypoint");
    expect(body.errorMessage).to.contain("java21");
  });
});

describe("local Lambda's Node.js runtime with no node_modules folder above the state dir", () => {
  let test: TestCloud;
  let role: string;

  before(async () => {
    test = await startTestCloud();
    role = await createLambdaRole(test.clients.iam, "plain-role");
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:ListAllMyBuckets", "dynamodb:*"], Resource: "*" }],
    };
    await test.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: "plain-role",
        PolicyName: "calls",
        PolicyDocument: JSON.stringify(policy),
      }),
    );
  });
  after(() => test.stop());

  it("finds the SDK without a resolution hook, and still not the project's packages", async () => {
    const zips = {
      student: craftZip([{ name: "index.mjs", content: STUDENT_FUNCTION }]),
      confined: craftZip([{ name: "index.js", content: CONFINED_FUNCTION }]),
    };
    for (const [name, zip] of Object.entries(zips)) {
      await createFunction(test.clients.lambda, { name, role, zip }, { Timeout: 30 });
    }
    const call = async (name: string, event: unknown) =>
      decode(
        (
          await test.clients.lambda.send(
            new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }),
          )
        ).Payload,
      );
    expect((await call("student", {})).item).to.deep.equal({ id: "a", size: 42 });
    expect(await call("confined", { name: "commander" })).to.deep.equal({
      require: "MODULE_NOT_FOUND",
      import: "ERR_MODULE_NOT_FOUND",
      sdk: "loaded",
    });
  });
});
