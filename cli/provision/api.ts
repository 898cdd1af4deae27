// The REST API `s3size-api`: its routes (GET /plot to the plotting function, the dashboard's GET / and
// /api/* to the web function; api-routes.ts), image/png as a binary media type, a deployment, and a
// throttled stage.
import {
  type APIGatewayClient,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteRestApiCommand,
  GetRestApisCommand,
  GetStageCommand,
  type RestApi,
  type Stage,
  UpdateRestApiCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { STACK_TAG_KEY } from "../config.ts";
import { isNotFound } from "../errors.ts";
import { isConflict, isThrottle, withRetry } from "../retry.ts";
import { apiRoutes, ensureRoutes, PLOT_PATH } from "./api-routes.ts";
import { change, hasStackTag, type ProvisionContext, read, readIfExists, stackTags } from "./context.ts";

export { integrationUri, PLOT_PATH } from "./api-routes.ts";

const PNG = "image/png";

interface StageAddress {
  apiId: string;
  region: string;
  stage: string;
  endpoint?: string;
}

/** The stage's root: AWS's execute-api host, or the local cloud's execute-api path (no trailing slash). */
function stageUrl({ apiId, region, stage, endpoint }: StageAddress): string {
  if (endpoint) return `${endpoint.replace(/\/+$/, "")}/_aws/execute-api/${apiId}/${stage}`;
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://${apiId}.execute-api.${region}.${suffix}/${stage}`;
}

/** Where GET /plot answers. */
export function invokeUrl(address: StageAddress): string {
  return `${stageUrl(address)}${PLOT_PATH}`;
}

/** Where the dashboard answers: the stage's Invoke URL, with the slash its relative links need. */
export function dashboardUrl(address: StageAddress): string {
  return `${stageUrl(address)}/`;
}

/** Every REST API of that name (AWS allows several). */
async function findApisNamed(apigateway: APIGatewayClient, name: string): Promise<RestApi[]> {
  const found: RestApi[] = [];
  let position: string | undefined;
  do {
    const page = await read(() => apigateway.send(new GetRestApisCommand({ limit: 500, position })));
    found.push(...(page.items ?? []).filter((api) => api.name === name));
    position = page.position;
  } while (position);
  return found;
}

/** The stack's APIs: of the APIs with the stack's API name, those with its tag. */
export async function findStackApis(
  apigateway: APIGatewayClient,
  name: string,
  stack: string,
): Promise<RestApi[]> {
  return (await findApisNamed(apigateway, name)).filter((api) => hasStackTag(api.tags, stack));
}

async function getStage(
  apigateway: APIGatewayClient,
  restApiId: string,
  stageName: string,
): Promise<Stage | undefined> {
  return readIfExists(() => apigateway.send(new GetStageCommand({ restApiId, stageName })));
}

export async function ensureApi(ctx: ProvisionContext): Promise<void> {
  const { apigateway } = ctx.clients;
  const { names } = ctx;
  const needsDeployment = () => {
    ctx.state.apiNeedsDeployment = true;
    if (!ctx.dryRun) ctx.saveState();
  };
  let api: RestApi | undefined = (await findStackApis(apigateway, names.api, names.stack))[0];
  if (!api) {
    needsDeployment();
    api = await change(ctx, `create REST API ${names.api}`, () =>
      apigateway.send(
        new CreateRestApiCommand({
          name: names.api,
          description: `s3size plots and dashboard (stack ${names.stack})`,
          binaryMediaTypes: [PNG],
          endpointConfiguration: { types: ["REGIONAL"] },
          tags: stackTags(names),
        }),
      ),
    );
    if (!api?.id) return; // dry run: the rest would be created too
  }
  const apiId = api.id!;
  ctx.state.apiId = apiId;
  if (!ctx.dryRun) ctx.saveState();
  if (!(api.binaryMediaTypes ?? []).includes(PNG)) {
    needsDeployment();
    await change(ctx, `serve ${PNG} as binary`, () =>
      apigateway.send(
        new UpdateRestApiCommand({
          restApiId: apiId,
          patchOperations: [{ op: "add", path: "/binaryMediaTypes/image~1png" }],
        }),
      ),
    );
  }
  await ensureRoutes(ctx, apiId, apiRoutes(), needsDeployment);
  await ensureStage(ctx, apiId);
  ctx.state.invokeUrl = invokeUrl({ apiId, region: ctx.region, stage: names.stage, endpoint: ctx.endpoint });
  if (!ctx.dryRun) ctx.saveState();
}

async function ensureStage(ctx: ProvisionContext, apiId: string): Promise<void> {
  const { apigateway } = ctx.clients;
  const stageName = ctx.names.stage;
  const stage = await getStage(apigateway, apiId, stageName);
  if (!stage || ctx.state.apiNeedsDeployment) {
    const deployment = await change(ctx, `deploy ${ctx.names.api}`, () =>
      apigateway.send(new CreateDeploymentCommand({ restApiId: apiId, description: "s3size setup" })),
    );
    if (!stage) {
      await change(ctx, `create stage ${stageName}`, () =>
        apigateway.send(
          new CreateStageCommand({
            restApiId: apiId,
            stageName,
            deploymentId: deployment?.id,
            tags: stackTags(ctx.names),
          }),
        ),
      );
    } else {
      await change(ctx, `point stage ${stageName} at the new deployment`, () =>
        apigateway.send(
          new UpdateStageCommand({
            restApiId: apiId,
            stageName,
            patchOperations: [{ op: "replace", path: "/deploymentId", value: deployment?.id }],
          }),
        ),
      );
    }
    if (!ctx.dryRun) {
      ctx.state.apiNeedsDeployment = false;
      ctx.saveState();
    }
  }
  const { apiRateLimit, apiBurstLimit } = ctx.settings;
  const throttling = stage?.methodSettings?.["*/*"];
  if (
    throttling?.throttlingRateLimit !== apiRateLimit ||
    throttling?.throttlingBurstLimit !== apiBurstLimit
  ) {
    await change(ctx, `throttle stage ${stageName} to ${apiRateLimit}/s (burst ${apiBurstLimit})`, () =>
      apigateway.send(
        new UpdateStageCommand({
          restApiId: apiId,
          stageName,
          patchOperations: [
            { op: "replace", path: "/*/*/throttling/rateLimit", value: String(apiRateLimit) },
            { op: "replace", path: "/*/*/throttling/burstLimit", value: String(apiBurstLimit) },
          ],
        }),
      ),
    );
  }
}

export async function destroyApi(ctx: ProvisionContext): Promise<void> {
  const { apigateway } = ctx.clients;
  for (const api of await findApisNamed(apigateway, ctx.names.api)) {
    if (!hasStackTag(api.tags, ctx.names.stack)) {
      ctx.notes.push(
        `left REST API ${api.name} (${api.id}): it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`,
      );
      continue;
    }
    try {
      // AWS allows one DeleteRestApi per 30 seconds per account: wait longer than for other throttles.
      await change(ctx, `delete REST API ${ctx.names.api} (${api.id})`, () =>
        withRetry(() => apigateway.send(new DeleteRestApiCommand({ restApiId: api.id })), {
          when: [isThrottle, isConflict],
          attempts: 10,
          baseDelayMs: 2000,
          maxDelayMs: 10_000,
        }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  ctx.state.apiId = undefined;
  ctx.state.invokeUrl = undefined;
}
