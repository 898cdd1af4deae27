// The Query protocol (IAM, STS): form-encoded requests `Action=X&Version=…&Tags.member.1.Key=…` in,
// `<XResponse><XResult>…</XResult><ResponseMetadata>…` out; handled once for every Query service.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { EdgeRequest } from "../types.ts";
import { sendQueryError, sendXml, xmlEscape } from "./xml.ts";

/** A failure an operation raises; the dispatcher turns it into `<ErrorResponse>` with this status. */
export class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The parameters of one Query request, from the form body and the URL's query string. */
export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(form: URLSearchParams) {
    for (const [name, value] of form) this.values.set(name, value);
  }

  static fromRequest(req: Pick<EdgeRequest, "body" | "query">): QueryParams {
    const form = new URLSearchParams(req.query);
    for (const [name, value] of new URLSearchParams(req.body.toString("utf8"))) form.set(name, value);
    return new QueryParams(form);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** A parameter the operation cannot do without; missing → ValidationError as AWS answers. */
  required(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === "") {
      throw new QueryError(
        400,
        "ValidationError",
        `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  integer(name: string): number | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed)) throw new QueryError(400, "ValidationError", `${name} must be an integer`);
    return parsed;
  }

  /** `Name.member.1`, `Name.member.2`, … as strings. */
  list(name: string): string[] {
    const items: string[] = [];
    for (let index = 1; this.values.has(`${name}.member.${index}`); index += 1) {
      items.push(this.values.get(`${name}.member.${index}`)!);
    }
    return items;
  }

  /** `Name.member.1.Field`, … as records of the fields present. */
  structList(name: string): Array<Record<string, string>> {
    const items: Array<Record<string, string>> = [];
    for (let index = 1; ; index += 1) {
      const prefix = `${name}.member.${index}.`;
      const item: Record<string, string> = {};
      for (const [key, value] of this.values) {
        if (key.startsWith(prefix)) item[key.slice(prefix.length)] = value;
      }
      if (Object.keys(item).length === 0) return items;
      items.push(item);
    }
  }
}

/** A value as the Query protocol renders it: arrays become `<member>` lists, objects nest, undefined is left out. */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | XmlValue[]
  | { [key: string]: XmlValue };

export function toXml(value: XmlValue): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join("");
  if (typeof value === "object") {
    return Object.entries(value)
      .filter(([, field]) => field !== undefined && field !== null)
      .map(([key, field]) => `<${key}>${toXml(field)}</${key}>`)
      .join("");
  }
  return xmlEscape(String(value));
}

export type QueryOperation = (params: QueryParams, req: EdgeRequest) => XmlValue | Promise<XmlValue>;

/** Runs the request's Action and renders its result (or its QueryError) in the Query protocol's XML. */
export async function serveQuery(
  req: EdgeRequest,
  res: ServerResponse,
  namespace: string,
  operations: Record<string, QueryOperation>,
): Promise<void> {
  const params = QueryParams.fromRequest(req);
  const action = params.get("Action") ?? "";
  const operation = Object.hasOwn(operations, action) ? operations[action] : undefined;
  if (!operation) {
    return sendQueryError(res, 400, "InvalidAction", `Could not find operation ${action || "(none)"}`);
  }
  try {
    const result = await operation(params, req);
    const requestId = randomUUID();
    const resultXml = result === undefined ? "" : `<${action}Result>${toXml(result)}</${action}Result>`;
    sendXml(
      res,
      200,
      `<${action}Response xmlns="${namespace}">${resultXml}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      { "x-amzn-requestid": requestId, "content-type": "text/xml" },
    );
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    sendQueryError(res, error.status, error.code, error.message);
  }
}
