// What every API Gateway control-plane operation shares: its routes' shape, errors in restJson form,
// ids, position/limit paging and JSON-Patch-style paths (`/binaryMediaTypes/image~1png`).
import { randomInt } from "node:crypto";
import type { CloudContext } from "../types.ts";
import { type ApiGatewayState, dictionary, type StoredApi, type StoredResource } from "./model.ts";

/** Becomes a restJson error (X-Amzn-ErrorType) so the SDK raises the named exception. */
export class ApiGatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code:
      | "NotFoundException"
      | "ConflictException"
      | "BadRequestException"
      | "LimitExceededException",
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new ApiGatewayError(404, "NotFoundException", message);
export const badRequest = (message: string) => new ApiGatewayError(400, "BadRequestException", message);
export const conflict = (message: string) => new ApiGatewayError(409, "ConflictException", message);

export interface OperationInput {
  /** Path parameters, already decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  region: string;
}

export interface OperationResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: string;
  /** e.g. "/restapis/{restApiId}/resources/{resourceId}" */
  template: string;
  run(input: OperationInput): OperationResult;
}

/** The state and helpers the operations work on; `save` persists after every change. */
export interface ControlContext {
  ctx: CloudContext;
  state: ApiGatewayState;
  save(): void;
}

/** API Gateway ids: ten lowercase letters and digits. */
export function newId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "";
  for (let index = 0; index < 10; index += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

export const epochSeconds = () => Math.floor(Date.now() / 1000);

/** An API of the request's region: another region's API is not found, as on AWS. */
export function findApi(control: ControlContext, id: string | undefined, region: string): StoredApi {
  const api = id ? control.state.apis[id] : undefined;
  if (!api || api.region !== region) throw notFound("Invalid API identifier specified");
  return api;
}

/** `{item, position}` pages: the position is the offset of the next page. */
export function pageOf<T>(items: T[], query: URLSearchParams): { item: T[]; position?: string } {
  const start = Number(query.get("position") ?? 0) || 0;
  const limit = Math.min(Number(query.get("limit") ?? 25) || 25, 500);
  const next = start + limit;
  return next < items.length
    ? { item: items.slice(start, next), position: String(next) }
    : { item: items.slice(start) };
}

export function findResource(api: StoredApi, id: string | undefined): StoredResource {
  const resource = id ? api.resources[id] : undefined;
  if (!resource) throw notFound("Invalid Resource identifier specified");
  return resource;
}

export interface PatchOperation {
  op: string;
  path: string;
  value?: string;
  from?: string;
}

export function patchOperations(body: Record<string, unknown>): PatchOperation[] {
  const operations = body.patchOperations;
  return Array.isArray(operations) ? (operations as PatchOperation[]) : [];
}

/** Splits a patch path into unescaped parts: `/binaryMediaTypes/image~1png` → ["binaryMediaTypes", "image/png"]. */
export function patchPath(path: string): string[] {
  return path
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export const invalidPatch = (operation: PatchOperation) =>
  badRequest(`Invalid patch path '${operation.path}' specified for op '${operation.op}'.`);

export function stringMap(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== "object") return undefined;
  return dictionary(
    Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
  );
}
