// Asynchronous invocation settings of a function (restJson under /2019-09-25/functions/<name>/
// event-invoke-config): retry attempts, maximum event age and the destinations of success and failure
// records, validated as AWS validates them. Each is kept with its function's creation time, so a
// function deleted and made again starts without the old settings.
import { join } from "node:path";
import { authorize } from "../authorization.ts";
import { JsonFile } from "../state.ts";
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import { destinationRequirement, destinationService } from "./destinations.ts";
import { LambdaError } from "./errors.ts";
import { type FunctionRecord, functionArn } from "./functions.ts";

export interface EventInvokeConfig {
  functionName: string;
  functionCreatedAt: number;
  /** Epoch ms. */
  lastModified: number;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  onSuccess?: string;
  onFailure?: string;
}

/** What the queue applies: the function's settings, or AWS's defaults where it has none. */
export interface AsyncSettings {
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
  onSuccess?: string;
  onFailure?: string;
}

const DEFAULT_SETTINGS: AsyncSettings = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 };
/** AWS's pattern for a destination ARN, as its validation message quotes it (matched whole). */
const DESTINATION_PATTERN =
  "^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)";
const DESTINATION_ARN = new RegExp(`^(?:${DESTINATION_PATTERN})$`);

export class EventInvokeConfigStore {
  private readonly file: JsonFile<EventInvokeConfig[]>;
  private readonly configs = new Map<string, EventInvokeConfig>();

  constructor(directory: string) {
    this.file = new JsonFile(join(directory, "event-invoke-configs.json"), () => []);
    for (const config of this.file.load()) this.configs.set(config.functionName, config);
  }

  /** The function's own configuration, if it has one (one left by a deleted namesake does not count). */
  get(record: FunctionRecord): EventInvokeConfig | undefined {
    const config = this.configs.get(record.name);
    return config?.functionCreatedAt === record.createdAt ? config : undefined;
  }

  settings(record: FunctionRecord): AsyncSettings {
    const config = this.get(record);
    return {
      maximumRetryAttempts: config?.maximumRetryAttempts ?? DEFAULT_SETTINGS.maximumRetryAttempts,
      maximumEventAgeInSeconds: config?.maximumEventAgeInSeconds ?? DEFAULT_SETTINGS.maximumEventAgeInSeconds,
      ...(config?.onSuccess ? { onSuccess: config.onSuccess } : {}),
      ...(config?.onFailure ? { onFailure: config.onFailure } : {}),
    };
  }

  set(config: EventInvokeConfig): void {
    this.configs.set(config.functionName, config);
    this.save();
  }

  delete(name: string): void {
    this.configs.delete(name);
    this.save();
  }

  private save(): void {
    this.file.save([...this.configs.values()]);
  }
}

type Body = Record<string, unknown>;

/** The five operations, each with the IAM action it needs on the function. */
const OPERATIONS = new Map([
  ["PUT", "lambda:PutFunctionEventInvokeConfig"],
  ["POST", "lambda:UpdateFunctionEventInvokeConfig"],
  ["GET", "lambda:GetFunctionEventInvokeConfig"],
  ["DELETE", "lambda:DeleteFunctionEventInvokeConfig"],
  ["LIST", "lambda:ListFunctionEventInvokeConfigs"],
]);

export class EventInvokeConfigApi {
  constructor(
    private readonly ctx: CloudContext,
    /** Lambda's lookup of a function by name or ARN and qualifier; throws a LambdaError when missing. */
    private readonly findFunction: (nameOrArn: string, qualifier?: string) => FunctionRecord,
    private readonly configs: EventInvokeConfigStore,
  ) {}

