// The execute-api data plane: serves a deployed stage's routes, throttles them by the stage's method
// settings, and runs Lambda proxy integrations with the event and response mapping API Gateway applies.
import { randomBytes, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { authorize, jsonDenialCode } from "../authorization.ts";
import type { CloudContext, EdgeRequest, ExecuteApiTarget } from "../types.ts";
import type { ApiGatewayState, StoredStage } from "./model.ts";
import {
  buildProxyEvent,
  executeSourceArn,
  functionArnFromUri,
  MalformedProxyResponse,
  mapProxyResponse,
} from "./proxy-event.ts";
import { matchRoute } from "./routes.ts";

interface Bucket {
  tokens: number;
  updatedAt: number;
  rate: number;
  burst: number;
}

/** A token bucket per stage: `burst` tokens at most, refilled at `rate` per second. */
export class StageThrottle {
  private readonly buckets = new Map<string, Bucket>();

  /** Whether one more request may pass now; settings come from the stage's `*\/*` method setting. */
  take(key: string, stage: StoredStage, now = Date.now()): boolean {
    const setting = stage.methodSettings["*/*"];
    if (!setting) return true;
    const rate = setting.throttlingRateLimit;
    const burst = setting.throttlingBurstLimit;
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.rate !== rate || bucket.burst !== burst) {
      bucket = { tokens: burst, updatedAt: now, rate, burst };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string | string[]>,
  ids: { requestId: string; extendedRequestId: string },
  errorType?: string,
): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  // The length is ours to state: a function's own Content-Length may not match the mapped body.
  const passed = Object.entries(headers).filter(
    ([name]) => !/^(content-length|transfer-encoding)$/i.test(name),
  );
  res.writeHead(status, {
    ...Object.fromEntries(passed),
    "content-length": String(bytes.length),
    "x-amzn-RequestId": ids.requestId,
    "x-amz-apigw-id": ids.extendedRequestId,
    ...(errorType ? { "x-amzn-ErrorType": errorType } : {}),
  });
  res.end(bytes);
}

function sendMessage(
  res: ServerResponse,
  status: number,
  message: string,
  ids: { requestId: string; extendedRequestId: string },
  errorType?: string,
): void {
  send(res, status, JSON.stringify({ message }), { "content-type": "application/json" }, ids, errorType);
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function createExecuteApi(ctx: CloudContext, state: ApiGatewayState) {
  const throttle = new StageThrottle();

  return async function execute(
    target: ExecuteApiTarget,
    req: EdgeRequest,
    res: ServerResponse,
  ): Promise<void> {
    const ids = {
      requestId: randomUUID(),
      extendedRequestId: randomBytes(12).toString("base64").replace(/[+/=]/g, "").slice(0, 16),
    };
    const api = state.apis[target.apiId];
    const stage = api?.stages[target.stage];
    const deployment = stage && api?.deployments[stage.deploymentId];
    if (!api || !stage || !deployment) return sendMessage(res, 404, "Not Found", ids, "NotFoundException");

    const path = decodePath(target.path);
    const route = matchRoute(deployment.snapshot.resources, path, req.method);
    if (!route) {
      return sendMessage(
        res,
        403,
        "Missing Authentication Token",
        ids,
        "MissingAuthenticationTokenException",
      );
    }
    if (route.method.authorizationType === "AWS_IAM") {
      // IAM-authorized methods take signed requests only, checked for execute-api:Invoke on this call.
      if (!req.accessKeyId) {
        return sendMessage(
          res,
          403,
          "Missing Authentication Token",
          ids,
          "MissingAuthenticationTokenException",
        );
      }
      const resource = `arn:aws:execute-api:${api.region}:${ctx.accountId}:${api.id}/${stage.stageName}/${req.method.toUpperCase()}${path}`;
      const decision = authorize(ctx, req, { action: "execute-api:Invoke", resources: [resource] });
      if (!decision.allowed) {
        const body = JSON.stringify({ Message: decision.message });
        return send(res, 403, body, { "content-type": "application/json" }, ids, jsonDenialCode(decision));
      }
    }
    if (!throttle.take(`${api.id}/${stage.stageName}`, stage)) {
      return sendMessage(res, 429, "Too Many Requests", ids, "TooManyRequestsException");
    }
    const integration = route.method.methodIntegration;
    const functionArn = integration?.type === "AWS_PROXY" ? functionArnFromUri(integration.uri) : undefined;
    if (!functionArn) {
      ctx.debug(`execute-api: ${route.resource.path} ${req.method} has no Lambda proxy integration`);
      return sendMessage(res, 500, "Internal server error", ids, "InternalServerErrorException");
    }

    const httpMethod = req.method.toUpperCase();
    // The execute-api ARN names the API's own region (its source ARN in the function's policy).
    const region = api.region;
    const sourceArn = executeSourceArn(
      region,
      ctx.accountId,
      api.id,
      stage.stageName,
      httpMethod,
      route.resource.path,
    );
    const caller = { principal: "apigateway.amazonaws.com", sourceArn };
    const lambda = ctx.lambda;
    if (!lambda?.isInvokeAllowed(functionArn, caller)) {
      // AWS logs "Execution failed due to configuration error: Invalid permissions on Lambda function".
      ctx.debug(`execute-api: ${sourceArn} may not invoke ${functionArn}`);
      return sendMessage(res, 500, "Internal server error", ids, "InternalServerErrorException");
    }

    const event = buildProxyEvent({
      apiId: api.id,
      stage: stage.stageName,
      accountId: ctx.accountId,
      deploymentId: deployment.id,
      resourceId: route.resource.id,
      resourcePath: route.resource.path,
      httpMethod,
      path,
      headers: req.headers,
      query: req.query,
      pathParameters: route.pathParameters,
      ...(stage.variables ? { stageVariables: stage.variables } : {}),
      body: req.body,
      binaryMediaTypes: deployment.snapshot.binaryMediaTypes,
      requestId: ids.requestId,
      extendedRequestId: ids.extendedRequestId,
      sourceIp: "127.0.0.1",
      now: new Date(),
    });

    let result: Awaited<ReturnType<typeof lambda.invoke>>;
    try {
      result = await lambda.invoke(functionArn, Buffer.from(JSON.stringify(event)), {
        invocationType: "RequestResponse",
        caller,
      });
    } catch (error) {
      ctx.debug(`execute-api: invoking ${functionArn} failed: ${(error as Error).message}`);
      return sendMessage(res, 500, "Internal server error", ids, "InternalServerErrorException");
    }
    if (result.functionError) {
      return sendMessage(res, 502, "Internal server error", ids, "InternalServerErrorException");
    }
    try {
      const accept = typeof req.headers.accept === "string" ? req.headers.accept : undefined;
      const mapped = mapProxyResponse(result.payload, accept, deployment.snapshot.binaryMediaTypes);
      send(res, mapped.statusCode, mapped.body, mapped.headers, ids);
    } catch (error) {
      if (!(error instanceof MalformedProxyResponse)) throw error;
      ctx.debug(`execute-api: ${error.message}`);
      sendMessage(res, 502, "Internal server error", ids, "InternalServerErrorException");
    }
  };
}
