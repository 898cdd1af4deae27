// Issue 9: Lambda functions belong to the region the request was signed for, as on AWS; a state dir of
// the earlier single-namespace layout is converted to us-east-1's.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListFunctionsCommand,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { type FunctionRecord, FunctionStore } from "../../local/lambda/functions.ts";
import { findForService } from "../../local/lambda/lookup.ts";
import { clientsFor, startTestCloud, type TestClients, type TestCloud } from "./cloud.ts";
import {
  createFunction,
  createLambdaRole,
  decode,
  ECHO_FUNCTION_DIR,
  expectError,
  zipFolder,
} from "./fixtures/lambda.ts";

describe("local Lambda keeps functions per region", () => {
  let test: TestCloud;
  let west: TestClients;
  let role: string;
  let zip: Buffer;

  before(async () => {
    test = await startTestCloud();
    west = clientsFor(test.cloud.endpoint, "us-west-2");
    role = await createLambdaRole(test.clients.iam, "regions-role");
    zip = await zipFolder(ECHO_FUNCTION_DIR);
  });
  after(async () => {
    for (const client of Object.values(west)) client.destroy();
    await test.stop();
  });

  it("creates the same name in two regions, each with its region's ARN and environment", async () => {
    const east = await createFunction(test.clients.lambda, { name: "twin", role, zip });
    const western = await createFunction(west.lambda, { name: "twin", role, zip });
    expect(east.FunctionArn).to.equal("arn:aws:lambda:us-east-1:000000000000:function:twin");
    expect(western.FunctionArn).to.equal("arn:aws:lambda:us-west-2:000000000000:function:twin");
    const ran = decode((await west.lambda.send(new InvokeCommand({ FunctionName: "twin" }))).Payload);
    expect(ran.env.AWS_REGION).to.equal("us-west-2");
    expect(ran.context.invokedFunctionArn).to.equal(western.FunctionArn);
  });

  it("lists only the region's functions", async () => {
    await createFunction(west.lambda, { name: "west-only", role, zip });
    const east = await test.clients.lambda.send(new ListFunctionsCommand({}));
    const western = await west.lambda.send(new ListFunctionsCommand({}));
    expect(east.Functions?.map((f) => f.FunctionName)).to.deep.equal(["twin"]);
    expect(western.Functions?.map((f) => f.FunctionName)).to.deep.equal(["twin", "west-only"]);
  });

  it("does not find another region's function by name, and says so for its ARN", async () => {
    await expectError(
      test.clients.lambda.send(new GetFunctionCommand({ FunctionName: "west-only" })),
      "ResourceNotFoundException",
      404,
    );
    const error = await expectError(
      test.clients.lambda.send(
        new GetFunctionCommand({ FunctionName: "arn:aws:lambda:us-west-2:000000000000:function:west-only" }),
      ),
      "ResourceNotFoundException",
      404,
    );
    expect(error.message).to.equal(
      "Functions from 'us-west-2' are not reachable in this region ('us-east-1')",
    );
  });

  it("deletes one region's function and leaves the other's", async () => {
    await west.lambda.send(new DeleteFunctionCommand({ FunctionName: "twin" }));
    const east = await test.clients.lambda.send(new InvokeCommand({ FunctionName: "twin" }));
    expect(decode(east.Payload).env.AWS_REGION).to.equal("us-east-1");
    await expectError(
      west.lambda.send(new GetFunctionCommand({ FunctionName: "twin" })),
      "ResourceNotFoundException",
      404,
    );
  });

  it("lets other services find a function by its full ARN, or by name in the caller's region", () => {
    const root = mkdtempSync(join(tmpdir(), "s3size-lookup-"));
    try {
      const store = new FunctionStore(root);
      const record = (region: string) => ({ name: "shared", region }) as FunctionRecord;
      store.add(record("us-east-1"));
      store.add(record("eu-west-1"));
      const eastArn = "arn:aws:lambda:us-east-1:000000000000:function:shared";
      expect(findForService(store, eastArn, "eu-west-1").region).to.equal("us-east-1");
      expect(findForService(store, "shared", "eu-west-1").region).to.equal("eu-west-1");
      expect(() => findForService(store, "shared", "ap-south-1")).to.throw("Function not found");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("local Lambda converts a state dir of the single-namespace layout", () => {
  it("keeps an old function as us-east-1's, with its code, and invokes it", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "s3size-old-lambda-"));
    const zip = await zipFolder(ECHO_FUNCTION_DIR);
    const digest = createHash("sha256").update(zip).digest();
    const hash = digest.toString("hex");
    const lambdaDir = join(stateDir, "local", "lambda");
    mkdirSync(join(lambdaDir, "zips", "legacy"), { recursive: true });
    writeFileSync(join(lambdaDir, "zips", "legacy", `${hash}.zip`), zip);
    const record = {
      name: "legacy",
      runtime: "nodejs22.x",
      role: "arn:aws:iam::000000000000:role/legacy",
      handler: "index.handler",
      description: "",
      timeout: 3,
      memorySize: 128,
      architectures: ["x86_64"],
      codeSha256: digest.toString("base64"),
      codeSize: zip.length,
      codeHash: hash,
      lastModified: "2026-01-01T00:00:00.000+0000",
      revisionId: "r1",
      generation: 1,
      createdAt: 0,
      updatedAt: 0,
      policy: [],
      tags: {},
    };
    writeFileSync(join(lambdaDir, "functions.json"), JSON.stringify([record]));
    const test = await startTestCloud({ stateDir });
    try {
      // The function's execution role, as the old state dir's IAM would have held it.
      await createLambdaRole(test.clients.iam, "legacy");
      const got = await test.clients.lambda.send(new GetFunctionCommand({ FunctionName: "legacy" }));
      expect(got.Configuration?.FunctionArn).to.equal(
        "arn:aws:lambda:us-east-1:000000000000:function:legacy",
      );
      expect(got.Configuration?.CodeSha256).to.equal(record.codeSha256);
      const ran = await test.clients.lambda.send(new InvokeCommand({ FunctionName: "legacy" }));
      expect(decode(ran.Payload).env.AWS_REGION).to.equal("us-east-1");
    } finally {
      await test.stop();
    }
  });
});
