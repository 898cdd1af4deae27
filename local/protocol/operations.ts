// One dispatcher for the services built as operation tables (SQS, SNS, EventBridge, CloudWatch): find the
// operation, read its input in the request's wire protocol, ask IAM with the requirement the operation
// declares next to itself, run it, and answer in the same protocol — its output or the service's error.
import type { ServerResponse } from "node:http";
import { authorize, jsonDenialCode } from "../authorization.ts";
import type { AuthorizationResult, CloudContext, EdgeRequest, IamRequirement } from "../types.ts";

/** An operation's input as the JSON protocols carry it; the Query and CBOR wires are read into the same shape. */
export type Input = Record<string, unknown>;

/**
 * A refusal an operation raises. `code` is the error's name in the JSON and CBOR protocols (the SDK's
 * exception name); `queryCode` is the code the Query protocol (and awsQueryCompatible JSON) carries,
 * e.g. QueueDoesNotExist / AWS.SimpleQueueService.NonExistentQueue.
 */
export class ServiceError extends Error {
  readonly queryCode: string;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    queryCode?: string,
  ) {
    super(message);
    this.queryCode = queryCode ?? code;
  }
}

export interface Operation<I = Input> {
  /**
   * The IAM action and resource ARNs (and the resource's own policy) the call needs; several when AWS
   * asks for more than one action (PutRule with Tags also needs events:TagResource).
   */
  iam(input: I, req: EdgeRequest): IamRequirement | IamRequirement[];
  run(input: I, req: EdgeRequest): unknown;
}

/** One wire protocol: where the operation's name and input are in a request, how answers are written. */
export interface Wire {
  operation(req: EdgeRequest): string;
  input(req: EdgeRequest): Input;
  output(res: ServerResponse, operation: string, output: unknown): void;
  error(res: ServerResponse, error: ServiceError): void;
}

export interface ServiceErrors {
  unknownOperation(name: string): ServiceError;
  accessDenied(message: string): ServiceError;
  /** The call runs without asking IAM: AWS's unsigned links (SNS's ConfirmSubscription URL). */
  anonymous?: boolean;
}

export async function dispatch(
  ctx: CloudContext,
  req: EdgeRequest,
  res: ServerResponse,
  wire: Wire,
  // biome-ignore lint/suspicious/noExplicitAny: each table types its own inputs
  operations: Record<string, Operation<any>>,
  errors: ServiceErrors,
): Promise<void> {
  try {
    const name = wire.operation(req);
    const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (!operation) throw errors.unknownOperation(name);
    const input = wire.input(req);
    if (!errors.anonymous) {
      for (const requirement of [operation.iam(input, req)].flat()) {
        const decision = authorize(ctx, req, requirement);
        if (!decision.allowed) throw refusal(decision, errors);
      }
    }
    wire.output(res, name, await operation.run(input, req));
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    wire.error(res, error);
  }
}

/**
 * Credentials AWS does not accept have names of their own in every protocol (the JSON ones' exception
 * names, the Query ones' codes); a refused action is the service's own AccessDenied.
 */
function refusal(
  decision: Extract<AuthorizationResult, { allowed: false }>,
  errors: ServiceErrors,
): ServiceError {
  if (decision.credentials === "expired") {
    return new ServiceError(403, jsonDenialCode(decision), decision.message, "ExpiredToken");
  }
  if (decision.credentials === "invalid") {
    return new ServiceError(403, jsonDenialCode(decision), decision.message, "InvalidClientTokenId");
  }
  return errors.accessDenied(decision.message);
}

/** A timestamp as any wire sends it: epoch seconds (JSON), ISO 8601 (Query), a Date (CBOR). */
export function toDate(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value * 1000);
  const text = String(value);
  const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Query sends every scalar as text; JSON and CBOR send numbers. */
export function toNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "number" ? value : Number(value);
  return Number.isNaN(number) ? undefined : number;
}

export function toBoolean(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return value === true || value === "true";
}

export function toList<T = unknown>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

/** One page of a listing and the opaque token for the next one (absent on the last page). */
export function paginate<T>(items: T[], token: unknown, limit: number): { items: T[]; next?: string } {
  const start = token ? Number(Buffer.from(String(token), "base64").toString()) || 0 : 0;
  const next =
    start + limit < items.length ? Buffer.from(String(start + limit)).toString("base64") : undefined;
  return { items: items.slice(start, start + limit), ...(next ? { next } : {}) };
}
