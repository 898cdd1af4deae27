// The local cloud's single front door: reads each request, decides which service it is for from the
// SigV4 credential scope (X-Amz-Target as tie-breaker), applies the throttling switch, and hands it on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createConsole } from "./console/index.ts";
import { handleIamReport } from "./iam/report.ts";
import { readBody } from "./protocol/http.ts";
import { sendAwsJsonError, sendJson, sendRestJsonError } from "./protocol/json.ts";
import { sendQueryError, sendS3Error } from "./protocol/xml.ts";
import { readOutbox } from "./sns/outbox.ts";
import type { ApiGatewayService, CloudContext, EdgeRequest, ExecuteApiTarget, Service } from "./types.ts";

export type Route =
  | { kind: "service"; service: string; region?: string }
  | { kind: "execute-api"; target: ExecuteApiTarget }
  | { kind: "admin"; action: string };

const TARGET_PREFIXES: Array<[string, string]> = [
  ["DynamoDB_", "dynamodb"],
  ["Logs_", "logs"],
  ["AmazonSQS.", "sqs"],
  ["AWSEvents.", "events"],
  ["GraniteServiceVersion20100801.", "monitoring"],
];

/** Reads "Credential=AKID/20240101/us-east-1/s3/aws4_request" from a header or a presigned query. */
export function credentialScope(
  authorization: string | undefined,
  query: URLSearchParams,
): { region: string; service: string; accessKeyId: string } | undefined {
  const credential =
    authorization?.match(/Credential=([^,\s]+)/)?.[1] ?? query.get("X-Amz-Credential") ?? undefined;
  if (!credential) return undefined;
  const parts = credential.split("/");
  if (parts.length < 5) return undefined;
  return {
    region: parts[parts.length - 3]!,
    service: parts[parts.length - 2]!,
    accessKeyId: parts.slice(0, -4).join("/"),
  };
}

export function routeRequest(
  path: string,
  headers: IncomingMessage["headers"],
  query: URLSearchParams,
): Route {
  const execute = path.match(/^\/_aws\/execute-api\/([^/]+)\/([^/]+)(\/.*)?$/);
  if (execute)
    return {
      kind: "execute-api",
      target: { apiId: execute[1]!, stage: execute[2]!, path: execute[3] ?? "/" },
    };
  const legacy = path.match(/^\/restapis\/([^/]+)\/([^/]+)\/_user_request_(\/.*)?$/);
  if (legacy)
    return { kind: "execute-api", target: { apiId: legacy[1]!, stage: legacy[2]!, path: legacy[3] ?? "/" } };
  if (path.startsWith("/_s3size/")) return { kind: "admin", action: path.slice("/_s3size/".length) };
  if (path.startsWith("/_aws/sns/")) return { kind: "service", service: "sns" };

  const scope = credentialScope(headers.authorization, query);
  const target = typeof headers["x-amz-target"] === "string" ? headers["x-amz-target"] : undefined;
  if (scope) {
    // Some SDKs sign DynamoDB Streams or Logs with other names; the target settles it.
    const byTarget = target && TARGET_PREFIXES.find(([prefix]) => target.startsWith(prefix))?.[1];
    return { kind: "service", service: byTarget ?? scope.service, region: scope.region };
  }
  if (target) {
    const byTarget = TARGET_PREFIXES.find(([prefix]) => target.startsWith(prefix))?.[1];
    if (byTarget) return { kind: "service", service: byTarget };
  }
  const link = snsLink(path, query);
  if (link) return link;
  // Unsigned requests (a browser following a link, curl) are S3's, as on AWS's S3 endpoints.
  return { kind: "service", service: "s3" };
}

/**
 * The unsigned links SNS sends (ConfirmSubscription in a confirmation email, Unsubscribe in every
 * notification), in the region of the topic they name.
 */
function snsLink(path: string, query: URLSearchParams): Route | undefined {
  const action = query.get("Action");
  if (path !== "/" || (action !== "ConfirmSubscription" && action !== "Unsubscribe")) return undefined;
  const region = (query.get("TopicArn") ?? query.get("SubscriptionArn") ?? "").split(":")[3];
  return { kind: "service", service: "sns", ...(region ? { region } : {}) };
}

/** Calls that change or describe resources; data-plane calls (object I/O, Query, Invoke, PutLogEvents) are never throttled. */
export function isControlPlane(
  service: string,
  req: Pick<EdgeRequest, "method" | "path" | "query" | "target"> & { body?: Buffer },
): boolean {
  // The messaging services' data plane; only their JSON calls are throttled (the SDK's wire).
  const operation = req.target?.split(".").pop();
  switch (service) {
    case "sqs":
      return operation !== undefined && !/Message|PurgeQueue/.test(operation);
    case "events":
      return operation !== undefined && !/^(PutEvents|TestEventPattern)$/.test(operation);
    case "monitoring":
      return (
        operation !== undefined &&
        !/^(PutMetricData|GetMetricStatistics|GetMetricData|ListMetrics)$/.test(operation)
      );
    case "sns": {
      const action =
        req.query.get("Action") ?? new URLSearchParams(req.body?.toString("utf8") ?? "").get("Action");
      return action !== null && !/^(Publish|PublishBatch|ConfirmSubscription)$/.test(action);
    }
    case "iam":
    case "apigateway":
      return true;
    case "lambda":
      return !/\/invocations$/.test(req.path);
    case "logs":
      return !/PutLogEvents|GetLogEvents|FilterLogEvents/.test(req.target ?? "");
    case "dynamodb":
      return /CreateTable|DeleteTable|UpdateTable|TagResource|UntagResource/.test(req.target ?? "");
    default:
      return false;
  }
}

