// The Query protocol (IAM, STS): form-encoded requests `Action=X&Version=…&Tags.member.1.Key=…` in,
// `<XResponse><XResult>…</XResult><ResponseMetadata>…` out; handled once for every Query service.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { EdgeRequest } from "../types.ts";
import type { Input, Wire } from "./operations.ts";
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

  /**
   * Every parameter as the JSON protocols would carry it: `A.member.N` lists become arrays,
   * `A.entry.N.key/value` (and `.Name/.Value`) maps become objects, other numbered parts
   * (`Attribute.N.Name`, SQS's flattened lists) become arrays. Objects have no prototype, so a
   * parameter named `__proto__` stays a plain key.
   */
  toInput(): Input {
    const root: Tree = Object.create(null);
    for (const [name, value] of this.values) {
      const parts = name.split(".");
      let node = root;
      for (const part of parts.slice(0, -1)) {
        const child = node[part];
        if (typeof child === "object") node = child;
        else node = node[part] = Object.create(null);
      }
      const last = parts[parts.length - 1]!;
      if (typeof node[last] !== "object") node[last] = value;
    }
    return collapse(root) as Input;
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

interface Tree {
  [part: string]: string | Tree;
}

function numbered(node: Tree): unknown[] {
  return Object.keys(node)
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => collapse(node[key]!));
}

function collapse(node: string | Tree): unknown {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === "member" && typeof node.member === "object")
    return numbered(node.member);
  if (keys.length === 1 && keys[0] === "entry" && typeof node.entry === "object") {
    const map: Record<string, unknown> = Object.create(null);
    for (const entry of numbered(node.entry) as Array<Record<string, unknown>>) {
      const key = entry.key ?? entry.Name;
      if (typeof key === "string") map[key] = entry.value ?? entry.Value;
    }
    return map;
  }
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) return numbered(node);
  const object: Record<string, unknown> = Object.create(null);
  for (const key of keys) object[key] = collapse(node[key]!);
  return object;
}

/**
 * A list rendered with its own element name: `<entry>` for maps (`<Attributes><entry><key/>…`), or,
 * flattened, repeated in place of the field's own element (SQS's `<Attribute>…</Attribute><Attribute>…`).
 */
export class XmlList {
  constructor(
    readonly element: string,
    readonly items: XmlValue[],
    readonly flattened = false,
  ) {}

  render(): string {
    return this.items.map((item) => `<${this.element}>${toXml(item)}</${this.element}>`).join("");
  }
}

/** A string map as Query renders one: `<entry><key>…</key><value>…</value></entry>`. */
export function xmlMap(map: Record<string, string>): XmlList {
  return new XmlList(
    "entry",
    Object.entries(map).map(([key, value]) => ({ key, value })),
  );
}

/** A value as the Query protocol renders it: arrays become `<member>` lists, objects nest, undefined is left out. */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | XmlList
  | undefined
  | null
  | XmlValue[]
  | { [key: string]: XmlValue };

export function toXml(value: XmlValue): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Date) return value.toISOString();
  if (value instanceof XmlList) return value.render();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join("");
  if (typeof value === "object") {
    return Object.entries(value)
      .filter(([, field]) => field !== undefined && field !== null)
      .map(([key, field]) =>
        field instanceof XmlList && field.flattened ? field.render() : `<${key}>${toXml(field)}</${key}>`,
      )
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
    sendQueryResult(res, namespace, action, await operation(params, req));
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    sendQueryError(res, error.status, error.code, error.message);
  }
}

function sendQueryResult(res: ServerResponse, namespace: string, action: string, result: XmlValue): void {
  const requestId = randomUUID();
  const resultXml = result === undefined ? "" : `<${action}Result>${toXml(result)}</${action}Result>`;
  sendXml(
    res,
    200,
    `<${action}Response xmlns="${namespace}">${resultXml}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    { "x-amzn-requestid": requestId, "content-type": "text/xml" },
  );
}

/**
 * The Query wire for operation-table services: `Action=<Operation>` and its parameters read into the
 * JSON shape (`toInput`), results rendered by `render` (lists as `<member>` unless it says otherwise).
 */
export function queryWire(
  namespace: string,
  shapes: {
    read?: (operation: string, input: Input) => Input;
    render?: (operation: string, output: unknown) => XmlValue;
  } = {},
): Wire {
  return {
    operation: (req) => QueryParams.fromRequest(req).get("Action") ?? "",
    input(req) {
      const input = QueryParams.fromRequest(req).toInput();
      return shapes.read ? shapes.read(String(input.Action ?? ""), input) : input;
    },
    output(res, operation, output) {
      sendQueryResult(
        res,
        namespace,
        operation,
        shapes.render ? shapes.render(operation, output) : (output as XmlValue),
      );
    },
    error: (res, error) => sendQueryError(res, error.status, error.queryCode, error.message),
  };
}
