// The REST API's routes: each path's resources (created parent first), one method per route with a
// Lambda proxy integration, and the permission for API Gateway to invoke the function, scoped to that
// method and path. GET /plot goes to the plotting function; GET / and /api/* to the dashboard.
import {
  type APIGatewayClient,
  CreateResourceCommand,
  GetMethodCommand,
  GetResourcesCommand,
  type Method,
  PutIntegrationCommand,
  PutMethodCommand,
} from "@aws-sdk/client-api-gateway";
import { ROUTES as WEB_ROUTES } from "../../handlers/web/routes.ts";
import type { FunctionKey } from "../config.ts";
import { arns, change, type ProvisionContext, partitionOf, read, readIfExists } from "./context.ts";
import { ensureInvokePermission } from "./functions.ts";

export const PLOT_PATH = "/plot";

export interface ProxyRoute {
  method: string;
  path: string;
  function: FunctionKey;
  /** The Sid of the function's resource-policy statement that lets API Gateway call this route. */
  statementId: string;
}

/** Every route the stack's API serves. */
export function apiRoutes(): ProxyRoute[] {
  const dashboard = Object.entries(WEB_ROUTES).flatMap(([path, { methods }]) =>
    // API Gateway answers HEAD only where a HEAD method exists; the page never sends one.
    methods
      .filter((method) => method !== "HEAD")
      .map((method) => ({
        method,
        path,
        function: "web" as const,
        statementId: `s3size-apigateway-${method.toLowerCase()}-${path === "/" ? "root" : path.slice(1).replace(/\//g, "-")}`,
      })),
  );
  return [
    // The plot route keeps the statement id it always had, so existing stacks stay converged.
    { method: "GET", path: PLOT_PATH, function: "plotting", statementId: "s3size-apigateway-invoke" },
    ...dashboard,
  ];
}

export function integrationUri(ctx: ProvisionContext, key: FunctionKey = "plotting"): string {
  const functionArn = arns(ctx).function(key);
  return `arn:${partitionOf(ctx.region)}:apigateway:${ctx.region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`;
}

async function getMethod(
  apigateway: APIGatewayClient,
  restApiId: string,
  resourceId: string | undefined,
  httpMethod: string,
): Promise<Method | undefined> {
  if (!resourceId) return undefined;
  return readIfExists(() => apigateway.send(new GetMethodCommand({ restApiId, resourceId, httpMethod })));
}

/** Resource ids by path, creating the missing ones parent first (undefined only in a dry run). */
async function ensureResources(
  ctx: ProvisionContext,
  apiId: string,
  paths: string[],
  needsDeployment: () => void,
): Promise<Map<string, string | undefined>> {
  const { apigateway } = ctx.clients;
  const { items } = await read(() =>
    apigateway.send(new GetResourcesCommand({ restApiId: apiId, limit: 500 })),
  );
  const ids = new Map<string, string | undefined>((items ?? []).map((item) => [item.path ?? "", item.id]));
  const wanted = new Set<string>();
  for (const path of paths) {
    const parts = path.split("/").filter(Boolean);
    for (let depth = 1; depth <= parts.length; depth++) wanted.add(`/${parts.slice(0, depth).join("/")}`);
  }
  for (const path of [...wanted].sort((a, b) => a.split("/").length - b.split("/").length)) {
    if (ids.has(path)) continue;
    needsDeployment();
    const parent = path.slice(0, path.lastIndexOf("/")) || "/";
    const created = await change(ctx, `add resource ${path}`, () =>
      apigateway.send(
        new CreateResourceCommand({
          restApiId: apiId,
          parentId: ids.get(parent),
          pathPart: path.slice(path.lastIndexOf("/") + 1),
        }),
      ),
    );
    ids.set(path, created?.id);
  }
  return ids;
}

/** Creates or repairs each route's method, integration and invoke permission. */
export async function ensureRoutes(
  ctx: ProvisionContext,
  apiId: string,
  routes: ProxyRoute[],
  needsDeployment: () => void,
): Promise<void> {
  const { apigateway } = ctx.clients;
  const ids = await ensureResources(
    ctx,
    apiId,
    routes.map((route) => route.path),
    needsDeployment,
  );
  for (const route of routes) {
    const { method: httpMethod, path } = route;
    const resourceId = ids.get(path);
    const method = await getMethod(apigateway, apiId, resourceId, httpMethod);
    if (!method) {
      needsDeployment();
      await change(ctx, `add method ${httpMethod} ${path}`, () =>
        apigateway.send(
          new PutMethodCommand({ restApiId: apiId, resourceId, httpMethod, authorizationType: "NONE" }),
        ),
      );
    }
    const integration = method?.methodIntegration;
    const uri = integrationUri(ctx, route.function);
    if (integration?.type !== "AWS_PROXY" || integration.uri !== uri || integration.httpMethod !== "POST") {
      needsDeployment();
      await change(ctx, `proxy ${httpMethod} ${path} to ${ctx.names.functions[route.function]}`, () =>
        apigateway.send(
          new PutIntegrationCommand({
            restApiId: apiId,
            resourceId,
            httpMethod,
            type: "AWS_PROXY",
            integrationHttpMethod: "POST",
            uri,
          }),
        ),
      );
    }
    await ensureInvokePermission(ctx, route.function, {
      statementId: route.statementId,
      principal: "apigateway.amazonaws.com",
      sourceArn: arns(ctx).apiMethod(apiId, httpMethod, path),
      purpose: `for ${httpMethod} ${path}`,
    });
  }
}