  /** `name` is the path's function name or ARN; `list` is set for `…/event-invoke-config/list`. */
  handle(req: EdgeRequest, name: string, list: boolean): { status: number; body?: unknown } {
    const operation = list ? (req.method === "GET" ? "LIST" : "") : req.method;
    const action = OPERATIONS.get(operation);
    if (!action) {
      throw new LambdaError(400, "UnknownOperationException", `Unknown operation ${req.method} ${req.path}`);
    }
    const requirement: IamRequirement = {
      action,
      resources: [unqualifiedArn(req, this.ctx.accountId, name)],
    };
    const verdict = authorize(this.ctx, req, requirement);
    if (!verdict.allowed) throw new LambdaError(403, "AccessDeniedException", verdict.message);

    if (operation === "LIST") return this.list(req, name);
    const qualifier = req.query.get("Qualifier") ?? undefined;
    const record = this.find(req, name, qualifier, operation === "PUT" || operation === "POST");
    if (operation === "PUT") return this.put(record, parseBody(req), false);
    if (operation === "POST") return this.put(record, parseBody(req), true);
    const config = this.configs.get(record);
    if (!config) throw missingConfig(record);
    if (operation === "DELETE") {
      this.configs.delete(record.name);
      return { status: 204 };
    }
    return { status: 200, body: describe(record, config) };
  }

  private find(
    req: EdgeRequest,
    name: string,
    qualifier: string | undefined,
    changing: boolean,
  ): FunctionRecord {
    try {
      return this.findFunction(name, qualifier);
    } catch (error) {
      if (!(error instanceof LambdaError)) throw error;
      // AWS words it differently for a change and for a read of a function that is not there.
      if (changing) throw new LambdaError(404, "ResourceNotFoundException", "The function doesn't exist.");
      const arn = unqualifiedArn(req, this.ctx.accountId, name);
      throw new LambdaError(
        404,
        "ResourceNotFoundException",
        `The function ${arn}:${qualifier ?? "$LATEST"} doesn't have an EventInvokeConfig`,
      );
    }
  }

  private put(record: FunctionRecord, input: Body, update: boolean): { status: number; body: unknown } {
    const retries = input.MaximumRetryAttempts;
    const age = input.MaximumEventAgeInSeconds;
    const destinations = input.DestinationConfig as
      | { OnSuccess?: { Destination?: unknown }; OnFailure?: { Destination?: unknown } }
      | undefined;
    const onSuccess = destinations?.OnSuccess?.Destination;
    const onFailure = destinations?.OnFailure?.Destination;
    const problems = [
      ...rangeProblems("maximumRetryAttempts", retries, 0, 2),
      ...rangeProblems("maximumEventAgeInSeconds", age, 60, 21_600),
      ...arnProblems("destinationConfig.onSuccess.destination", onSuccess),
      ...arnProblems("destinationConfig.onFailure.destination", onFailure),
    ];
    if (problems.length > 0) {
      const count = problems.length === 1 ? "1 validation error" : `${problems.length} validation errors`;
      throw new LambdaError(400, "ValidationException", `${count} detected: ${problems.join("; ")}`);
    }
    if (retries === undefined && age === undefined && destinations === undefined) {
      throw invalid("You must specify at least one of error handling or destination setting.");
    }
    const existing = this.configs.get(record);
    if (update && !existing) throw missingConfig(record);
    this.checkDestinations(record, onSuccess as string | undefined, onFailure as string | undefined);

    const base = update ? existing! : { functionName: record.name, functionCreatedAt: record.createdAt };
    const config: EventInvokeConfig = { ...base, lastModified: Date.now() };
    if (retries !== undefined) config.maximumRetryAttempts = retries as number;
    if (age !== undefined) config.maximumEventAgeInSeconds = age as number;
    if (destinations !== undefined) {
      delete config.onSuccess;
      delete config.onFailure;
      if (onSuccess) config.onSuccess = onSuccess as string;
      if (onFailure) config.onFailure = onFailure as string;
    }
    this.configs.set(config);
    return { status: 200, body: describe(record, config) };
  }

