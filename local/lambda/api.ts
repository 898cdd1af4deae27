// Lambda's control plane and Invoke as restJson operations under /2015-03-31/functions and
// /2017-03-31/tags, with AWS's validation, conflicts (Pending, InProgress, RevisionId) and errors.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { sendJson } from "../protocol/json.ts";
import type { CloudContext, EdgeRequest } from "../types.ts";
import type { EnvironmentPool } from "./environments.ts";
import { LambdaError } from "./errors.ts";
import {
  awsTimestamp,
  BadZipError,
  type FunctionRecord,
  type FunctionStore,
  functionArn,
  functionConfiguration,
  lastUpdateStatus,
} from "./functions.ts";
import { assertActive, findFunction, type Invoker } from "./invoke.ts";
import { type AddPermissionInput, buildStatement, policyDocument } from "./permissions.ts";

const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda.";

type Body = Record<string, unknown>;
type Reply = { status: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer };

export class LambdaApi {
  constructor(
    private readonly ctx: CloudContext,
    private readonly store: FunctionStore,
    private readonly pool: EnvironmentPool,
    private readonly invoker: Invoker,
  ) {}

  async handle(req: EdgeRequest, res: ServerResponse): Promise<void> {
    const reply = await this.route(req);
    if (reply.raw) {
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.raw);
    } else sendJson(res, reply.status, reply.body, "application/json", reply.headers);
  }

  private async route(req: EdgeRequest): Promise<Reply> {
    const segments = req.path.split("/").filter(Boolean).map(decodeURIComponent);
    const [version, collection, name, sub, subId] = segments;
    const body = (): Body => {
      try {
        return req.body.length ? (JSON.parse(req.body.toString("utf8")) as Body) : {};
      } catch {
        throw new LambdaError(
          400,
          "InvalidRequestContentException",
          "Could not parse request body into json",
        );
      }
    };
    const qualifier = req.query.get("Qualifier") ?? undefined;
    if (version === "2017-03-31" && collection === "tags" && name) return this.tags(req, name);
    if (version === "2019-09-25" && collection === "functions" && name && sub === "event-invoke-config") {
      return this.invoker.eventInvokeConfigs.handle(req, name, subId === "list");
    }
    if (version !== "2015-03-31" || collection !== "functions") throw unknownOperation(req);
    const m = req.method;
    if (!name && m === "POST") return { status: 201, body: await this.create(body(), req.region) };
    if (!name && m === "GET") return this.list(req);
    if (!name) throw unknownOperation(req);
    const record = () => findFunction(this.store, name, qualifier);
    if (!sub && m === "GET") {
      const found = record();
      return {
        status: 200,
        body: {
          Configuration: functionConfiguration(found, this.ctx.realism),
          Code: { RepositoryType: "S3", Location: `file://${this.store.zipPath(found)}` },
          ...(Object.keys(found.tags).length > 0 ? { Tags: found.tags } : {}),
        },
      };
    }
    if (!sub && m === "DELETE") return this.delete(record());
    if (sub === "configuration" && m === "GET")
      return { status: 200, body: functionConfiguration(record(), this.ctx.realism) };
    if (sub === "configuration" && m === "PUT") return this.updateConfiguration(record(), body());
    if (sub === "code" && m === "PUT") return this.updateCode(record(), body());
    if (sub === "invocations" && m === "POST") return this.invoke(record(), req);
    if (sub === "policy" && m === "POST") return this.addPermission(record(), body());
    if (sub === "policy" && m === "GET") {
      const found = record();
      if (found.policy.length === 0) {
        throw new LambdaError(404, "ResourceNotFoundException", "The resource you requested does not exist.");
      }
      return { status: 200, body: { Policy: policyDocument(found.policy), RevisionId: found.revisionId } };
    }
    if (sub === "policy" && subId && m === "DELETE") return this.removePermission(record(), subId, req);
    throw unknownOperation(req);
  }

  private async create(input: Body, region: string) {
    const name = String(input.FunctionName ?? "");
    if (!FUNCTION_NAME.test(name)) throw invalid(`Invalid function name: ${JSON.stringify(name)}`);
    if (this.store.functions.has(name)) {
      throw new LambdaError(409, "ResourceConflictException", `Function already exist: ${name}`);
    }
    const runtime = String(input.Runtime ?? "");
    if (!/^nodejs\d+\.x$/.test(runtime)) {
      throw invalid(`The runtime parameter of ${runtime || "(none)"} is not supported by the local cloud.`);
    }
    if (!input.Handler) throw invalid("Handler is required for a function of package type Zip.");
    this.checkRole(input.Role);
    const zip = (input.Code as Body | undefined)?.ZipFile;
    if (typeof zip !== "string") throw invalid("Code.ZipFile is required (the local cloud takes zips only).");
    const code = await this.storeCode(name, zip);
    const now = Date.now();
    const record: FunctionRecord = {
      name,
      region,
      runtime,
      role: String(input.Role),
      handler: String(input.Handler),
      description: String(input.Description ?? ""),
      timeout: this.limits(input).timeout ?? 3,
      memorySize: this.limits(input).memorySize ?? 128,
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
    this.store.functions.set(name, record);
    this.store.save();
    return functionConfiguration(record, this.ctx.realism);
  }

  private list(req: EdgeRequest): Reply {
    const names = [...this.store.functions.keys()].sort();
    const start = Number(req.query.get("Marker") ?? 0) || 0;
    const size = Math.min(Number(req.query.get("MaxItems") ?? 50) || 50, 50);
    const page = names.slice(start, start + size);
    const next = start + size < names.length ? { NextMarker: String(start + size) } : {};
    const functions = page.map((name) =>
      functionConfiguration(this.store.functions.get(name)!, this.ctx.realism),
    );
    return { status: 200, body: { Functions: functions, ...next } };
  }

  private delete(record: FunctionRecord): Reply {
    this.store.functions.delete(record.name);
    this.store.save();
    this.pool.retire(record.name);
    this.store.removeCode(record.name);
    return { status: 204 };
  }

  private async updateCode(record: FunctionRecord, input: Body): Promise<Reply> {
    this.assertUpdatable(record, input);
    if (typeof input.ZipFile !== "string")
      throw invalid("ZipFile is required (the local cloud takes zips only).");
    const code = await this.storeCode(record.name, input.ZipFile);
    if (input.Architectures) record.architectures = input.Architectures as string[];
    Object.assign(record, code);
    return this.updated(record);
  }

  private updateConfiguration(record: FunctionRecord, input: Body): Reply {
    this.assertUpdatable(record, input);
    if (input.Role !== undefined) this.checkRole(input.Role);
    if (input.Runtime !== undefined && !/^nodejs\d+\.x$/.test(String(input.Runtime))) {
      throw invalid(`The runtime parameter of ${input.Runtime} is not supported by the local cloud.`);
    }
    const limits = this.limits(input);
    if (input.Role !== undefined) record.role = String(input.Role);
    if (input.Handler !== undefined) record.handler = String(input.Handler);
    if (input.Runtime !== undefined) record.runtime = String(input.Runtime);
    if (input.Description !== undefined) record.description = String(input.Description);
    if (limits.timeout !== undefined) record.timeout = limits.timeout;
    if (limits.memorySize !== undefined) record.memorySize = limits.memorySize;
    if (input.Environment !== undefined) {
      delete record.environment;
      Object.assign(record, variables(input));
    }
    return this.updated(record);
  }

  private updated(record: FunctionRecord): Reply {
    record.updatedAt = Date.now();
    this.store.touch(record, "code");
    this.pool.retire(record.name, record.generation);
    this.store.removeCode(record.name, record.codeHash);
    return { status: 200, body: functionConfiguration(record, this.ctx.realism) };
  }

  private async invoke(record: FunctionRecord, req: EdgeRequest): Promise<Reply> {
    const type = String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");
    assertActive(record, this.ctx.realism);
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
      const requestId = await this.invoker.enqueue(record, req.body);
      return { status: 202, raw: Buffer.alloc(0), headers: { "x-amzn-requestid": requestId } };
    }
    if (type !== "RequestResponse") throw invalid(`Invalid InvocationType: ${type}`);
    const result = await this.invoker.invoke(record, req.body);
    const headers: Record<string, string> = { "x-amz-executed-version": result.executedVersion };
    if (result.functionError) headers["x-amz-function-error"] = result.functionError;
    if (req.headers["x-amz-log-type"] === "Tail" && result.logResult)
      headers["x-amz-log-result"] = result.logResult;
    return { status: result.statusCode, raw: result.payload, headers };
  }

  private addPermission(record: FunctionRecord, input: Body): Reply {
    const permission = input as AddPermissionInput & { RevisionId?: string };
    checkRevision(record, permission.RevisionId);
    if (!permission.StatementId || !permission.Action || !permission.Principal) {
      throw invalid("StatementId, Action and Principal are required.");
    }
    if (record.policy.some((statement) => statement.Sid === permission.StatementId)) {
      throw new LambdaError(
        409,
        "ResourceConflictException",
        `The statement id (${permission.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      );
    }
    const statement = buildStatement(permission, functionArn(record));
    record.policy.push(statement);
    this.store.touch(record, "policy");
    return { status: 201, body: { Statement: JSON.stringify(statement) } };
  }

  private removePermission(record: FunctionRecord, sid: string, req: EdgeRequest): Reply {
    checkRevision(record, req.query.get("RevisionId") ?? undefined);
    const index = record.policy.findIndex((statement) => statement.Sid === sid);
    if (index < 0) {
      throw new LambdaError(
        404,
        "ResourceNotFoundException",
        `Statement ${sid} is not found in resource policy.`,
      );
    }
    record.policy.splice(index, 1);
    this.store.touch(record, "policy");
    return { status: 204 };
  }

  private tags(req: EdgeRequest, arn: string): Reply {
    const record = findFunction(this.store, arn);
    if (req.method === "GET") return { status: 200, body: { Tags: record.tags } };
    if (req.method === "POST") {
      const input = JSON.parse(req.body.toString("utf8") || "{}") as { Tags?: Record<string, string> };
      Object.assign(record.tags, input.Tags ?? {});
    } else if (req.method === "DELETE") {
      for (const key of req.query.getAll("tagKeys")) delete record.tags[key];
    } else throw unknownOperation(req);
    this.store.touch(record, "tags");
    return { status: 204 };
  }

  private assertUpdatable(record: FunctionRecord, input: Body): void {
    checkRevision(record, input.RevisionId as string | undefined);
    assertActive(record, this.ctx.realism);
    if (lastUpdateStatus(record, this.ctx.realism) === "InProgress") {
      throw new LambdaError(
        409,
        "ResourceConflictException",
        `The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(record)}`,
      );
    }
  }

  /** IAM's propagation delay: a role Lambda cannot assume yet is refused with AWS's message. */
  private checkRole(role: unknown): void {
    if (typeof role !== "string" || !ROLE_ARN.test(role))
      throw invalid(`Invalid role ARN: ${JSON.stringify(role)}`);
    const iam = this.ctx.iam;
    if (iam && iam.roleStatus(role) !== "ready") throw invalid(ROLE_NOT_ASSUMABLE);
  }

  private limits(input: Body): { timeout?: number; memorySize?: number } {
    const timeout = input.Timeout as number | undefined;
    const memorySize = input.MemorySize as number | undefined;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= 900)) {
      throw invalid(`Timeout must be between 1 and 900 seconds: ${timeout}`);
    }
    if (
      memorySize !== undefined &&
      !(Number.isInteger(memorySize) && memorySize >= 128 && memorySize <= 10240)
    ) {
      throw invalid(`MemorySize must be between 128 and 10240 MB: ${memorySize}`);
    }
    return {
      ...(timeout !== undefined ? { timeout } : {}),
      ...(memorySize !== undefined ? { memorySize } : {}),
    };
  }

  private async storeCode(name: string, base64: string) {
    try {
      return await this.store.storeCode(name, Buffer.from(base64, "base64"));
    } catch (error) {
      if (error instanceof BadZipError) {
        throw invalid("Could not unzip uploaded file. Please check your file, then try to upload again.");
      }
      throw error;
    }
  }
}

function variables(input: Body): { environment?: Record<string, string> } {
  const vars = (input.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
  return vars ? { environment: vars } : {};
}

function checkRevision(record: FunctionRecord, revisionId: string | undefined): void {
  if (revisionId !== undefined && revisionId !== record.revisionId) {
    throw new LambdaError(
      412,
      "PreconditionFailedException",
      "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    );
  }
}

const invalid = (message: string) => new LambdaError(400, "InvalidParameterValueException", message);
const unknownOperation = (req: EdgeRequest) =>
  new LambdaError(
    400,
    "UnknownOperationException",
    `The local cloud does not emulate Lambda ${req.method} ${req.path}`,
  );
