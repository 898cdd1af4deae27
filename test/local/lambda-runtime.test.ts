import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeLogGroupsCommand, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import {
  createFunction,
  createLambdaRole,
  decode,
  ECHO_FUNCTION_DIR,
  expectError,
  zipFolder,
} from "./fixtures/lambda.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => T | undefined, what: string, limitMs = 20_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("local Lambda execution environments", () => {
  let test: TestCloud;
  let role: string;
  let zip: Buffer;
  let scratch: string;

  before(async () => {
    test = await startTestCloud({ realism: { asyncRetryDelayMs: 20 } });
    role = await createLambdaRole(test.clients.iam, "runtime-role");
    zip = await zipFolder(ECHO_FUNCTION_DIR);
    scratch = mkdtempSync(join(tmpdir(), "s3size-lambda-scratch-"));
  });
  after(async () => {
    await test.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const create = (name: string, extra: Record<string, unknown> = {}) =>
    createFunction(test.clients.lambda, { name, role, zip }, extra);
  const invoke = (name: string, event: unknown = {}) =>
    test.clients.lambda.send(
      new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }),
    );

  it("reuses a warm environment: module state survives between invocations", async () => {
    await create("warm");
    const first = decode((await invoke("warm")).Payload);
    const second = decode((await invoke("warm")).Payload);
    expect(second.invocations).to.equal(first.invocations + 1);
    expect(second.context.logStreamName).to.equal(first.context.logStreamName);
  });

  it("starts a fresh environment after a configuration update", async () => {
    await test.clients.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "warm", Description: "v2" }),
    );
    const after = decode((await invoke("warm")).Payload);
    expect(after.invocations).to.equal(1);
  });

  it("runs concurrent invocations in separate environments at the same time", async () => {
    await create("parallel");
    const dir = mkdtempSync(join(scratch, "rendezvous-"));
    const [a, b] = await Promise.all([
      invoke("parallel", { action: "rendezvous", dir, id: "a" }),
      invoke("parallel", { action: "rendezvous", dir, id: "b" }),
    ]);
    expect(decode(a.Payload).sawOther).to.equal(2);
    expect(decode(b.Payload).sawOther).to.equal(2);
    const time = (file: string) => Number(readFileSync(join(dir, file), "utf8"));
    expect(time("a.start")).to.be.at.most(time("b.end"));
    expect(time("b.start")).to.be.at.most(time("a.end"));
  });

  it("kills an invocation past its timeout with Sandbox.Timedout, and the next one still runs", async () => {
    await create("slow", { Timeout: 1 });
    const result = await invoke("slow", { action: "sleep", ms: 30_000 });
    expect(result.FunctionError).to.equal("Unhandled");
    const body = decode(result.Payload);
    expect(body.errorType).to.equal("Sandbox.Timedout");
    expect(body.errorMessage).to.match(/Task timed out after 1\.00 seconds$/);
    const next = decode((await invoke("slow")).Payload);
    expect(next.invocations).to.equal(1);
  });

  it("fails only the invocation whose process exits, and starts a new environment for the next", async () => {
    await create("crashy");
    const result = await invoke("crashy", { action: "exit" });
    expect(result.FunctionError).to.equal("Unhandled");
    const body = decode(result.Payload);
    expect(body.errorType).to.equal("Runtime.ExitError");
    expect(body.errorMessage).to.contain("exit status 3");
    expect(decode((await invoke("crashy")).Payload).invocations).to.equal(1);
  });

  it("reports a missing handler module as an init error", async () => {
    await create("no-module", { Handler: "missing.handler" });
    const result = await invoke("no-module");
    expect(result.FunctionError).to.equal("Unhandled");
    expect(decode(result.Payload).errorType).to.equal("Runtime.ImportModuleError");
  });

  it("retries a failing Event invocation twice, then gives up", async () => {
    await create("flaky");
    const file = join(scratch, "attempts.txt");
    const lines = () => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);
    const accepted = await test.clients.lambda.send(
      new InvokeCommand({
        FunctionName: "flaky",
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify({ action: "append-then-throw", file })),
      }),
    );
    expect(accepted.StatusCode).to.equal(202);
    await waitFor(() => (lines().length >= 3 ? true : undefined), "three attempts");
    await sleep(500);
    expect(lines()).to.have.length(3);
    expect(new Set(lines()).size).to.equal(3);
  });

  it("writes the function's output and report lines to its log group", async () => {
    await invoke("warm", { action: "log", tag: "find-me" });
    const found = await test.clients.logs.send(
      new FilterLogEventsCommand({
        logGroupName: "/aws/lambda/warm",
        filterPattern: '"hello from the handler"',
      }),
    );
    expect(found.events).to.have.length(1);
    expect(found.events![0]!.message).to.match(/\tINFO\thello from the handler \{ tag: 'find-me' \}$/);
    expect(found.events![0]!.logStreamName).to.match(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const reports = await test.clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: "/aws/lambda/warm", filterPattern: "REPORT" }),
    );
    expect(reports.events!.length).to.be.at.least(4);
    expect(reports.events![0]!.message).to.match(/^REPORT RequestId: [0-9a-f-]{36}\tDuration: /);
  });

  it("keeps no logs for a function whose role may not write them, and still runs it", async () => {
    const trust = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    };
    const bare = await test.clients.iam.send(
      new CreateRoleCommand({ RoleName: "no-logs-role", AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    await createFunction(test.clients.lambda, { name: "silent", role: bare.Role!.Arn!, zip });
    const result = decode((await invoke("silent", { action: "log", tag: "unseen" })).Payload);
    expect(result).to.deep.equal({ logged: true });
    const groups = await test.clients.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/silent" }),
    );
    expect(groups.logGroups).to.deep.equal([]);
  });
});

