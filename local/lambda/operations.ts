// Lambda's function operations: create, read, update, delete and Invoke, each with its IAM requirement.
// Validation is AWS's (validation.ts); conflicts follow the function's state (Pending, InProgress, RevisionId).
import { randomUUID } from "node:crypto";
import { BadZipError, UnzippedTooLargeError } from "./code.ts";
import { LambdaError } from "./errors.ts";
import {
  awsTimestamp,
  type FunctionRecord,
  functionArn,
  functionConfiguration,
  lastUpdateStatus,
} from "./functions.ts";
import { assertActive, parseFunctionRef } from "./lookup.ts";
import {
  type Body,
  type Call,
  functionPath,
  type LambdaOperation,
  onFunction,
  type Reply,
} from "./operation.ts";
import {
  invalidParameter,
  validateCodeUpdate,
  validateConfigurationUpdate,
  validateCreate,
} from "./validation.ts";

const ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda.";
/** A 50 MB zip, base64-encoded in the JSON body, as AWS measures its direct-upload limit. */
const ZIP_REQUEST_LIMIT_BYTES = 69_905_067;
const SYNC_PAYLOAD_LIMIT_BYTES = 6_291_456;

const configuration = (call: Call, record: FunctionRecord) =>
  functionConfiguration(record, call.deps.ctx.realism);

export const functionOperations: LambdaOperation[] = [
  {
    name: "CreateFunction",
    method: "POST",
    path: /^\/2015-03-31\/functions\/?$/,
    iam: (call) => {
      const input = call.body();
      const name = String(input.FunctionName ?? "");
      const requirements = [{ action: "lambda:CreateFunction", resources: [arnInRegion(call, name)] }];
      return typeof input.Role === "string"
        ? [...requirements, { action: "iam:PassRole", resources: [input.Role] }]
        : requirements;
    },
    run: (call) => create(call),
  },
  {
    name: "ListFunctions",
    method: "GET",
    path: /^\/2015-03-31\/functions\/?$/,
    iam: () => [{ action: "lambda:ListFunctions", resources: ["*"] }],
    run: (call) => {
      const functions = call.deps.store.list(call.region);
      const start = Number(call.req.query.get("Marker") ?? 0) || 0;
      const size = Math.min(Number(call.req.query.get("MaxItems") ?? 50) || 50, 50);
      const page = functions.slice(start, start + size).map((record) => configuration(call, record));
      const next = start + size < functions.length ? { NextMarker: String(start + size) } : {};
      return { status: 200, body: { Functions: page, ...next } };
    },
  },
  {
    name: "GetFunction",
    method: "GET",
    path: functionPath(),
    iam: onFunction("lambda:GetFunction"),
    run: (call) => {
      const record = call.record();
      return {
        status: 200,
        body: {
          Configuration: configuration(call, record),
          Code: { RepositoryType: "S3", Location: `file://${call.deps.store.zipPath(record)}` },
          ...(Object.keys(record.tags).length > 0 ? { Tags: record.tags } : {}),
        },
      };
    },
  },
  {
    name: "GetFunctionConfiguration",
    method: "GET",
    path: functionPath("/configuration"),
    iam: onFunction("lambda:GetFunctionConfiguration"),
    run: (call) => ({ status: 200, body: configuration(call, call.record()) }),
  },
  {
    name: "UpdateFunctionConfiguration",
    method: "PUT",
    path: functionPath("/configuration"),
    iam: (call) => {
      const role = call.body().Role;
      const requirements = onFunction("lambda:UpdateFunctionConfiguration")(call);
      return typeof role === "string"
        ? [...requirements, { action: "iam:PassRole", resources: [role] }]
        : requirements;
    },
    run: (call) => updateConfiguration(call),
  },
  {
    name: "UpdateFunctionCode",
    method: "PUT",
    path: functionPath("/code"),
    iam: onFunction("lambda:UpdateFunctionCode"),
    run: (call) => updateCode(call),
  },
  {
    name: "DeleteFunction",
    method: "DELETE",
    path: functionPath(),
    iam: onFunction("lambda:DeleteFunction"),
    run: (call) => {
      const record = call.record();
      call.deps.store.remove(record);
      call.deps.pool.retire(functionArn(record));
      return { status: 204 };
    },
  },
  {
    name: "Invoke",
    method: "POST",
    path: functionPath("/invocations"),
    iam: onFunction("lambda:InvokeFunction"),
    run: (call) => invoke(call),
  },
];

