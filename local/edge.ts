// The local cloud's single front door: reads each request, decides which service it is for from the
// SigV4 credential scope (X-Amz-Target as tie-breaker) on the raw path as sent, turns away what the
// request guard refuses, applies the throttling switch, and hands it on; a failing service fails only
// its own request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AdminContext, handleAdmin } from "./admin.ts";
import { createConsole } from "./console/index.ts";
import { type ProtocolHints, sendEdgeFailure } from "./protocol/errors.ts";
import { BodyTooLargeError, readBody, splitRequestTarget } from "./protocol/http.ts";
import { sendJson } from "./protocol/json.ts";
import { crossSiteRefusal, hostRefusal, isLoopbackHost } from "./request-guard.ts";
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
  if (path === "/_localstack/health") return { kind: "admin", action: "localstack-health" };
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
export function sendThrottle(service: string, req: ProtocolHints, res: ServerResponse): void {
  const message = "Rate exceeded (local cloud throttling switch)";
  const extra: Record<string, string> = service === "lambda" ? { Reason: "CallerRateLimitExceeded" } : {};
  sendEdgeFailure(res, service, req, "throttled", message, extra);
}

/** Most bytes a body may have: S3's single-PUT limit for S3, and well above any JSON API's for the rest. */
const S3_MAX_BODY = 5 * 1024 ** 3;
const API_MAX_BODY = 128 * 1024 ** 2;

export interface EdgeServices {
  services: Map<string, Service>;
  apigateway: ApiGatewayService;
  /** The state dir's admin token: changing the cloud's settings through /_s3size/ takes it (none: no changes). */
  adminToken?: string;
}

export function createEdge(ctx: CloudContext, routes: EdgeServices): Server {
  let controlCalls = 0;
  const admin: AdminContext = {
    ctx,
    token: routes.adminToken,
    serviceNames: () => [...routes.services.keys()],
    console: createConsole(ctx, routes.services),
  };

  const handle = async (incoming: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = splitRequestTarget(incoming.url ?? "/");
    if (!target) return sendJson(res, 400, { message: "the request target is not a path" });
    const route = routeRequest(target.path, incoming.headers, target.query);
    const service = route.kind === "service" ? route.service : route.kind;
    const hints = { headers: incoming.headers, query: target.query };
    const method = incoming.method ?? "GET";
    // Refused before the body is read: a refused request costs nothing and changes nothing.
    if (!isLoopbackHost(incoming.headers.host, ctx.host)) {
      return sendEdgeFailure(res, service, hints, "denied", hostRefusal(incoming.headers.host));
    }
    const crossSite = crossSiteRefusal(method, incoming.headers, service, ctx.host);
    if (crossSite) return sendEdgeFailure(res, service, hints, "denied", crossSite);

    let body: Buffer;
    try {
      body = await readBody(incoming, service === "s3" ? S3_MAX_BODY : API_MAX_BODY);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) return void res.destroy();
      const message =
        service === "s3"
          ? "Your proposed upload exceeds the maximum allowed object size."
          : `Request must be smaller than ${error.limit} bytes for this operation`;
      return sendEdgeFailure(res, service, hints, "tooLarge", message);
    }
    const amzTarget = incoming.headers["x-amz-target"];
    const accessKeyId = credentialScope(incoming.headers.authorization, target.query)?.accessKeyId;
    const req: EdgeRequest = {
      method,
      path: target.path,
      query: target.query,
      headers: incoming.headers,
      body,
      service,
      region: (route.kind === "service" && route.region) || ctx.region,
      ...(typeof amzTarget === "string" ? { target: amzTarget } : {}),
      ...(accessKeyId ? { accessKeyId } : {}),
    };
    ctx.debug(`${req.method} ${incoming.url} -> ${req.service}${req.target ? ` (${req.target})` : ""}`);
    try {
      if (route.kind === "admin") return await handleAdmin(admin, route.action, req, res);
      if (route.kind === "execute-api") return await routes.apigateway.execute(route.target, req, res);
      const backend = routes.services.get(route.service);
      if (!backend) {
        return sendJson(res, 400, {
          __type: "UnknownService",
          message: `The local cloud does not emulate the service "${route.service}"`,
        });
      }
      if (ctx.realism.throttleEveryN > 0 && isControlPlane(route.service, req)) {
        controlCalls += 1;
        if (controlCalls % ctx.realism.throttleEveryN === 0) return sendThrottle(route.service, req, res);
      }
      await backend.handle(req, res);
    } catch (error) {
      // A service's bug fails this request only, in its protocol's shape; the next request is served.
      ctx.debug(`edge error on ${req.method} ${incoming.url}: ${(error as Error).stack ?? error}`);
      if (res.headersSent) return void res.destroy();
      const message = `The local cloud failed on this request: ${(error as Error).message ?? error}`;
      sendEdgeFailure(res, service, req, "internal", message);
    }
  };

  return createServer((incoming, res) => {
    // A client that hangs up mid-request, or a response written twice, must not become an uncaught
    // 'error' event: those end the whole process.
    incoming.on("error", (error) => ctx.debug(`edge: request stream: ${error.message}`));
    res.on("error", (error) => ctx.debug(`edge: response stream: ${error.message}`));
    handle(incoming, res).catch((error: unknown) => {
      ctx.debug(
        `edge: could not answer ${incoming.method} ${incoming.url}: ${(error as Error).stack ?? error}`,
      );
      res.destroy();
    });
  });
}