describe("local Lambda realism switches and restarts", () => {
  let test: TestCloud;
  let zip: Buffer;

  before(async () => {
    test = await startTestCloud();
    zip = await zipFolder(ECHO_FUNCTION_DIR);
  });
  after(() => test.stop());

  const create = (name: string, role: string, wait = true) =>
    createFunction(test.clients.lambda, { name, role, zip, wait });

  it("refuses a role still propagating in IAM, and accepts it once the delay is over", async () => {
    test.cloud.realism.iamPropagationMs = 60_000;
    const role = await createLambdaRole(test.clients.iam, "fresh-role");
    const error = await expectError(create("early", role), "InvalidParameterValueException", 400);
    expect(error.message).to.equal("The role defined for the function cannot be assumed by Lambda.");
    test.cloud.realism.iamPropagationMs = 0;
    const created = await create("early", role);
    expect(created.FunctionName).to.equal("early");
  });

  it("keeps a new function Pending, refusing invokes and updates with 409 until it is Active", async () => {
    const role = await createLambdaRole(test.clients.iam, "pending-role");
    test.cloud.realism.functionPendingMs = 60_000;
    const created = await create("pending", role, false);
    expect(created.State).to.equal("Pending");
    expect(created.StateReasonCode).to.equal("Creating");
    await expectError(
      test.clients.lambda.send(new InvokeCommand({ FunctionName: "pending" })),
      "ResourceConflictException",
      409,
    );
    await expectError(
      test.clients.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: "pending", Timeout: 5 }),
      ),
      "ResourceConflictException",
      409,
    );
    test.cloud.realism.functionPendingMs = 0;
    const config = await test.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "pending" }),
    );
    expect(config.State).to.equal("Active");
  });

  it("keeps an update InProgress, refusing a second update with 409 until it is Successful", async () => {
    test.cloud.realism.functionUpdateMs = 60_000;
    const updated = await test.clients.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "pending", Timeout: 5 }),
    );
    expect(updated.LastUpdateStatus).to.equal("InProgress");
    const error = await expectError(
      test.clients.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: "pending", Timeout: 6 }),
      ),
      "ResourceConflictException",
      409,
    );
    expect(error.message).to.contain("An update is in progress");
    test.cloud.realism.functionUpdateMs = 0;
    const config = await test.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "pending" }),
    );
    expect(config.LastUpdateStatus).to.equal("Successful");
  });

  it("keeps functions, policies and logs across a restart, and invokes them again", async () => {
    await test.clients.lambda.send(
      new AddPermissionCommand({
        FunctionName: "early",
        StatementId: "api",
        Action: "lambda:InvokeFunction",
        Principal: "apigateway.amazonaws.com",
      }),
    );
    await test.clients.lambda.send(
      new InvokeCommand({ FunctionName: "early", Payload: Buffer.from('{"action":"log","tag":"before"}') }),
    );
    await test.stop(false);
    test = await startTestCloud({ stateDir: test.stateDir });
    const result = await test.clients.lambda.send(
      new InvokeCommand({ FunctionName: "early", Payload: Buffer.from('{"action":"log","tag":"after"}') }),
    );
    expect(decode(result.Payload)).to.deep.equal({ logged: true });
    const policy = await test.clients.lambda.send(new GetPolicyCommand({ FunctionName: "early" }));
    expect(JSON.parse(policy.Policy!).Statement[0].Sid).to.equal("api");
    const logged = await test.clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: "/aws/lambda/early", filterPattern: "hello" }),
    );
    expect(logged.events!.map((event) => event.message!.match(/tag: '(\w+)'/)?.[1])).to.deep.equal([
      "before",
      "after",
    ]);
  });
});