async function create(call: Call): Promise<Reply> {
  const input = call.body();
  checkRequestSize(call, "CreateFunction");
  validateCreate(input);
  const ref = parseFunctionRef(String(input.FunctionName));
  if (ref.region && ref.region !== call.region) {
    throw invalidParameter(
      `Functions from '${ref.region}' are not reachable in this region ('${call.region}')`,
    );
  }
  const { store, ctx } = call.deps;
  if (store.get(call.region, ref.name)) {
    throw new LambdaError(409, "ResourceConflictException", `Function already exist: ${ref.name}`);
  }
  checkRoleAssumable(call, input.Role);
  const code = await storeCode(call, zipOf(input.Code as Body));
  const now = Date.now();
  const record: FunctionRecord = {
    name: ref.name,
    region: call.region,
    runtime: String(input.Runtime),
    role: String(input.Role),
    handler: String(input.Handler),
    description: String(input.Description ?? ""),
    timeout: Number(input.Timeout ?? 3),
    memorySize: Number(input.MemorySize ?? 128),
    ephemeralStorage: Number((input.EphemeralStorage as { Size?: number } | undefined)?.Size ?? 512),
    architectures: (input.Architectures as string[] | undefined) ?? ["x86_64"],
    ...variables(input),
    ...code,
    lastModified: awsTimestamp(new Date(now)),
    revisionId: randomUUID(),
    generation: 1,
    createdAt: now,
    updatedAt: 0,
    policy: [],
    tags: (input.Tags as Record<string, string> | undefined) ?? {},
  };
  store.add(record);
  store.save();
  return { status: 201, body: functionConfiguration(record, ctx.realism) };
}

async function updateCode(call: Call): Promise<Reply> {
  const input = call.body();
  checkRequestSize(call, "UpdateFunctionCode");
  validateCodeUpdate(input);
  const record = call.record();
  assertUpdatable(call, record);
  const code = await storeCode(call, zipOf(input));
  if (input.Architectures) record.architectures = input.Architectures as string[];
  Object.assign(record, code);
  return updated(call, record, "code");
}

function updateConfiguration(call: Call): Reply {
  const input = call.body();
  validateConfigurationUpdate(input);
  const record = call.record();
  assertUpdatable(call, record);
  if (input.Role !== undefined) checkRoleAssumable(call, input.Role);
  if (input.Role !== undefined) record.role = String(input.Role);
  if (input.Handler !== undefined) record.handler = String(input.Handler);
  if (input.Runtime !== undefined) record.runtime = String(input.Runtime);
  if (input.Description !== undefined) record.description = String(input.Description);
  if (input.Timeout !== undefined) record.timeout = Number(input.Timeout);
  if (input.MemorySize !== undefined) record.memorySize = Number(input.MemorySize);
  const storage = (input.EphemeralStorage as { Size?: number } | undefined)?.Size;
  if (storage !== undefined) record.ephemeralStorage = Number(storage);
  if (input.Environment !== undefined) {
    delete record.environment;
    Object.assign(record, variables(input));
  }
  return updated(call, record, "config");
}

function updated(call: Call, record: FunctionRecord, kind: "code" | "config"): Reply {
  const { store, pool } = call.deps;
  record.updatedAt = Date.now();
  store.touch(record, kind);
  pool.retire(functionArn(record), record.generation);
  store.pruneCode();
  return { status: 200, body: configuration(call, record) };
}

