// Control plane for what is served: deployments (frozen copies of the routes), stages pointing at them with
// their throttling settings, and tags on APIs and stages.
import {
  dictionary,
  type MethodSetting,
  reviveResources,
  type StoredApi,
  type StoredDeployment,
  type StoredStage,
} from "./model.ts";
import {
  badRequest,
  type ControlContext,
  conflict,
  epochSeconds,
  findApi,
  invalidPatch,
  newId,
  notFound,
  type PatchOperation,
  pageOf,
  patchOperations,
  patchPath,
  type Route,
  stringMap,
} from "./wire.ts";

const STAGE_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** The defaults API Gateway fills in for a method setting the first time one of its fields is set. */
const DEFAULT_METHOD_SETTING: MethodSetting = {
  metricsEnabled: false,
  loggingLevel: "OFF",
  dataTraceEnabled: false,
  throttlingBurstLimit: 5000,
  throttlingRateLimit: 10000,
  cachingEnabled: false,
  cacheTtlInSeconds: 300,
  cacheDataEncrypted: false,
  requireAuthorizationForCacheControl: true,
  unauthorizedCacheControlHeaderStrategy: "SUCCEED_WITH_RESPONSE_HEADER",
};

/** Patch paths under `/<resource>/<method>/` and the method setting field each one sets. */
const METHOD_SETTING_FIELDS: Record<string, [keyof MethodSetting, "number" | "boolean" | "string"]> = {
  "throttling/rateLimit": ["throttlingRateLimit", "number"],
  "throttling/burstLimit": ["throttlingBurstLimit", "number"],
  "metrics/enabled": ["metricsEnabled", "boolean"],
  "logging/loglevel": ["loggingLevel", "string"],
  "logging/dataTrace": ["dataTraceEnabled", "boolean"],
  "caching/enabled": ["cachingEnabled", "boolean"],
  "caching/ttlInSeconds": ["cacheTtlInSeconds", "number"],
};

function renderDeployment(deployment: StoredDeployment): Record<string, unknown> {
  return { id: deployment.id, description: deployment.description, createdDate: deployment.createdDate };
}

function findDeployment(api: StoredApi, id: string | undefined): StoredDeployment {
  const deployment = id ? api.deployments[id] : undefined;
  if (!deployment) throw notFound("Invalid Deployment identifier specified");
  return deployment;
}

function findStage(api: StoredApi, name: string | undefined): StoredStage {
  const stage = name ? api.stages[name] : undefined;
  if (!stage) throw notFound("Invalid Stage identifier specified");
  return stage;
}

function createStage(
  api: StoredApi,
  name: string,
  deploymentId: string,
  body: Record<string, unknown>,
): StoredStage {
  if (!STAGE_NAME.test(name)) {
    throw badRequest("Stage name only allows a-zA-Z0-9_- and must be at most 128 characters");
  }
  const now = epochSeconds();
  const stage: StoredStage = {
    stageName: name,
    deploymentId,
    createdDate: now,
    lastUpdatedDate: now,
    cacheClusterEnabled: false,
    cacheClusterStatus: "NOT_AVAILABLE",
    tracingEnabled: body.tracingEnabled === true,
    methodSettings: dictionary(),
  };
  const description = body.stageDescription ?? body.description;
  if (typeof description === "string") stage.description = description;
  const variables = stringMap(body.variables);
  if (variables) stage.variables = variables;
  const tags = stringMap(body.tags);
  if (tags) stage.tags = tags;
  api.stages[name] = stage;
  return stage;
}

function patchStage(api: StoredApi, stage: StoredStage, operation: PatchOperation): void {
  const parts = patchPath(operation.path);
  const value = operation.value ?? "";
  if (parts.length === 1 && operation.op === "replace") {
    if (parts[0] === "deploymentId") {
      findDeployment(api, value);
      stage.deploymentId = value;
      return;
    }
    if (parts[0] === "description") {
      stage.description = value;
      return;
    }
    if (parts[0] === "tracingEnabled") {
      stage.tracingEnabled = value === "true";
      return;
    }
  }
  if (parts[0] === "variables" && parts.length === 2) {
    stage.variables ??= dictionary();
    if (operation.op === "remove") delete stage.variables[parts[1]!];
    else stage.variables[parts[1]!] = value;
    return;
  }
  // `/<resource path, ~1-escaped>/<METHOD>/<group>/<field>`, `*/*` for every method of the stage.
  const raw = operation.path.split("/").slice(1);
  const field = METHOD_SETTING_FIELDS[raw.slice(2).join("/")];
  if (raw.length === 4 && field && operation.op === "replace") {
    const key = `${raw[0]}/${raw[1]}`;
    const setting = stage.methodSettings[key] ?? { ...DEFAULT_METHOD_SETTING };
    stage.methodSettings[key] = setting;
    const [name, kind] = field;
    const parsed = kind === "number" ? Number(value) : kind === "boolean" ? value === "true" : value;
    if (kind === "number" && !Number.isFinite(parsed))
      throw badRequest(`Invalid value for ${operation.path}: ${value}`);
    (setting as unknown as Record<string, unknown>)[name] = parsed;
    return;
  }
  throw invalidPatch(operation);
}

/** Resolves `arn:aws:apigateway:<region>::/restapis/<id>[/stages/<name>]` to what carries the tags. */
function taggable(control: ControlContext, arn: string, region: string): { tags?: Record<string, string> } {
  const match = arn.match(/^arn:aws:apigateway:([^:]*)::\/restapis\/([^/]+)(?:\/stages\/([^/]+))?$/);
  if (!match) throw badRequest(`Invalid ARN specified in the request: ${arn}`);
  // An ARN names its region: another region's API is not one of this region's.
  const api = findApi(control, match[1] === region ? match[2] : undefined, region);
  return match[3] ? findStage(api, match[3]) : api;
}

