// Issue 9: with the default settings a new function is Pending and an updated one InProgress for a
// short while, so a client that does not wait fails as it would on AWS, and one that waits (the CLI's
// waiter) succeeds.
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { waitUntilReady } from "../../cli/provision/functions.ts";
import { DEFAULT_REALISM } from "../../local/types.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import {
  createFunction,
  createLambdaRole,
  decode,
  ECHO_FUNCTION_DIR,
  expectError,
  zipFolder,
} from "./fixtures/lambda.ts";

describe("local Lambda function states with the default settings", () => {
  let test: TestCloud;
  let role: string;
  let zip: Buffer;
  const arn = "arn:aws:lambda:us-east-1:000000000000:function:stateful";

  before(async () => {
    test = await startTestCloud({ realism: {} });
    role = await createLambdaRole(test.clients.iam, "states-role");
    zip = await zipFolder(ECHO_FUNCTION_DIR);
  });
  after(() => test.stop());

  it("uses a realistic Pending and InProgress time by default", () => {
    expect(test.cloud.realism.functionPendingMs).to.equal(DEFAULT_REALISM.functionPendingMs);
    expect(DEFAULT_REALISM.functionPendingMs).to.be.within(100, 2000);
    expect(DEFAULT_REALISM.functionUpdateMs).to.be.within(100, 2000);
  });

  it("creates a function Pending, refuses to invoke it until the CLI's waiter sees it Active", async () => {
    const created = await createFunction(test.clients.lambda, { name: "stateful", role, zip, wait: false });
    expect(created).to.include({
      State: "Pending",
      StateReason: "The function is being created.",
      StateReasonCode: "Creating",
    });
    // Longer while the test checks the conflict, so a busy machine cannot let Pending end first.
    test.cloud.realism.functionPendingMs = 60_000;
    const error = await expectError(
      test.clients.lambda.send(new InvokeCommand({ FunctionName: "stateful" })),
      "ResourceConflictException",
      409,
    );
    expect(error.message).to.equal(
      "The operation cannot be performed at this time. The function is currently in the following state: Pending",
    );
    test.cloud.realism.functionPendingMs = DEFAULT_REALISM.functionPendingMs;
    const ready = await waitUntilReady(test.clients.lambda, "stateful");
    expect(ready.State).to.equal("Active");
    const result = await test.clients.lambda.send(
      new InvokeCommand({ FunctionName: "stateful", Payload: Buffer.from('{"n":1}') }),
    );
    expect(decode(result.Payload).event).to.deep.equal({ n: 1 });
  });

  it("keeps an update InProgress, refusing the next update until the CLI's waiter sees it Successful", async () => {
    const updated = await test.clients.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "stateful", Timeout: 5 }),
    );
    expect(updated).to.include({ LastUpdateStatus: "InProgress", LastUpdateStatusReasonCode: "Updating" });
    test.cloud.realism.functionUpdateMs = 60_000;
    const error = await expectError(
      test.clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "stateful", ZipFile: zip })),
      "ResourceConflictException",
      409,
    );
    expect(error.message).to.equal(
      `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`,
    );
    // Invoking during an update runs the function, as on AWS.
    const during = await test.clients.lambda.send(new InvokeCommand({ FunctionName: "stateful" }));
    expect(during.StatusCode).to.equal(200);
    test.cloud.realism.functionUpdateMs = DEFAULT_REALISM.functionUpdateMs;
    const ready = await waitUntilReady(test.clients.lambda, "stateful");
    expect(ready).to.include({ LastUpdateStatus: "Successful", Timeout: 5 });
    const after = await test.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "stateful" }),
    );
    expect(after.LastUpdateStatusReasonCode).to.equal(undefined);
    await test.clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "stateful", ZipFile: zip }));
  });
});
