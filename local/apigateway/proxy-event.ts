// The Lambda proxy integration's two translations, as REST API (v1) does them: an HTTP request into the
// proxy event, and the function's `{statusCode, headers, body, isBase64Encoded}` back into an HTTP response.
import type { IncomingHttpHeaders } from "node:http";

/** Whether a media type is one of the API's binary media types (`*\/*` and `image/*` wildcards allowed). */
export function isBinaryMediaType(mediaType: string | undefined, binaryMediaTypes: string[]): boolean {
  const type = mediaType?.split(";")[0]?.trim().toLowerCase();
  if (!type) return false;
  const [major] = type.split("/");
  return binaryMediaTypes.some((candidate) => {
    const wanted = candidate.toLowerCase();
    return wanted === "*/*" || wanted === type || wanted === `${major}/*`;
  });
}

/** The source ARN API Gateway presents to Lambda: `…:<apiId>/<stage>/<METHOD>/<resource path>`. */
export function executeSourceArn(
  region: string,
  accountId: string,
  apiId: string,
  stage: string,
  httpMethod: string,
  resourcePath: string,
): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${httpMethod}/${resourcePath.replace(/^\//, "")}`;
}

/** The function ARN inside `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`. */
export function functionArnFromUri(uri: string | undefined): string | undefined {
  return uri?.match(/:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/)?.[1];
}

export interface ProxyRequest {
  apiId: string;
  stage: string;
  accountId: string;
  deploymentId: string;
  resourceId: string;
  resourcePath: string;
  httpMethod: string;
  /** Decoded path below the stage, starting with "/". */
  path: string;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  pathParameters: Record<string, string>;
  stageVariables?: Record<string, string>;
  body: Buffer;
  binaryMediaTypes: string[];
  requestId: string;
  extendedRequestId: string;
  sourceIp: string;
  now: Date;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `09/Apr/2015:12:34:56 +0000`, the CLF time API Gateway puts in requestContext.requestTime. */
export function requestTime(now: Date): string {
  const two = (value: number) => String(value).padStart(2, "0");
  return `${two(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())} +0000`;
}

function headerMaps(headers: IncomingHttpHeaders) {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    multi[name] = values;
    single[name] = values[values.length - 1]!;
  }
  return { single, multi };
}

function queryMaps(query: URLSearchParams) {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of query) {
    multi[name] = [...(multi[name] ?? []), value];
    single[name] = value;
  }
  const none = Object.keys(single).length === 0;
  return { single: none ? null : single, multi: none ? null : multi };
}

export function buildProxyEvent(request: ProxyRequest): Record<string, unknown> {
  const headers = headerMaps(request.headers);
  const query = queryMaps(request.query);
  const binary = isBinaryMediaType(headers.single["content-type"], request.binaryMediaTypes);
  const domainName = headers.single.host ?? "localhost";
  const hasBody = request.body.length > 0;
  return {
    resource: request.resourcePath,
    path: request.path,
    httpMethod: request.httpMethod,
    headers: Object.keys(headers.single).length > 0 ? headers.single : null,
    multiValueHeaders: Object.keys(headers.multi).length > 0 ? headers.multi : null,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: Object.keys(request.pathParameters).length > 0 ? request.pathParameters : null,
    stageVariables:
      request.stageVariables && Object.keys(request.stageVariables).length > 0
        ? request.stageVariables
        : null,
    requestContext: {
      resourceId: request.resourceId,
      resourcePath: request.resourcePath,
      httpMethod: request.httpMethod,
      extendedRequestId: request.extendedRequestId,
      requestTime: requestTime(request.now),
      path: `/${request.stage}${request.path}`,
      accountId: request.accountId,
      protocol: "HTTP/1.1",
      stage: request.stage,
      domainPrefix: domainName.split(".")[0]!.split(":")[0],
      requestTimeEpoch: request.now.getTime(),
      requestId: request.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: request.sourceIp,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: headers.single["user-agent"] ?? null,
        user: null,
      },
      domainName,
      deploymentId: request.deploymentId,
      apiId: request.apiId,
    },
    body: hasBody ? request.body.toString(binary ? "base64" : "utf8") : null,
    isBase64Encoded: hasBody && binary,
  };
}

export interface ProxyResponse {
  statusCode: number;
  headers: Record<string, string[]>;
  body: Buffer;
}

/** Thrown when a function's answer is not a proxy response; API Gateway answers 502 then. */
export class MalformedProxyResponse extends Error {}

function headerValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Maps the function's answer. A base64 body becomes bytes only when the client accepts (first Accept type)
 * or the response declares a binary media type; otherwise the text passes through as it is.
 */
export function mapProxyResponse(
  payload: Buffer,
  accept: string | undefined,
  binaryMediaTypes: string[],
): ProxyResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new MalformedProxyResponse("the function's response is not JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new MalformedProxyResponse("the function's response is not an object");
  }
  const answer = parsed as Record<string, unknown>;
  const statusCode = Number(answer.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedProxyResponse("the function's response has no valid statusCode");
  }
  const headers: Record<string, string[]> = {};
  const lowerNames = new Map<string, string>();
  const add = (name: string, values: string[]) => {
    const existing = lowerNames.get(name.toLowerCase());
    if (existing) headers[existing] = [...new Set([...headers[existing]!, ...values])];
    else {
      lowerNames.set(name.toLowerCase(), name);
      headers[name] = values;
    }
  };
  for (const [name, value] of Object.entries((answer.headers ?? {}) as Record<string, unknown>)) {
    if (value !== null && value !== undefined) add(name, [headerValue(value)]);
  }
  for (const [name, values] of Object.entries((answer.multiValueHeaders ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(values)) add(name, values.map(headerValue));
  }
  const contentTypeName = lowerNames.get("content-type");
  if (!contentTypeName) add("Content-Type", ["application/json"]);
  const contentType = headers[lowerNames.get("content-type")!]![0];

  const rawBody = answer.body;
  const text = rawBody === undefined || rawBody === null ? "" : headerValue(rawBody);
  const firstAccepted = accept?.split(",")[0];
  const binary =
    answer.isBase64Encoded === true &&
    (isBinaryMediaType(firstAccepted, binaryMediaTypes) || isBinaryMediaType(contentType, binaryMediaTypes));
  return { statusCode, headers, body: binary ? Buffer.from(text, "base64") : Buffer.from(text, "utf8") };
}
