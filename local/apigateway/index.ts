// The local cloud's API Gateway (REST APIs): the restJson control plane over apigateway.json, and the
// execute-api data plane that serves deployed stages. Each API belongs to the region it was created in.
import { join } from "node:path";
import { authorize, jsonDenialCode } from "../authorization.ts";
import { parseJsonBody, sendJson, sendRestJsonError } from "../protocol/json.ts";
import { invalidRegionMessage, isRegion } from "../regions.ts";
import { JsonFile } from "../state.ts";
import type { ApiGatewayService, CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import { deploymentRoutes } from "./deployments.ts";
import { createExecuteApi } from "./execute.ts";
import { methodRoutes } from "./methods.ts";
import { type ApiGatewayState, reviveState } from "./model.ts";
import { restApiRoutes } from "./rest-apis.ts";
import { ApiGatewayError, badRequest, type ControlContext, type Route } from "./wire.ts";

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

function resolve(routes: CompiledRoute[], req: EdgeRequest) {
  for (const { route, pattern, names } of routes) {
    if (route.method !== req.method) continue;
    const match = req.path.match(pattern);
    if (!match) continue;
    const params = Object.fromEntries(
      names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]),
    );
    return { route, params };
  }
  return undefined;
}

/**
 * Every control-plane route is its own IAM declaration: API Gateway's actions are the HTTP verbs
 * (apigateway:GET, apigateway:POST, …) on the ARN of the path, as the Service Authorization Reference lists.
 */
function requirementOf(req: EdgeRequest): IamRequirement {
  return { action: `apigateway:${req.method}`, resources: [`arn:aws:apigateway:${req.region}::${req.path}`] };
}

export async function createApiGatewayService(ctx: CloudContext): Promise<ApiGatewayService> {
  const file = new JsonFile<ApiGatewayState>(join(ctx.dataDir, "apigateway.json"), () => ({ apis: {} }));
  const state = reviveState(file.load());
  const control: ControlContext = { ctx, state, save: () => file.save(state) };
  const routes = [...restApiRoutes(control), ...methodRoutes(control), ...deploymentRoutes(control)].map(
    compile,
  );

  return {
    name: "apigateway",
    async handle(req, res) {
      try {
        if (!isRegion(req.region)) {
          return sendRestJsonError(res, 403, "InvalidSignatureException", invalidRegionMessage(req.region));
        }
        const decision = authorize(ctx, req, requirementOf(req));
        if (!decision.allowed) return sendRestJsonError(res, 403, jsonDenialCode(decision), decision.message);
        const resolved = resolve(routes, req);
        if (!resolved) {
          return sendRestJsonError(
            res,
            404,
            "NotFoundException",
            `No operation at ${req.method} ${req.path}`,
          );
        }
        let body: Record<string, unknown>;
        try {
          body = parseJsonBody(req.body);
        } catch {
          throw badRequest("Invalid JSON in the request body");
        }
        const result = resolved.route.run({
          params: resolved.params,
          query: req.query,
          body,
          region: req.region,
        });
        if (result.body === undefined) {
          res.writeHead(result.status, { "content-length": "0" });
          res.end();
          return;
        }
        sendJson(res, result.status, result.body);
      } catch (error) {
        if (!(error instanceof ApiGatewayError)) throw error;
        sendRestJsonError(res, error.status, error.code, error.message);
      }
    },
    execute: createExecuteApi(ctx, state),
  };
}