async function invoke(call: Call): Promise<Reply> {
  const { req } = call;
  const type = String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");
  const record = call.record();
  if (req.body.length > SYNC_PAYLOAD_LIMIT_BYTES && type === "RequestResponse") {
    throw tooLarge(SYNC_PAYLOAD_LIMIT_BYTES, "Invoke");
  }
  assertActive(record, call.deps.ctx.realism);
  if (req.body.length > 0) {
    try {
      JSON.parse(req.body.toString("utf8"));
    } catch (error) {
      throw new LambdaError(
        400,
        "InvalidRequestContentException",
        `Could not parse request body into json: ${(error as Error).message}`,
      );
    }
  }
  if (type === "DryRun") return { status: 204 };
  if (type === "Event") {
    // On the durable queue before the 202: an accepted event survives a crash.
    const requestId = await call.deps.invoker.enqueue(record, req.body);
    return { status: 202, raw: Buffer.alloc(0), headers: { "x-amzn-requestid": requestId } };
  }
  if (type !== "RequestResponse") throw invalidParameter(`Invalid InvocationType: ${type}`);
  const result = await call.deps.invoker.invoke(record, req.body);
  const headers: Record<string, string> = { "x-amz-executed-version": result.executedVersion };
  if (result.functionError) headers["x-amz-function-error"] = result.functionError;
  if (req.headers["x-amz-log-type"] === "Tail" && result.logResult)
    headers["x-amz-log-result"] = result.logResult;
  return { status: result.statusCode, raw: result.payload, headers };
}

/** RevisionId, then Pending, then an update still in progress: each is a conflict as on AWS. */
export function assertUpdatable(call: Call, record: FunctionRecord): void {
  checkRevision(record, call.body().RevisionId as string | undefined);
  const { realism } = call.deps.ctx;
  assertActive(record, realism);
  if (lastUpdateStatus(record, realism) === "InProgress") {
    throw new LambdaError(
      409,
      "ResourceConflictException",
      `The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(record)}`,
    );
  }
}

export function checkRevision(record: FunctionRecord, revisionId: string | undefined): void {
  if (revisionId !== undefined && revisionId !== record.revisionId) {
    throw new LambdaError(
      412,
      "PreconditionFailedException",
      "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    );
  }
}

/** IAM's propagation delay: a role Lambda cannot assume yet is refused with AWS's message. */
function checkRoleAssumable(call: Call, role: unknown): void {
  const iam = call.deps.ctx.iam;
  if (iam && iam.roleStatus(String(role)) !== "ready") throw invalidParameter(ROLE_NOT_ASSUMABLE);
}

function zipOf(source: Body | undefined): string {
  if (typeof source?.ZipFile === "string") return source.ZipFile;
  if (source?.S3Bucket !== undefined || source?.ImageUri !== undefined) {
    throw invalidParameter(
      "The local cloud takes function code as a ZipFile only (not from S3 or an image).",
    );
  }
  throw invalidParameter("Please provide a source for function code.");
}

async function storeCode(call: Call, base64: string) {
  try {
    return await call.deps.store.code.store(Buffer.from(base64, "base64"));
  } catch (error) {
    if (error instanceof UnzippedTooLargeError) throw invalidParameter(error.message);
    if (error instanceof BadZipError) {
      call.deps.ctx.debug(`lambda: refused a zip: ${error.message}`);
      throw invalidParameter(
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
      );
    }
    throw error;
  }
}

function checkRequestSize(call: Call, operation: string): void {
  if (call.req.body.length > ZIP_REQUEST_LIMIT_BYTES) throw tooLarge(ZIP_REQUEST_LIMIT_BYTES, operation);
}

const tooLarge = (limit: number, operation: string) =>
  new LambdaError(
    413,
    "RequestEntityTooLargeException",
    `Request must be smaller than ${limit} bytes for the ${operation} operation`,
  );

function variables(input: Body): { environment?: Record<string, string> } {
  const vars = (input.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
  return vars ? { environment: vars } : {};
}

function arnInRegion(call: Call, name: string): string {
  try {
    return functionArn({ name: parseFunctionRef(name).name, region: call.region });
  } catch {
    return "*";
  }
}
