// What every Lambda operation is: a route, the IAM action and resource ARNs it needs (as the Service
// Authorization Reference lists them), and what it does. The dispatcher in api.ts reads the table.
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import type { EnvironmentPool } from "./environments.ts";
import { LambdaError } from "./errors.ts";
import type { FunctionRecord, FunctionStore } from "./functions.ts";
import type { Invoker } from "./invoke.ts";
import { type FunctionRef, findFunction, parseFunctionRef, referencedArn } from "./lookup.ts";
import { policyDocument } from "./permissions.ts";

export type Body = Record<string, unknown>;

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is (Invoke's payload) instead of `body` as JSON. */
  raw?: Buffer;
}

export interface LambdaDeps {
  ctx: CloudContext;
  store: FunctionStore;
  pool: EnvironmentPool;
  invoker: Invoker;
}

/** One request to one operation: its path parameters, and the body and function read on demand. */
export class Call {
  private parsed?: Body;

  constructor(
    readonly deps: LambdaDeps,
    readonly req: EdgeRequest,
    /** The route's captured path segments, percent-decoded. */
    readonly params: string[],
  ) {}

  get region(): string {
    return this.req.region;
  }

  body(): Body {
    this.parsed ??= parseBody(this.req.body);
    return this.parsed;
  }

  /** The function the path names (its first parameter). */
  ref(): FunctionRef {
    return parseFunctionRef(this.params[0] ?? "");
  }

  qualifier(): string | undefined {
    return this.req.query.get("Qualifier") ?? this.ref().qualifier;
  }

  /** The ARN IAM evaluates: the named function in the request's region, qualified when a qualifier was given. */
  arn(): string {
    const qualifier = this.qualifier();
    return `${referencedArn(this.ref(), this.region)}${qualifier ? `:${qualifier}` : ""}`;
  }

  record(): FunctionRecord {
    return findFunction(this.deps.store, this.params[0] ?? "", this.region, this.qualifier());
  }

  /** The function when it exists, for a requirement that carries its resource policy. */
  existing(): FunctionRecord | undefined {
    try {
      return this.record();
    } catch {
      return undefined;
    }
  }
}

function parseBody(body: Buffer): Body {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LambdaError(400, "InvalidRequestContentException", "Could not parse request body into json");
  }
  return value as Body;
}

export interface LambdaOperation {
  /** The API's operation name (CreateFunction, Invoke, …). */
  name: string;
  method: string;
  /** Matches the raw path; its groups are the path parameters. */
  path: RegExp;
  iam(call: Call): IamRequirement[];
  run(call: Call): Reply | Promise<Reply>;
}

/** The requirement of an operation on the function the path names; its resource policy goes along. */
export const onFunction =
  (action: string) =>
  (call: Call): IamRequirement[] => {
    const policy = call.existing()?.policy ?? [];
    return [
      {
        action,
        resources: [call.arn()],
        ...(policy.length > 0 ? { resourcePolicy: policyDocument(policy) } : {}),
      },
    ];
  };

/** Routes of /2015-03-31/functions/{FunctionName}/…: the name may be an ARN (percent-encoded colons). */
export const functionPath = (suffix = "") => new RegExp(`^/2015-03-31/functions/([^/]+)${suffix}/?$`);
