// PutFunctionEventInvokeConfig and its siblings as AWS answers them: shapes, Put replacing and Update
// merging, AWS's validation messages, destinations Lambda can deliver to and the role may use.
import {
  DeleteFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { createFunction, ECHO_FUNCTION_DIR, expectError, zipFolder } from "./fixtures/lambda.ts";
import {
  DENIED_ROLE,
  type LambdaWithFakes,
  ROLE,
  removeDataDir,
  startLambdaWithFakes,
} from "./fixtures/lambda-with-fakes.ts";

const ARN = "arn:aws:lambda:us-east-1:000000000000:function";
const QUEUE = "arn:aws:sqs:us-east-1:000000000000:s3size-failures";

describe("local Lambda event invoke configuration", () => {
  let cloud: LambdaWithFakes;
  let zip: Buffer;
  before(async () => {
    cloud = await startLambdaWithFakes();
    zip = await zipFolder(ECHO_FUNCTION_DIR);
    await createFunction(cloud.lambda, { name: "configured", role: ROLE, zip });
    await createFunction(cloud.lambda, { name: "target", role: ROLE, zip });
    await createFunction(cloud.lambda, { name: "locked-in", role: DENIED_ROLE, zip });
  });
  after(async () => {
    await cloud.stop();
    removeDataDir(cloud.dataDir);
  });

  it("puts, gets, lists, updates and deletes a configuration in AWS's shapes", async () => {
    const put = await cloud.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "configured",
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: QUEUE } },
      }),
    );
    expect(put.FunctionArn).to.equal(`${ARN}:configured:$LATEST`);
    expect(put.MaximumRetryAttempts).to.equal(1);
    expect(put.MaximumEventAgeInSeconds).to.equal(undefined);
    expect(put.DestinationConfig).to.deep.equal({ OnSuccess: {}, OnFailure: { Destination: QUEUE } });
    expect(put.LastModified).to.be.instanceOf(Date);

    const updated = await cloud.lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: "configured",
        MaximumEventAgeInSeconds: 3600,
      }),
    );
    expect(updated).to.deep.include({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 });
    expect(updated.DestinationConfig).to.deep.equal({ OnSuccess: {}, OnFailure: { Destination: QUEUE } });

    const got = await cloud.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: `${ARN}:configured` }),
    );
    expect(got).to.deep.include({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 });
    const listed = await cloud.lambda.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: "configured" }),
    );
    expect(listed.FunctionEventInvokeConfigs?.map((config) => config.FunctionArn)).to.deep.equal([
      `${ARN}:configured:$LATEST`,
    ]);

    // Put replaces the whole configuration: what it does not name is gone.
    const replaced = await cloud.lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: "configured", MaximumEventAgeInSeconds: 60 }),
    );
    expect(replaced.MaximumRetryAttempts).to.equal(undefined);
    expect(replaced.DestinationConfig).to.deep.equal({ OnSuccess: {}, OnFailure: {} });

    const deleted = await cloud.lambda.send(
      new DeleteFunctionEventInvokeConfigCommand({ FunctionName: "configured" }),
    );
    expect(deleted.$metadata.httpStatusCode).to.equal(204);
    const gone = await expectError(
      cloud.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: "configured" })),
      "ResourceNotFoundException",
      404,
    );
    expect(gone.message).to.equal(`The function ${ARN}:configured:$LATEST doesn't have an EventInvokeConfig`);
    const empty = await cloud.lambda.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: "configured" }),
    );
    expect(empty.FunctionEventInvokeConfigs).to.deep.equal([]);
  });

  it("refuses out-of-range settings and malformed ARNs with AWS's validation messages", async () => {
    const put = (input: Record<string, unknown>) =>
      cloud.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: "configured", ...input }));
    const retries = await expectError(put({ MaximumRetryAttempts: 3 }), "ValidationException", 400);
    expect(retries.message).to.equal(
      "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    );
    const both = await expectError(
      put({ MaximumRetryAttempts: -1, MaximumEventAgeInSeconds: 59 }),
      "ValidationException",
      400,
    );
    expect(both.message).to.equal(
      "2 validation errors detected: Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0; Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
    );
    const age = await expectError(put({ MaximumEventAgeInSeconds: 21_601 }), "ValidationException", 400);
    expect(age.message).to.contain("Member must have value less than or equal to 21600");
    const arn = await expectError(
      put({ DestinationConfig: { OnSuccess: { Destination: "invalid" } } }),
      "ValidationException",
      400,
    );
    expect(arn.message).to.equal(
      "1 validation error detected: Value 'invalid' at 'destinationConfig.onSuccess.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)",
    );
    const nothing = await expectError(put({}), "InvalidParameterValueException", 400);
    expect(nothing.message).to.equal(
      "You must specify at least one of error handling or destination setting.",
    );
  });

  it("refuses destinations Lambda cannot deliver to, itself, a missing function, and ones the role may not use", async () => {
    const put = (name: string, destination: string) =>
      cloud.lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: name,
          DestinationConfig: { OnFailure: { Destination: destination } },
        }),
      );
    const bucket = await expectError(
      put("configured", "arn:aws:s3:::a-bucket"),
      "InvalidParameterValueException",
      400,
    );
    expect(bucket.message).to.equal(
      "The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=arn:aws:s3:::a-bucket)) is invalid.",
    );
    const self = await expectError(
      put("configured", `${ARN}:configured`),
      "InvalidParameterValueException",
      400,
    );
    expect(self.message).to.equal("You can't specify the function as a destination for itself.");
    const missing = await expectError(
      put("configured", `${ARN}:nowhere`),
      "InvalidParameterValueException",
      400,
    );
    expect(missing.message).to.equal(`The destination ARN ${ARN}:nowhere is invalid.`);
    const denied = await expectError(put("locked-in", QUEUE), "InvalidParameterValueException", 400);
    expect(denied.message).to.equal(`The destination ARN ${QUEUE} is invalid.`);
    await put("configured", `${ARN}:target`);
  });

  it("answers missing functions and configurations, prototype names included, as not found", async () => {
    for (const name of ["nowhere", "__proto__", "constructor", "toString"]) {
      const put = await expectError(
        cloud.lambda.send(
          new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }),
        ),
        "ResourceNotFoundException",
        404,
      );
      expect(put.message).to.equal("The function doesn't exist.");
      await expectError(
        cloud.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })),
        "ResourceNotFoundException",
        404,
      );
    }
    await cloud.lambda
      .send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: "configured" }))
      .catch(() => {});
    await expectError(
      cloud.lambda.send(
        new UpdateFunctionEventInvokeConfigCommand({ FunctionName: "configured", MaximumRetryAttempts: 0 }),
      ),
      "ResourceNotFoundException",
      404,
    );
  });

  it("forgets the configuration of a function deleted and made again", async () => {
    await createFunction(cloud.lambda, { name: "reborn", role: ROLE, zip });
    await cloud.lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: "reborn", MaximumRetryAttempts: 0 }),
    );
    await cloud.lambda.send(new DeleteFunctionCommand({ FunctionName: "reborn" }));
    await createFunction(cloud.lambda, { name: "reborn", role: ROLE, zip });
    await expectError(
      cloud.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: "reborn" })),
      "ResourceNotFoundException",
      404,
    );
  });
});
