import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import type { PackagedFunction } from "../../build/package.ts";
import { FUNCTION_KEYS } from "../../cli/config.ts";
import { UserError } from "../../cli/errors.ts";
import {
  desiredConfiguration,
  ensureFunctions,
  ensureInvokePermission,
} from "../../cli/provision/functions.ts";
import { ACCOUNT, awsError, fakeContext, inputOf } from "./fake-context.ts";

const zipDir = mkdtempSync(join(tmpdir(), "s3size-zips-"));
const zips: PackagedFunction[] = FUNCTION_KEYS.map((name) => {
  const zipPath = join(zipDir, `${name}.zip`);
  writeFileSync(zipPath, `zip of ${name}`);
  return {
    name,
    zipPath,
    bytes: 10,
    unzippedBytes: 20,
    codeSha256: `sha-${name}`,
    handler: "index.handler",
    arch: "arm64",
  };
});

function withZips(options: Parameters<typeof fakeContext>[0] = {}) {
  const fake = fakeContext(options);
  fake.ctx.packageFunctions = async () => zips;
  return fake;
}

const ACTIVE = { State: "Active" as const, LastUpdateStatus: "Successful" as const };

describe("provision: functions", () => {
  it("creates missing functions from their zips, retrying while the new role cannot be assumed yet", async () => {
    const { ctx, mocks } = withZips();
    mocks.lambda.on(GetFunctionCommand).rejects(awsError("ResourceNotFoundException", 404));
    mocks.lambda
      .on(CreateFunctionCommand)
      .rejectsOnce(
        awsError(
          "InvalidParameterValueException",
          400,
          "The role defined for the function cannot be assumed by Lambda.",
        ),
      )
      .resolves({});
    mocks.lambda.on(GetFunctionConfigurationCommand).resolvesOnce({ State: "Pending" }).resolves(ACTIVE);
    await ensureFunctions(ctx);
    // Created side by side: one of the first attempts met the unassumable role and was retried.
    const created = inputOf(mocks.lambda, CreateFunctionCommand);
    expect(created).to.have.length(FUNCTION_KEYS.length + 1);
    expect([...new Set(created.map((c) => c.FunctionName))].sort()).to.deep.equal([
      "s3size-driver",
      "s3size-plotting",
      "s3size-size-tracking",
      "s3size-web",
    ]);
    const tracker = created.find((c) => c.FunctionName === "s3size-size-tracking")!;
    expect(tracker.Role).to.equal(`arn:aws:iam::${ACCOUNT}:role/s3size-size-tracking-role`);
    expect(tracker.Architectures).to.deep.equal(["arm64"]);
    expect(tracker.Runtime).to.equal("nodejs22.x");
    expect(Buffer.from(tracker.Code!.ZipFile!).toString()).to.equal("zip of size-tracking");
    expect(created.find((c) => c.FunctionName === "s3size-driver")!.Environment?.Variables).to.include({
      DATA_BUCKET: ctx.names.dataBucket,
      HISTORY_TABLE: ctx.names.table,
    });
    expect(created.find((c) => c.FunctionName === "s3size-web")!.Environment?.Variables).to.deep.equal({
      HISTORY_TABLE: ctx.names.table,
      DATA_BUCKET: ctx.names.dataBucket,
      TRACKED_BUCKETS: ctx.names.dataBucket,
      UPLOAD_PREFIX: "uploads/",
      UPLOAD_MAX_BYTES: String(10 * 1024 * 1024),
      FAILURE_QUEUE_NAME: "s3size-failures",
      ERRORS_ALARM_NAME: "s3size-size-tracking-errors",
      DASHBOARD_REFRESH_SECONDS: "5",
    });
    expect(ctx.changes).to.deep.equal([
      "create function s3size-size-tracking",
      "create function s3size-plotting",
      "create function s3size-driver",
      "create function s3size-web",
    ]);
  });

  it("skips code whose CodeSha256 is unchanged and a configuration that is as wanted", async () => {
    const { ctx, mocks, mutations } = withZips();
    for (const zip of zips) {
      const wanted = desiredConfiguration(ctx, zip.name, zip.handler);
      mocks.lambda.on(GetFunctionCommand, { FunctionName: ctx.names.functions[zip.name] }).resolves({
        Configuration: {
          ...ACTIVE,
          ...wanted,
          CodeSha256: zip.codeSha256,
          Architectures: ["arm64"],
          Environment: { Variables: { ...wanted.Environment, PLOT_API_URL: "https://kept" } },
        },
        Tags: { "s3size:stack": "s3size" },
      });
    }
    await ensureFunctions(ctx);
    expect(mutations()).to.deep.equal([]);
  });

  it("updates only the code when the hash differs, and keeps variables setup does not manage", async () => {
    const { ctx, mocks, mutations } = withZips();
    for (const zip of zips) {
      const wanted = desiredConfiguration(ctx, zip.name, zip.handler);
      const drifted = zip.name === "driver" ? { ...wanted, Timeout: 3 } : wanted;
      mocks.lambda.on(GetFunctionCommand, { FunctionName: ctx.names.functions[zip.name] }).resolves({
        Configuration: {
          ...ACTIVE,
          ...drifted,
          CodeSha256: zip.name === "plotting" ? "old" : zip.codeSha256,
          Architectures: ["arm64"],
          Environment: { Variables: { ...wanted.Environment, PLOT_API_URL: "https://kept" } },
        },
        Tags: { "s3size:stack": "s3size" },
      });
    }
    for (const zip of zips) {
      const wanted = desiredConfiguration(ctx, zip.name, zip.handler);
      mocks.lambda
        .on(GetFunctionConfigurationCommand, { FunctionName: ctx.names.functions[zip.name] })
        .resolves({
          ...ACTIVE,
          ...wanted,
          CodeSha256: zip.codeSha256,
          Environment: { Variables: wanted.Environment },
        });
    }
    await ensureFunctions(ctx);
    expect(mutations().sort()).to.deep.equal(["UpdateFunctionCode", "UpdateFunctionConfiguration"]);
    expect(inputOf(mocks.lambda, UpdateFunctionCodeCommand)[0]!.FunctionName).to.equal("s3size-plotting");
    const update = inputOf(mocks.lambda, UpdateFunctionConfigurationCommand)[0]!;
    expect(update.FunctionName).to.equal("s3size-driver");
    expect(update.Timeout).to.be.greaterThan(3);
    expect(update.Environment?.Variables?.PLOT_API_URL).to.equal("https://kept");
  });

  it("refuses a function of the same name that is not the stack's", async () => {
    const { ctx, mocks } = withZips();
    mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: ACTIVE, Tags: {} });
    const error = await ensureFunctions(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(UserError);
    expect((error as UserError).message).to.match(/s3size-size-tracking exists but is not part of stack/);
  });

  it("adds an invoke permission scoped to source ARN and account, and leaves an equal one alone", async () => {
    const { ctx, mocks } = withZips();
    const wanted = {
      statementId: "sid",
      principal: "s3.amazonaws.com",
      sourceArn: "arn:aws:s3:::b",
      sourceAccount: ACCOUNT,
    };
    mocks.lambda.on(GetPolicyCommand).rejectsOnce(awsError("ResourceNotFoundException", 404));
    await ensureInvokePermission(ctx, "size-tracking", wanted);
    expect(inputOf(mocks.lambda, AddPermissionCommand)[0]).to.deep.include({
      FunctionName: "s3size-size-tracking",
      Principal: "s3.amazonaws.com",
      SourceArn: "arn:aws:s3:::b",
      SourceAccount: ACCOUNT,
      Action: "lambda:InvokeFunction",
    });
    const statement = {
      Sid: "sid",
      Principal: { Service: "s3.amazonaws.com" },
      Condition: {
        ArnLike: { "AWS:SourceArn": "arn:aws:s3:::b" },
        StringEquals: { "AWS:SourceAccount": ACCOUNT },
      },
    };
    mocks.lambda.on(GetPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [statement] }) });
    await ensureInvokePermission(ctx, "size-tracking", wanted);
    expect(mocks.lambda.commandCalls(AddPermissionCommand)).to.have.length(1);
  });
});