/** Answers with the throttling error each service's SDK recognises as retryable. */
export function sendThrottle(service: string, res: ServerResponse): void {
  const message = "Rate exceeded (local cloud throttling switch)";
  if (service === "lambda") {
    sendRestJsonError(res, 429, "TooManyRequestsException", message, { Reason: "CallerRateLimitExceeded" });
  } else if (service === "apigateway") {
    sendRestJsonError(res, 429, "TooManyRequestsException", message);
  } else if (service === "iam" || service === "sts") {
    sendQueryError(res, 400, "Throttling", message);
  } else if (service === "dynamodb") {
    const code = "com.amazonaws.dynamodb.v20120810#ThrottlingException";
    sendAwsJsonError(res, 400, code, message, "application/x-amz-json-1.0");
  } else if (service === "s3") {
    sendS3Error(res, 503, "SlowDown", message);
  } else if (service === "sns") {
    sendQueryError(res, 429, "Throttled", message);
  } else if (service === "sqs" || service === "monitoring") {
    // awsQueryCompatible: the SDK takes the error's name from x-amzn-query-error.
    const code = service === "sqs" ? "RequestThrottled" : "Throttling";
    const status = service === "sqs" ? 403 : 400;
    sendJson(res, status, { __type: code, message }, "application/x-amz-json-1.0", {
      "x-amzn-query-error": `${code};Sender`,
    });
  } else {
    sendAwsJsonError(res, 400, "ThrottlingException", message);
  }
}

export interface EdgeServices {
  services: Map<string, Service>;
  apigateway: ApiGatewayService;
}

export function createEdge(ctx: CloudContext, routes: EdgeServices): Server {
  let controlCalls = 0;
  const localConsole = createConsole(ctx, routes.services);
  const handleAdmin = (action: string, req: EdgeRequest, res: ServerResponse) => {
    if (action === "console" || action.startsWith("console/")) return localConsole.handle(req, res);
    if (action === "health") return sendJson(res, 200, { ok: true, services: [...routes.services.keys()] });
    if (action === "iam/report") return handleIamReport(ctx, req, res);
    if (action === "realism") {
      if (req.method === "POST") Object.assign(ctx.realism, JSON.parse(req.body.toString("utf8") || "{}"));
      return sendJson(res, 200, ctx.realism);
    }
    if (action === "outbox" && req.method === "GET") {
      const to = req.query.get("to") ?? undefined;
      const topicArn = req.query.get("topicArn") ?? undefined;
      return sendJson(res, 200, {
        emails: readOutbox(ctx.dataDir, { ...(to ? { to } : {}), ...(topicArn ? { topicArn } : {}) }),
      });
    }
    sendJson(res, 404, { message: `unknown admin action ${action}` });
  };

  return createServer(async (incoming, res) => {
    try {
      const body = await readBody(incoming);
      const url = new URL(incoming.url ?? "/", "http://local");
      // The path as sent: URL would resolve "/a/../b/x" to bucket b (issue8-safety's edge does this fully).
      const path = (incoming.url ?? "/").split("?")[0]!;
      const route = routeRequest(path, incoming.headers, url.searchParams);
      const target = incoming.headers["x-amz-target"];
      const accessKeyId = credentialScope(incoming.headers.authorization, url.searchParams)?.accessKeyId;
      const req: EdgeRequest = {
        method: incoming.method ?? "GET",
        path,
        query: url.searchParams,
        headers: incoming.headers,
        body,
        service: route.kind === "service" ? route.service : route.kind,
        region: (route.kind === "service" && route.region) || ctx.region,
        ...(typeof target === "string" ? { target } : {}),
        ...(accessKeyId ? { accessKeyId } : {}),
      };
      ctx.debug(`${req.method} ${incoming.url} -> ${req.service}${req.target ? ` (${req.target})` : ""}`);
      if (route.kind === "admin") return handleAdmin(route.action, req, res);
      if (route.kind === "execute-api") return await routes.apigateway.execute(route.target, req, res);
      const service = routes.services.get(route.service);
      if (!service) {
        return sendJson(res, 400, {
          __type: "UnknownService",
          message: `The local cloud does not emulate the service "${route.service}"`,
        });
      }
      if (ctx.realism.throttleEveryN > 0 && isControlPlane(route.service, req)) {
        controlCalls += 1;
        if (controlCalls % ctx.realism.throttleEveryN === 0) return sendThrottle(route.service, res);
      }
      await service.handle(req, res);
    } catch (error) {
      ctx.debug(`edge error: ${(error as Error).stack ?? error}`);
      if (!res.headersSent)
        sendJson(res, 500, { __type: "InternalFailure", message: (error as Error).message });
      else res.end();
    }
  });
}
