// Issue 9: what Lambda refuses in CreateFunction, UpdateFunctionConfiguration and UpdateFunctionCode,
// with AWS's exception, status and words.
import { UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import {
  createFunction,
  createLambdaRole,
  ECHO_FUNCTION_DIR,
  expectError,
  zipFolder,
} from "./fixtures/lambda.ts";

describe("local Lambda validates a function's configuration as AWS does", () => {
  let test: TestCloud;
  let role: string;
  let zip: Buffer;

  before(async () => {
    test = await startTestCloud();
    role = await createLambdaRole(test.clients.iam, "validation-role");
    zip = await zipFolder(ECHO_FUNCTION_DIR);
  });
  after(() => test.stop());

  const create = (extra: Record<string, unknown>, name = "checked") =>
    createFunction(test.clients.lambda, { name, role, zip }, extra);
  const refused = async (extra: Record<string, unknown>, name: string, status = 400) =>
    (await expectError(create(extra), name, status)).message;

  it("refuses architecture sparc, and more than one architecture", async () => {
    expect(await refused({ Architectures: ["sparc"] }, "ValidationException")).to.equal(
      "1 validation error detected: Value '[sparc]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
    );
    expect(await refused({ Architectures: ["x86_64", "arm64"] }, "ValidationException")).to.equal(
      "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
    );
  });

  it("refuses a runtime outside AWS's enum, naming the values it accepts", async () => {
    const message = await refused({ Runtime: "nodejs99.x" }, "InvalidParameterValueException");
    expect(message).to.match(
      /^Value nodejs99\.x at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[nodejs, .*python3\.12, .*\] or be a valid ARN$/,
    );
  });

  it("refuses a deprecated runtime for creating and updating, as AWS does", async () => {
    expect(await refused({ Runtime: "nodejs12.x" }, "InvalidParameterValueException")).to.equal(
      "The runtime parameter of nodejs12.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs24.x) while creating or updating functions.",
    );
    expect(await refused({ Runtime: "python3.7" }, "InvalidParameterValueException")).to.contain(
      "The runtime parameter of python3.7 is no longer supported",
    );
  });

  it("refuses memory outside 128–10240 MB and a timeout outside 1–900 s", async () => {
    expect(await refused({ MemorySize: 100 }, "ValidationException")).to.equal(
      "1 validation error detected: Value '100' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    );
    expect(await refused({ MemorySize: 10241 }, "ValidationException")).to.contain(
      "Member must have value less than or equal to 10240",
    );
    expect(await refused({ Timeout: 901 }, "ValidationException")).to.equal(
      "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
    );
    expect(await refused({ Timeout: 0 }, "ValidationException")).to.contain(
      "Member must have value greater than or equal to 1",
    );
  });

  it("reports every constraint a request breaks in one ValidationException", async () => {
    const message = await refused({ MemorySize: 64, Timeout: 1000 }, "ValidationException");
    expect(message).to.match(
      /^2 validation errors detected: Value '1000' at 'timeout' .*; Value '64' at 'memorySize' /,
    );
  });

  it("refuses environment variables over 4 KB in total, measuring them as AWS does", async () => {
    const variables = { BIG: "x".repeat(4090) };
    expect(
      await refused({ Environment: { Variables: variables } }, "InvalidParameterValueException"),
    ).to.equal(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(variables)}`,
    );
    const fits = await create({ Environment: { Variables: { BIG: "x".repeat(4000) } } }, "fits-4kb");
    expect(fits.Environment?.Variables?.BIG).to.have.length(4000);
  });

  it("refuses reserved environment variable names and names outside AWS's pattern", async () => {
    const reserved = { Environment: { Variables: { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "x" } } };
    expect(await refused(reserved, "InvalidParameterValueException")).to.equal(
      "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, AWS_ACCESS_KEY_ID",
    );
    expect(await refused({ Environment: { Variables: { "1BAD": "x" } } }, "ValidationException")).to.contain(
      "at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
    );
  });

  it("refuses a handler with whitespace or over 128 characters, and a description over 256", async () => {
    expect(await refused({ Handler: "index handler" }, "ValidationException")).to.equal(
      "1 validation error detected: Value 'index handler' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+",
    );
    expect(await refused({ Handler: `${"h".repeat(129)}.x` }, "ValidationException")).to.contain(
      "Member must have length less than or equal to 128",
    );
    expect(await refused({ Description: "d".repeat(257) }, "ValidationException")).to.contain(
      "at 'description' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
  });

  it("refuses ephemeral storage outside 512–10240 MB and keeps a valid size", async () => {
    expect(await refused({ EphemeralStorage: { Size: 256 } }, "ValidationException")).to.equal(
      "1 validation error detected: Value '256' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512",
    );
    const created = await create({ EphemeralStorage: { Size: 1024 } }, "big-tmp");
    expect(created.EphemeralStorage?.Size).to.equal(1024);
  });

  it("refuses a package type other than Zip", async () => {
    expect(await refused({ PackageType: "Tarball" }, "ValidationException")).to.contain(
      "at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Zip, Image]",
    );
    expect(await refused({ PackageType: "Image" }, "InvalidParameterValueException")).to.contain("Zip");
  });

  it("refuses a direct upload over 50 MB with RequestEntityTooLargeException", async () => {
    const huge = Buffer.alloc(52_500_000, 1);
    const error = await expectError(
      create({ Code: { ZipFile: huge } }, "huge"),
      "RequestEntityTooLargeException",
      413,
    );
    expect(error.message).to.equal(
      "Request must be smaller than 69905067 bytes for the CreateFunction operation",
    );
  });

  it("applies the same checks to UpdateFunctionConfiguration and UpdateFunctionCode", async () => {
    await create({}, "updated");
    const update = (input: Record<string, unknown>) =>
      test.clients.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "updated", ...input }));
    expect(
      (await expectError(update({ MemorySize: 20_000 }), "ValidationException", 400)).message,
    ).to.contain("at 'memorySize'");
    expect(
      (await expectError(update({ Runtime: "nodejs14.x" }), "InvalidParameterValueException", 400)).message,
    ).to.contain("no longer supported");
    expect(
      (
        await expectError(
          update({ Environment: { Variables: { AWS_SESSION_TOKEN: "t" } } }),
          "InvalidParameterValueException",
          400,
        )
      ).message,
    ).to.contain("Reserved keys used in this request: AWS_SESSION_TOKEN");
    const code = test.clients.lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: "updated",
        ZipFile: zip,
        Architectures: ["sparc" as "arm64"],
      }),
    );
    expect((await expectError(code, "ValidationException", 400)).message).to.contain(
      "Value '[sparc]' at 'architectures'",
    );
  });
});