  /** Destinations Lambda delivers to, which exist where Lambda can tell and the execution role may use. */
  private checkDestinations(record: FunctionRecord, ...arns: Array<string | undefined>): void {
    const given = arns.filter((arn): arn is string => Boolean(arn));
    if (given.some((arn) => !destinationService(arn))) {
      const part = (name: string, arn: string | undefined) => (arn ? `${name}(destination=${arn})` : "null");
      throw invalid(
        `The provided destination config DestinationConfig(onSuccess=${part("OnSuccess", arns[0])}, onFailure=${part("OnFailure", arns[1])}) is invalid.`,
      );
    }
    for (const arn of given) {
      if (destinationService(arn) === "lambda") {
        const target = arn.split(":")[6];
        if (target === record.name)
          throw invalid("You can't specify the function as a destination for itself.");
        if (!this.ctx.lambda?.functionExists(arn)) throw invalid(`The destination ARN ${arn} is invalid.`);
      }
      // AWS checks the execution role now and answers a role that may not send with this same generic line.
      const verdict = this.ctx.iam?.evaluateRole?.(record.role, destinationRequirement(arn));
      if (verdict && !verdict.allowed) throw invalid(`The destination ARN ${arn} is invalid.`);
    }
  }

  private list(req: EdgeRequest, name: string): { status: number; body: unknown } {
    const maxItems = req.query.get("MaxItems");
    if (maxItems !== null) {
      const problems = rangeProblems("maxItems", Number(maxItems), 1, 50);
      if (problems.length > 0)
        throw new LambdaError(400, "ValidationException", `1 validation error detected: ${problems[0]}`);
    }
    const record = this.find(req, name, undefined, true);
    const config = this.configs.get(record);
    // Only $LATEST has settings here (the local cloud publishes no versions), so one page holds them all.
    return { status: 200, body: { FunctionEventInvokeConfigs: config ? [describe(record, config)] : [] } };
  }
}

/** A configuration as the API answers it: both destinations always present, empty when unset. */
function describe(record: FunctionRecord, config: EventInvokeConfig): Record<string, unknown> {
  return {
    LastModified: config.lastModified / 1000,
    FunctionArn: `${functionArn(record)}:$LATEST`,
    ...(config.maximumRetryAttempts !== undefined
      ? { MaximumRetryAttempts: config.maximumRetryAttempts }
      : {}),
    ...(config.maximumEventAgeInSeconds !== undefined
      ? { MaximumEventAgeInSeconds: config.maximumEventAgeInSeconds }
      : {}),
    DestinationConfig: {
      OnSuccess: config.onSuccess ? { Destination: config.onSuccess } : {},
      OnFailure: config.onFailure ? { Destination: config.onFailure } : {},
    },
  };
}

/** The function ARN a name in a path stands for, in the region the request was signed for. */
function unqualifiedArn(req: EdgeRequest, accountId: string, name: string): string {
  const functionName = name.match(/:function:([^:]+)/)?.[1] ?? name.split(":")[0];
  return `arn:aws:lambda:${req.region}:${accountId}:function:${functionName}`;
}

function rangeProblems(field: string, value: unknown, min: number, max: number): string[] {
  if (value === undefined) return [];
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return [`Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must be an integer`];
  }
  if (value > max) {
    return [
      `Value '${value}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    ];
  }
  if (value < min) {
    return [
      `Value '${value}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    ];
  }
  return [];
}

function arnProblems(field: string, value: unknown): string[] {
  if (value === undefined) return [];
  const text = String(value);
  if (text.length > 350) {
    return [
      `Value '${text}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to 350`,
    ];
  }
  if (typeof value !== "string" || !DESTINATION_ARN.test(value)) {
    return [
      `Value '${text}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${DESTINATION_PATTERN}`,
    ];
  }
  return [];
}

function parseBody(req: EdgeRequest): Body {
  let input: unknown;
  try {
    input = req.body.length ? JSON.parse(req.body.toString("utf8")) : {};
  } catch {
    throw new LambdaError(400, "InvalidRequestContentException", "Could not parse request body into json");
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new LambdaError(400, "InvalidRequestContentException", "Could not parse request body into json");
  }
  return input as Body;
}

function missingConfig(record: FunctionRecord): LambdaError {
  return new LambdaError(
    404,
    "ResourceNotFoundException",
    `The function ${functionArn(record)}:$LATEST doesn't have an EventInvokeConfig`,
  );
}

const invalid = (message: string) => new LambdaError(400, "InvalidParameterValueException", message);
