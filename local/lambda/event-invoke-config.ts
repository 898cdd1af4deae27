// Asynchronous invocation settings of a function (restJson under /2019-09-25/functions/<name>/
// event-invoke-config): retry attempts, maximum event age and the destinations of success and failure
// records, validated as AWS validates them. Each is kept with its function's creation time, so a
// function deleted and made again starts without the old settings.
import { join } from "node:path";
import { JsonFile } from "../state.ts";
import type { CloudContext } from "../types.ts";
import { destinationRequirement, destinationService } from "./destinations.ts";
import { LambdaError } from "./errors.ts";
import { type FunctionRecord, functionArn } from "./functions.ts";
import { type Call, type LambdaOperation, onFunction, type Reply } from "./operation.ts";

export interface EventInvokeConfig {
  functionName: string;
  region: string;
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
    for (const config of this.file.load()) this.configs.set(keyOf(config), config);
  }

  /** The function's own configuration, if it has one (one left by a deleted namesake does not count). */
  get(record: FunctionRecord): EventInvokeConfig | undefined {
    const config = this.configs.get(keyOf({ region: record.region, functionName: record.name }));
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
    this.configs.set(keyOf(config), config);
    this.save();
  }

  delete(record: FunctionRecord): void {
    this.configs.delete(keyOf({ region: record.region, functionName: record.name }));
    this.save();
  }

  private save(): void {
    this.file.save([...this.configs.values()]);
  }
}

const CONFIG_PATH = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/?$/;
const LIST_PATH = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/list\/?$/;

/** The five operations, each with the IAM action it needs on the function, for Lambda's table. */
export const eventInvokeConfigOperations: LambdaOperation[] = [
  {
    name: "PutFunctionEventInvokeConfig",
    method: "PUT",
    path: CONFIG_PATH,
    iam: onFunction("lambda:PutFunctionEventInvokeConfig"),
    run: (call) => put(call, false),
  },
  {
    name: "UpdateFunctionEventInvokeConfig",
    method: "POST",
    path: CONFIG_PATH,
    iam: onFunction("lambda:UpdateFunctionEventInvokeConfig"),
    run: (call) => put(call, true),
  },
  {
    name: "GetFunctionEventInvokeConfig",
    method: "GET",
    path: CONFIG_PATH,
    iam: onFunction("lambda:GetFunctionEventInvokeConfig"),
    run: (call) => {
      const record = reading(call);
      return { status: 200, body: describe(record, existing(call, record)) };
    },
  },
  {
    name: "DeleteFunctionEventInvokeConfig",
    method: "DELETE",
    path: CONFIG_PATH,
    iam: onFunction("lambda:DeleteFunctionEventInvokeConfig"),
    run: (call) => {
      const record = reading(call);
      existing(call, record);
      call.deps.invoker.eventInvokeConfigs.delete(record);
      return { status: 204 };
    },
  },
  {
    name: "ListFunctionEventInvokeConfigs",
    method: "GET",
    path: LIST_PATH,
    iam: onFunction("lambda:ListFunctionEventInvokeConfigs"),
    run: (call) => {
      const maxItems = call.req.query.get("MaxItems");
      const problems = maxItems === null ? [] : rangeProblems("maxItems", Number(maxItems), 1, 50);
      if (problems.length > 0) throw validation(problems);
      const record = changing(call);
      const config = call.deps.invoker.eventInvokeConfigs.get(record);
      // Only $LATEST has settings here (the local cloud publishes no versions): one page holds them all.
      return { status: 200, body: { FunctionEventInvokeConfigs: config ? [describe(record, config)] : [] } };
    },
  },
];

/** The function a change names; AWS words a missing one differently for changes and for reads. */
function changing(call: Call): FunctionRecord {
  try {
    return call.record();
  } catch (error) {
    if (error instanceof LambdaError && error.status === 404) {
      throw new LambdaError(404, "ResourceNotFoundException", "The function doesn't exist.");
    }
    throw error;
  }
}

function reading(call: Call): FunctionRecord {
  try {
    return call.record();
  } catch (error) {
    if (error instanceof LambdaError && error.status === 404) {
      throw missing(call.qualifier() ? call.arn() : `${call.arn()}:$LATEST`);
    }
    throw error;
  }
}

function existing(call: Call, record: FunctionRecord): EventInvokeConfig {
  const config = call.deps.invoker.eventInvokeConfigs.get(record);
  if (!config) throw missing(`${functionArn(record)}:$LATEST`);
  return config;
}

function put(call: Call, update: boolean): Reply {
  const input = call.body();
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
  if (problems.length > 0) throw validation(problems);
  if (retries === undefined && age === undefined && destinations === undefined) {
    throw invalid("You must specify at least one of error handling or destination setting.");
  }
  const record = changing(call);
  const configs = call.deps.invoker.eventInvokeConfigs;
  const current = configs.get(record);
  if (update && !current) throw missing(`${functionArn(record)}:$LATEST`);
  checkDestinations(call.deps.ctx, record, onSuccess as string | undefined, onFailure as string | undefined);

  const base = update
    ? current!
    : { functionName: record.name, region: record.region, functionCreatedAt: record.createdAt };
  const config: EventInvokeConfig = { ...base, lastModified: Date.now() };
  if (retries !== undefined) config.maximumRetryAttempts = retries as number;
  if (age !== undefined) config.maximumEventAgeInSeconds = age as number;
  if (destinations !== undefined) {
    delete config.onSuccess;
    delete config.onFailure;
    if (onSuccess) config.onSuccess = onSuccess as string;
    if (onFailure) config.onFailure = onFailure as string;
  }
  configs.set(config);
  return { status: 200, body: describe(record, config) };
}

/** Destinations Lambda delivers to, which exist where Lambda can tell, and the execution role may use. */
function checkDestinations(
  ctx: CloudContext,
  record: FunctionRecord,
  ...arns: Array<string | undefined>
): void {
  const given = arns.filter((arn): arn is string => Boolean(arn));
  if (given.some((arn) => !destinationService(arn))) {
    const part = (name: string, arn: string | undefined) => (arn ? `${name}(destination=${arn})` : "null");
    throw invalid(
      `The provided destination config DestinationConfig(onSuccess=${part("OnSuccess", arns[0])}, onFailure=${part("OnFailure", arns[1])}) is invalid.`,
    );
  }
  for (const arn of given) {
    if (destinationService(arn) === "lambda") {
      if (arn.split(":")[6] === record.name)
        throw invalid("You can't specify the function as a destination for itself.");
      if (!ctx.lambda?.functionExists(arn, record.region))
        throw invalid(`The destination ARN ${arn} is invalid.`);
    }
    // AWS checks the execution role now and answers a role that may not send with this same generic line.
    const verdict = ctx.iam?.evaluateRole?.(record.role, destinationRequirement(arn));
    if (verdict && !verdict.allowed) throw invalid(`The destination ARN ${arn} is invalid.`);
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

function missing(qualifiedArn: string): LambdaError {
  return new LambdaError(
    404,
    "ResourceNotFoundException",
    `The function ${qualifiedArn} doesn't have an EventInvokeConfig`,
  );
}

function validation(problems: string[]): LambdaError {
  const count = problems.length === 1 ? "1 validation error" : `${problems.length} validation errors`;
  return new LambdaError(400, "ValidationException", `${count} detected: ${problems.join("; ")}`);
}

function keyOf(config: Pick<EventInvokeConfig, "region" | "functionName">): string {
  return `${config.region}\u0000${config.functionName}`;
}

const invalid = (message: string) => new LambdaError(400, "InvalidParameterValueException", message);