export function deploymentRoutes(control: ControlContext): Route[] {
  const { save } = control;
  return [
    {
      method: "POST",
      template: "/restapis/{restApiId}/deployments",
      run({ params, body, region }) {
        const api = findApi(control, params.restApiId, region);
        const resources = Object.values(api.resources);
        const methods = resources.flatMap((resource) => Object.values(resource.resourceMethods));
        if (methods.length === 0) throw badRequest("The REST API doesn't contain any methods");
        if (methods.some((method) => !method.methodIntegration)) {
          throw badRequest("No integration defined for method");
        }
        const deployment: StoredDeployment = {
          id: newId(),
          createdDate: epochSeconds(),
          snapshot: {
            resources: reviveResources(structuredClone(resources)),
            binaryMediaTypes: [...api.binaryMediaTypes],
          },
        };
        if (typeof body.description === "string") deployment.description = body.description;
        api.deployments[deployment.id] = deployment;
        if (typeof body.stageName === "string") {
          const existing = api.stages[body.stageName];
          if (existing) {
            existing.deploymentId = deployment.id;
            existing.lastUpdatedDate = epochSeconds();
            const variables = stringMap(body.variables);
            if (variables) existing.variables = dictionary({ ...existing.variables, ...variables });
          } else {
            createStage(api, body.stageName, deployment.id, body);
          }
        }
        save();
        return { status: 201, body: renderDeployment(deployment) };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}/deployments",
      run({ params, query, region }) {
        const api = findApi(control, params.restApiId, region);
        const deployments = Object.values(api.deployments).sort((a, b) => a.createdDate - b.createdDate);
        const page = pageOf(deployments, query);
        return { status: 200, body: { ...page, item: page.item.map(renderDeployment) } };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}/deployments/{deploymentId}",
      run: ({ params, region }) => ({
        status: 200,
        body: renderDeployment(
          findDeployment(findApi(control, params.restApiId, region), params.deploymentId),
        ),
      }),
    },
    {
      method: "DELETE",
      template: "/restapis/{restApiId}/deployments/{deploymentId}",
      run({ params, region }) {
        const api = findApi(control, params.restApiId, region);
        const deployment = findDeployment(api, params.deploymentId);
        if (Object.values(api.stages).some((stage) => stage.deploymentId === deployment.id)) {
          throw badRequest("Active stages pointing to this deployment must be moved or deleted");
        }
        delete api.deployments[deployment.id];
        save();
        return { status: 202 };
      },
    },
    {
      method: "POST",
      template: "/restapis/{restApiId}/stages",
      run({ params, body, region }) {
        const api = findApi(control, params.restApiId, region);
        const name = typeof body.stageName === "string" ? body.stageName : "";
        const deploymentId = typeof body.deploymentId === "string" ? body.deploymentId : "";
        findDeployment(api, deploymentId);
        if (api.stages[name]) throw conflict("Stage already exists");
        const stage = createStage(api, name, deploymentId, body);
        save();
        return { status: 201, body: stage };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}/stages",
      run({ params, query, region }) {
        const api = findApi(control, params.restApiId, region);
        const deploymentId = query.get("deploymentId");
        const stages = Object.values(api.stages).filter(
          (stage) => !deploymentId || stage.deploymentId === deploymentId,
        );
        return { status: 200, body: { item: stages } };
      },
    },
    {
      method: "GET",
      template: "/restapis/{restApiId}/stages/{stageName}",
      run: ({ params, region }) => ({
        status: 200,
        body: findStage(findApi(control, params.restApiId, region), params.stageName),
      }),
    },
    {
      method: "PATCH",
      template: "/restapis/{restApiId}/stages/{stageName}",
      run({ params, body, region }) {
        const api = findApi(control, params.restApiId, region);
        const stage = findStage(api, params.stageName);
        // Validate every operation on a copy first: a failed patch changes nothing, as on AWS.
        const draft = structuredClone(stage);
        draft.methodSettings = dictionary(draft.methodSettings);
        if (draft.variables) draft.variables = dictionary(draft.variables);
        for (const operation of patchOperations(body)) patchStage(api, draft, operation);
        draft.lastUpdatedDate = epochSeconds();
        api.stages[stage.stageName] = draft;
        save();
        return { status: 200, body: draft };
      },
    },
    {
      method: "DELETE",
      template: "/restapis/{restApiId}/stages/{stageName}",
      run({ params, region }) {
        const api = findApi(control, params.restApiId, region);
        findStage(api, params.stageName);
        delete api.stages[params.stageName!];
        save();
        return { status: 202 };
      },
    },
    {
      method: "PUT",
      template: "/tags/{resourceArn}",
      run({ params, body, region }) {
        const target = taggable(control, params.resourceArn!, region);
        target.tags = dictionary({ ...target.tags, ...stringMap(body.tags) });
        save();
        return { status: 204 };
      },
    },
    {
      method: "DELETE",
      template: "/tags/{resourceArn}",
      run({ params, query, region }) {
        const target = taggable(control, params.resourceArn!, region);
        for (const key of query.getAll("tagKeys")) delete target.tags?.[key];
        save();
        return { status: 204 };
      },
    },
    {
      method: "GET",
      template: "/tags/{resourceArn}",
      run: ({ params, region }) => ({
        status: 200,
        body: { tags: taggable(control, params.resourceArn!, region).tags ?? {} },
      }),
    },
  ];
}
