// Errors the edge raises itself (refusals, throttling, oversized bodies, unexpected failures), answered in
// the wire shape of the protocol the request speaks, so every SDK raises a named exception instead of
// failing to parse the answer. The protocol is read from the request, so services added later need no entry.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { rpcV2CborWire } from "./cbor.ts";
import { sendJson, sendRestJsonError } from "./json.ts";
import { ServiceError } from "./operations.ts";
import { sendQueryError, sendS3Error } from "./xml.ts";

export type WireProtocol =
  | "rest-xml"
  | "query"
  | "aws-json-1.0"
  | "aws-json-1.1"
  | "rpc-v2-cbor"
  | "rest-json"
  | "plain-json";

export interface ProtocolHints {
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
}

/** Which error shape a request expects: by service where it is fixed, else by what the request carries. */
export function protocolOf(service: string, req: ProtocolHints): WireProtocol {
  if (service === "s3") return "rest-xml";
  if (service === "admin" || service === "execute-api") return "plain-json";
  if (req.headers["smithy-protocol"] === "rpc-v2-cbor") return "rpc-v2-cbor";
  const contentType = String(req.headers["content-type"] ?? "");
  if (contentType.includes("x-amz-json-1.0")) return "aws-json-1.0";
  if (contentType.includes("x-amz-json") || req.headers["x-amz-target"] !== undefined) return "aws-json-1.1";
  if (contentType.includes("x-www-form-urlencoded") || req.query.has("Action")) return "query";
  return "rest-json";
}

/** The codes each service uses for the errors the edge raises; the rest use AWS's common ones. */
const SERVICE_CODES = new Map<string, Partial<Record<EdgeFailure, [number, string]>>>([
  [
    "s3",
    {
      throttled: [503, "SlowDown"],
      denied: [403, "AccessDenied"],
      internal: [500, "InternalError"],
      tooLarge: [400, "EntityTooLarge"],
    },
  ],
  [
    "lambda",
    {
      throttled: [429, "TooManyRequestsException"],
      internal: [500, "ServiceException"],
      tooLarge: [413, "RequestEntityTooLargeException"],
    },
  ],
  ["apigateway", { throttled: [429, "TooManyRequestsException"] }],
  [
    "iam",
    { throttled: [400, "Throttling"], denied: [403, "AccessDenied"], internal: [500, "ServiceFailure"] },
  ],
  [
    "sts",
    { throttled: [400, "Throttling"], denied: [403, "AccessDenied"], internal: [500, "ServiceFailure"] },
  ],
  [
    "dynamodb",
    {
      throttled: [400, "com.amazonaws.dynamodb.v20120810#ThrottlingException"],
      internal: [500, "com.amazonaws.dynamodb.v20120810#InternalServerError"],
    },
  ],
  [
    "sns",
    { throttled: [429, "Throttled"], denied: [403, "AuthorizationError"], internal: [500, "InternalError"] },
  ],
  ["sqs", { throttled: [403, "RequestThrottled"], internal: [500, "InternalError"] }],
  ["monitoring", { throttled: [400, "Throttling"], internal: [500, "InternalServiceError"] }],
]);

/** Services that moved from Query to JSON or CBOR: their errors also carry the Query code, which SDKs read first. */
const QUERY_COMPATIBLE = new Set(["sqs", "monitoring"]);
/** The Smithy namespace CBOR errors name their type in. */
const CBOR_NAMESPACES = new Map([["monitoring", "com.amazonaws.cloudwatch"]]);

export type EdgeFailure = "throttled" | "denied" | "internal" | "tooLarge";

const COMMON_CODES: Record<EdgeFailure, [number, string]> = {
  throttled: [400, "ThrottlingException"],
  denied: [403, "AccessDeniedException"],
  internal: [500, "InternalFailure"],
  tooLarge: [413, "RequestEntityTooLargeException"],
};

/** Answers one of the edge's own failures with the service's code and status, in the request's protocol. */
export function sendEdgeFailure(
  res: ServerResponse,
  service: string,
  req: ProtocolHints,
  failure: EdgeFailure,
  message: string,
  extra: Record<string, string> = {},
): void {
  const [status, serviceCode] = SERVICE_CODES.get(service)?.[failure] ?? COMMON_CODES[failure];
  const protocol = protocolOf(service, req);
  // Query-protocol services (SNS, CloudWatch, …) name a refusal AccessDenied, JSON ones AccessDeniedException.
  const code =
    protocol === "query" && failure === "denied" && service !== "sns" ? "AccessDenied" : serviceCode;
  if (protocol === "rpc-v2-cbor") {
    const namespace = CBOR_NAMESPACES.get(service) ?? `com.amazonaws.${service}`;
    const wire = rpcV2CborWire({ namespace, queryCompatible: QUERY_COMPATIBLE.has(service) });
    wire.error(res, new ServiceError(status, code, message));
  } else {
    const headers: Record<string, string> = QUERY_COMPATIBLE.has(service)
      ? { "x-amzn-query-error": `${code};${status >= 500 ? "Receiver" : "Sender"}` }
      : {};
    sendProtocolError(res, protocol, status, code, message, extra, headers);
  }
}

export function sendProtocolError(
  res: ServerResponse,
  protocol: Exclude<WireProtocol, "rpc-v2-cbor">,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): void {
  if (protocol === "rest-xml") sendS3Error(res, status, code, message, extra);
  else if (protocol === "query") sendQueryError(res, status, code, message);
  else if (protocol === "rest-json") {
    // Lambda's error bodies say whose fault it was: the caller's (User) or the service's.
    sendRestJsonError(res, status, code, message, {
      ...(status >= 500 ? { Type: "Service" } : {}),
      ...extra,
    });
  } else if (protocol === "plain-json") {
    sendJson(res, status, { message, ...extra }, "application/json", { "x-amzn-errortype": code });
  } else {
    const contentType = `application/x-amz-json-${protocol.slice(-3)}`;
    sendJson(res, status, { __type: code, message }, contentType, { "x-amzn-errortype": code, ...headers });
  }
}
