// What the local API Gateway keeps per REST API, as stored in apigateway.json: the API, its resource tree,
// deployments (each a frozen copy of the routes) and stages.

export interface StoredIntegration {
  type: string;
  httpMethod?: string;
  uri?: string;
  passthroughBehavior: string;
  timeoutInMillis: number;
  cacheNamespace: string;
  cacheKeyParameters: string[];
  requestParameters?: Record<string, string>;
  requestTemplates?: Record<string, string>;
  contentHandling?: string;
  credentials?: string;
  integrationResponses?: Record<string, Record<string, unknown>>;
}

export interface StoredMethod {
  httpMethod: string;
  authorizationType: string;
  apiKeyRequired: boolean;
  authorizerId?: string;
  operationName?: string;
  requestParameters?: Record<string, boolean>;
  requestModels?: Record<string, string>;
  methodResponses?: Record<string, Record<string, unknown>>;
  methodIntegration?: StoredIntegration;
}

export interface StoredResource {
  id: string;
  parentId?: string;
  pathPart?: string;
  path: string;
  resourceMethods: Record<string, StoredMethod>;
}

export interface StoredDeployment {
  id: string;
  description?: string;
  /** Epoch seconds, as API Gateway's JSON carries dates. */
  createdDate: number;
  /** What the deployment serves: the API's routes and binary media types as they were when deployed. */
  snapshot: { resources: StoredResource[]; binaryMediaTypes: string[] };
}

export interface MethodSetting {
  metricsEnabled: boolean;
  loggingLevel: string;
  dataTraceEnabled: boolean;
  throttlingBurstLimit: number;
  throttlingRateLimit: number;
  cachingEnabled: boolean;
  cacheTtlInSeconds: number;
  cacheDataEncrypted: boolean;
  requireAuthorizationForCacheControl: boolean;
  unauthorizedCacheControlHeaderStrategy: string;
}

export interface StoredStage {
  stageName: string;
  deploymentId: string;
  description?: string;
  createdDate: number;
  lastUpdatedDate: number;
  cacheClusterEnabled: boolean;
  cacheClusterStatus: string;
  tracingEnabled: boolean;
  variables?: Record<string, string>;
  /** Keyed `*\/*` for the whole stage or `<escaped resource path>/<METHOD>`. */
  methodSettings: Record<string, MethodSetting>;
  tags?: Record<string, string>;
}

export interface StoredApi {
  id: string;
  /** The region the API was created in (signed for); APIs from before regions are us-east-1's. */
  region: string;
  name: string;
  description?: string;
  createdDate: number;
  version?: string;
  binaryMediaTypes: string[];
  apiKeySource: string;
  endpointConfiguration: { types: string[]; ipAddressType?: string };
  disableExecuteApiEndpoint: boolean;
  rootResourceId: string;
  tags: Record<string, string>;
  resources: Record<string, StoredResource>;
  deployments: Record<string, StoredDeployment>;
  stages: Record<string, StoredStage>;
}

export interface ApiGatewayState {
  apis: Record<string, StoredApi>;
}

/** An id-keyed record with no prototype: a client's id "__proto__" or "constructor" is just an unknown key. */
export function dictionary<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

function reviveResource(resource: StoredResource): StoredResource {
  return { ...resource, resourceMethods: dictionary(resource.resourceMethods) };
}

/** Every id-keyed record of a deployment snapshot, without prototypes. */
export function reviveResources(resources: StoredResource[]): StoredResource[] {
  return resources.map(reviveResource);
}

/** Reads apigateway.json: records become prototype-free, and APIs without a region are us-east-1's. */
export function reviveState(raw: { apis?: Record<string, StoredApi> }): ApiGatewayState {
  const apis = dictionary<StoredApi>();
  for (const api of Object.values(raw.apis ?? {})) {
    apis[api.id] = {
      ...api,
      region: api.region ?? "us-east-1",
      tags: dictionary(api.tags),
      resources: dictionary(
        Object.fromEntries(Object.entries(api.resources).map(([id, r]) => [id, reviveResource(r)])),
      ),
      deployments: dictionary(
        Object.fromEntries(
          Object.entries(api.deployments).map(([id, deployment]) => [
            id,
            {
              ...deployment,
              snapshot: { ...deployment.snapshot, resources: reviveResources(deployment.snapshot.resources) },
            },
          ]),
        ),
      ),
      stages: dictionary(
        Object.fromEntries(
          Object.entries(api.stages).map(([name, stage]) => [
            name,
            { ...stage, methodSettings: dictionary(stage.methodSettings) },
          ]),
        ),
      ),
    };
  }
  return { apis };
}
