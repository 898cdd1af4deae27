// API Gateway as the AWS console shows it: the REST APIs, and one API's resources with their methods and
// integrations, its stages with their throttling, and each stage's Invoke URL as a working link.
import {
  GetDeploymentsCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStagesCommand,
  type Method,
  type Stage,
} from "@aws-sdk/client-api-gateway";
import { html, type SafeHtml } from "../../../handlers/common/html.ts";
import { allPages, settle, shown } from "../outcome.ts";
import { type ConsolePage, type PageRequest, requiredParam } from "../page.ts";
import { consoleHref, keyValues, link, resourceCrumbs, section, table, time } from "../ui.ts";
import { arnLink } from "./arn-links.ts";

/** The local cloud serves a deployed stage here; on AWS it would be https://<id>.execute-api.<region>.amazonaws.com/<stage>/. */
export function localInvokeUrl(endpoint: string, apiId: string, stage: string): string {
  return `${endpoint}/_aws/execute-api/${encodeURIComponent(apiId)}/${encodeURIComponent(stage)}/`;
}

export async function apisPage(request: PageRequest): Promise<ConsolePage> {
  const apigateway = request.clients(request.region).apigateway;
  const apis = await allPages(
    () => apigateway.send(new GetRestApisCommand({ limit: 500 })),
    (position) => apigateway.send(new GetRestApisCommand({ limit: 500, position })),
    (page) => ({ items: page.items, token: page.position }),
  );
  return {
    title: "APIs",
    breadcrumbs: [{ label: "API Gateway" }],
    body: table({
      caption: `APIs (${apis.length}) in ${request.region}`,
      headers: ["Name", "ID", "Protocol", "API endpoint type", "Created", "Description"],
      rows: apis.map((api) => [
        link(consoleHref("apigateway/api", { id: api.id, region: request.region }), api.name),
        html`<code>${api.id}</code>`,
        "REST",
        (api.endpointConfiguration?.types ?? ["EDGE"]).join(", "),
        time(api.createdDate),
        api.description,
      ]),
      empty: `No APIs in ${request.region}.`,
    }),
  };
}

/** arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations → the function's ARN. */
function integratedFunction(uri: string | undefined): string | undefined {
  return uri?.match(/functions\/(arn:[^/]+)\/invocations$/)?.[1];
}

function methodRows(path: string, methods: Record<string, Method> | undefined, region: string): SafeHtml[][] {
  return Object.entries(methods ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([verb, method]) => {
      const integration = method.methodIntegration;
      const fn = integratedFunction(integration?.uri);
      return [
        html`<code>${path}</code>`,
        html`${verb}`,
        html`${method.authorizationType ?? "NONE"}`,
        html`${integration?.type ?? "–"}`,
        fn ? arnLink(fn, region, fn.split(":").pop()) : html`${integration?.uri ?? "–"}`,
        html`${method.apiKeyRequired ? "Yes" : "No"}`,
      ];
    });
}

function throttling(stage: Stage): string {
  const all = stage.methodSettings?.["*/*"];
  if (all?.throttlingRateLimit === undefined && all?.throttlingBurstLimit === undefined)
    return "Account default";
  return `Rate ${all?.throttlingRateLimit ?? "default"} requests per second, burst ${all?.throttlingBurstLimit ?? "default"}`;
}

export async function apiPage(request: PageRequest): Promise<ConsolePage> {
  const restApiId = requiredParam(request, "id");
  const apigateway = request.clients(request.region).apigateway;
  const api = await apigateway.send(new GetRestApiCommand({ restApiId }));
  const [resources, stages, deployments] = await Promise.all([
    settle(
      allPages(
        () => apigateway.send(new GetResourcesCommand({ restApiId, embed: ["methods"], limit: 500 })),
        (position) =>
          apigateway.send(new GetResourcesCommand({ restApiId, embed: ["methods"], limit: 500, position })),
        (page) => ({ items: page.items, token: page.position }),
      ),
    ),
    settle(apigateway.send(new GetStagesCommand({ restApiId }))),
    settle(apigateway.send(new GetDeploymentsCommand({ restApiId, limit: 500 }))),
  ]);
  const name = api.name ?? restApiId;

  const body = html`${section(
    "details",
    "API details",
    keyValues([
      ["API ID", html`<code>${restApiId}</code>`],
      ["Name", api.name],
      ["Description", api.description],
      ["API endpoint type", (api.endpointConfiguration?.types ?? ["EDGE"]).join(", ")],
      ["Binary media types", (api.binaryMediaTypes ?? []).join(", ")],
      ["Created", time(api.createdDate)],
    ]),
  )}
${section(
  "resources",
  "Resources",
  shown(resources, "resources", (items) =>
    table({
      caption: `Resources and methods (${items.length} resources)`,
      headers: [
        "Resource path",
        "Method",
        "Authorization",
        "Integration type",
        "Integration",
        "API key required",
      ],
      rows: [...items]
        .sort((a, b) => (a.path ?? "").localeCompare(b.path ?? ""))
        .flatMap((resource) => {
          const rows = methodRows(resource.path ?? "/", resource.resourceMethods, request.region);
          return rows.length > 0
            ? rows
            : [[html`<code>${resource.path}</code>`, html`<span class="muted">no methods</span>`]];
        }),
      empty: "No resources.",
    }),
  ),
)}
${section(
  "stages",
  "Stages",
  shown(stages, "stages", (value) =>
    table({
      caption: `Stages (${value.item?.length ?? 0})`,
      headers: ["Stage name", "Invoke URL", "Deployment", "Throttling", "Last updated"],
      rows: (value.item ?? []).map((stage) => {
        const url = localInvokeUrl(request.endpoint, restApiId, stage.stageName ?? "");
        return [
          stage.stageName,
          html`${link(url, url)}<div class="hint">On AWS: https://${restApiId}.execute-api.${request.region}.amazonaws.com/${stage.stageName}/</div>`,
          html`<code>${stage.deploymentId}</code>`,
          throttling(stage),
          time(stage.lastUpdatedDate ?? stage.createdDate),
        ];
      }),
      empty: "No stages: the API is not deployed.",
    }),
  ),
)}
${section(
  "deployments",
  "Deployment history",
  shown(deployments, "deployments", (value) =>
    table({
      caption: `Deployments (${value.items?.length ?? 0})`,
      headers: ["Deployment ID", "Created", "Description"],
      rows: (value.items ?? []).map((deployment) => [
        html`<code>${deployment.id}</code>`,
        time(deployment.createdDate),
        deployment.description,
      ]),
      empty: "No deployments.",
    }),
  ),
)}`;
  return {
    title: name,
    breadcrumbs: resourceCrumbs(
      { label: "API Gateway", page: "apigateway" },
      { label: "APIs" },
      name,
      request.region,
    ),
    body,
  };
}
