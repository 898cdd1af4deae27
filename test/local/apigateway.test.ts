import {
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteDeploymentCommand,
  DeleteIntegrationCommand,
  DeleteMethodCommand,
  DeleteResourceCommand,
  DeleteRestApiCommand,
  DeleteStageCommand,
  GetDeploymentsCommand,
  GetIntegrationCommand,
  GetMethodCommand,
  GetResourceCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStageCommand,
  GetStagesCommand,
  GetTagsCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRestApiCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";

const FUNCTION_URI =
  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:plot/invocations";

describe("local API Gateway control plane", () => {
  let test: TestCloud;
  let apiId: string;
  let rootId: string;
  let plotId: string;

  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  it("creates a REST API with its root resource, and reads it back", async () => {
    const { apigateway } = test.clients;
    const api = await apigateway.send(
      new CreateRestApiCommand({
        name: "s3size-api",
        description: "plots",
        binaryMediaTypes: ["image/png"],
        endpointConfiguration: { types: ["REGIONAL"] },
        tags: { "s3size:stack": "test" },
      }),
    );
    expect(api.$metadata.httpStatusCode).to.equal(201);
    expect(api.id).to.match(/^[a-z0-9]{10}$/);
    expect(api.createdDate).to.be.instanceOf(Date);
    apiId = api.id!;
    rootId = api.rootResourceId!;
    const got = await apigateway.send(new GetRestApiCommand({ restApiId: apiId }));
    expect(got).to.deep.include({
      name: "s3size-api",
      description: "plots",
      binaryMediaTypes: ["image/png"],
    });
    expect(got.endpointConfiguration?.types).to.deep.equal(["REGIONAL"]);
    expect(got.tags).to.deep.equal({ "s3size:stack": "test" });
    const resources = await apigateway.send(new GetResourcesCommand({ restApiId: apiId }));
    expect(resources.items?.map((resource) => [resource.id, resource.path])).to.deep.equal([[rootId, "/"]]);
  });

  it("pages REST APIs with position and limit", async () => {
    const { apigateway } = test.clients;
    await apigateway.send(new CreateRestApiCommand({ name: "second" }));
    const first = await apigateway.send(new GetRestApisCommand({ limit: 1 }));
    expect(first.items?.map((api) => api.name)).to.deep.equal(["s3size-api"]);
    const second = await apigateway.send(new GetRestApisCommand({ limit: 1, position: first.position }));
    expect(second.items?.map((api) => api.name)).to.deep.equal(["second"]);
    expect(second.position).to.equal(undefined);
  });

  it("patches binary media types and the description", async () => {
    const { apigateway } = test.clients;
    const updated = await apigateway.send(
      new UpdateRestApiCommand({
        restApiId: apiId,
        patchOperations: [
          { op: "add", path: "/binaryMediaTypes/image~1gif" },
          { op: "remove", path: "/binaryMediaTypes/image~1png" },
          { op: "replace", path: "/description", value: "changed" },
        ],
      }),
    );
    expect(updated.binaryMediaTypes).to.deep.equal(["image/gif"]);
    expect(updated.description).to.equal("changed");
    await apigateway.send(
      new UpdateRestApiCommand({
        restApiId: apiId,
        patchOperations: [{ op: "add", path: "/binaryMediaTypes/image~1png" }],
      }),
    );
    await expectError(
      apigateway.send(
        new UpdateRestApiCommand({ restApiId: apiId, patchOperations: [{ op: "replace", path: "/nope" }] }),
      ),
      "BadRequestException",
      400,
    );
  });

  it("creates resources with literal, {param} and {proxy+} parts, refusing duplicates", async () => {
    const { apigateway } = test.clients;
    const plot = await apigateway.send(
      new CreateResourceCommand({ restApiId: apiId, parentId: rootId, pathPart: "plot" }),
    );
    expect(plot.$metadata.httpStatusCode).to.equal(201);
    expect(plot).to.deep.include({ path: "/plot", parentId: rootId, pathPart: "plot" });
    plotId = plot.id!;
    const item = await apigateway.send(
      new CreateResourceCommand({ restApiId: apiId, parentId: plotId, pathPart: "{id}" }),
    );
    expect(item.path).to.equal("/plot/{id}");
    const proxy = await apigateway.send(
      new CreateResourceCommand({ restApiId: apiId, parentId: item.id!, pathPart: "{proxy+}" }),
    );
    expect(proxy.path).to.equal("/plot/{id}/{proxy+}");
    await expectError(
      apigateway.send(new CreateResourceCommand({ restApiId: apiId, parentId: rootId, pathPart: "plot" })),
      "ConflictException",
      409,
    );
    await expectError(
      apigateway.send(
        new CreateResourceCommand({ restApiId: apiId, parentId: rootId, pathPart: "bad/part" }),
      ),
      "BadRequestException",
      400,
    );
    await expectError(
      apigateway.send(new CreateResourceCommand({ restApiId: apiId, parentId: "nosuchresx", pathPart: "x" })),
      "NotFoundException",
      404,
    );
    await apigateway.send(new DeleteResourceCommand({ restApiId: apiId, resourceId: item.id! }));
    const left = await apigateway.send(new GetResourcesCommand({ restApiId: apiId }));
    expect(left.items?.map((resource) => resource.path)).to.deep.equal(["/", "/plot"]);
  });

  it("puts a method with a Lambda proxy integration and its responses, and embeds them on request", async () => {
    const { apigateway } = test.clients;
    const method = await apigateway.send(
      new PutMethodCommand({
        restApiId: apiId,
        resourceId: plotId,
        httpMethod: "GET",
        authorizationType: "NONE",
        requestParameters: { "method.request.querystring.bucket": false },
      }),
    );
    expect(method.$metadata.httpStatusCode).to.equal(201);
    await expectError(
      apigateway.send(
        new PutMethodCommand({
          restApiId: apiId,
          resourceId: plotId,
          httpMethod: "GET",
          authorizationType: "NONE",
        }),
      ),
      "ConflictException",
      409,
    );
    const integration = await apigateway.send(
      new PutIntegrationCommand({
        restApiId: apiId,
        resourceId: plotId,
        httpMethod: "GET",
        type: "AWS_PROXY",
        integrationHttpMethod: "POST",
        uri: FUNCTION_URI,
      }),
    );
    expect(integration).to.deep.include({ type: "AWS_PROXY", httpMethod: "POST", uri: FUNCTION_URI });
    expect(integration.timeoutInMillis).to.equal(29000);
    await apigateway.send(
      new PutMethodResponseCommand({
        restApiId: apiId,
        resourceId: plotId,
        httpMethod: "GET",
        statusCode: "200",
      }),
    );
    await apigateway.send(
      new PutIntegrationResponseCommand({
        restApiId: apiId,
        resourceId: plotId,
        httpMethod: "GET",
        statusCode: "200",
      }),
    );
    const got = await apigateway.send(
      new GetMethodCommand({ restApiId: apiId, resourceId: plotId, httpMethod: "GET" }),
    );
    expect(got.authorizationType).to.equal("NONE");
    expect(got.requestParameters).to.deep.equal({ "method.request.querystring.bucket": false });
    expect(got.methodIntegration?.uri).to.equal(FUNCTION_URI);
    expect(got.methodResponses?.["200"]?.statusCode).to.equal("200");
    const embedded = await apigateway.send(
      new GetResourceCommand({ restApiId: apiId, resourceId: plotId, embed: ["methods"] }),
    );
    expect(embedded.resourceMethods?.GET?.methodIntegration?.type).to.equal("AWS_PROXY");
    const plain = await apigateway.send(new GetResourcesCommand({ restApiId: apiId }));
    expect(plain.items?.find((resource) => resource.id === plotId)?.resourceMethods).to.deep.equal({
      GET: {},
    });
    await expectError(
      apigateway.send(
        new PutIntegrationCommand({
          restApiId: apiId,
          resourceId: plotId,
          httpMethod: "POST",
          type: "AWS_PROXY",
          integrationHttpMethod: "POST",
          uri: FUNCTION_URI,
        }),
      ),
      "NotFoundException",
      404,
    );
  });

  it("deletes an integration and a method", async () => {
    const { apigateway } = test.clients;
    const where = { restApiId: apiId, resourceId: rootId, httpMethod: "POST" };
    await apigateway.send(new PutMethodCommand({ ...where, authorizationType: "NONE" }));
    await apigateway.send(new PutIntegrationCommand({ ...where, type: "MOCK" }));
    await apigateway.send(new DeleteIntegrationCommand(where));
    await expectError(apigateway.send(new GetIntegrationCommand(where)), "NotFoundException", 404);
    await apigateway.send(new DeleteMethodCommand(where));
    await expectError(apigateway.send(new GetMethodCommand(where)), "NotFoundException", 404);
  });

  it("deploys to a stage, refuses a second stage of that name, and patches throttling into */*", async () => {
    const { apigateway } = test.clients;
    const deployment = await apigateway.send(
      new CreateDeploymentCommand({ restApiId: apiId, stageName: "demo" }),
    );
    expect(deployment.$metadata.httpStatusCode).to.equal(201);
    expect(deployment.id).to.match(/^[a-z0-9]{10}$/);
    const stage = await apigateway.send(new GetStageCommand({ restApiId: apiId, stageName: "demo" }));
    expect(stage.deploymentId).to.equal(deployment.id);
    await expectError(
      apigateway.send(
        new CreateStageCommand({ restApiId: apiId, stageName: "demo", deploymentId: deployment.id }),
      ),
      "ConflictException",
      409,
    );
    const second = await apigateway.send(
      new CreateDeploymentCommand({ restApiId: apiId, description: "v2" }),
    );
    await apigateway.send(
      new CreateStageCommand({
        restApiId: apiId,
        stageName: "next",
        deploymentId: second.id,
        tags: { a: "1" },
      }),
    );
    const updated = await apigateway.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: "demo",
        patchOperations: [
          { op: "replace", path: "/*/*/throttling/rateLimit", value: "10" },
          { op: "replace", path: "/*/*/throttling/burstLimit", value: "5" },
          { op: "replace", path: "/deploymentId", value: second.id },
        ],
      }),
    );
    expect(updated.deploymentId).to.equal(second.id);
    expect(updated.methodSettings?.["*/*"]).to.deep.include({
      throttlingRateLimit: 10,
      throttlingBurstLimit: 5,
    });
    const stages = await apigateway.send(new GetStagesCommand({ restApiId: apiId }));
    expect(stages.item?.map((s) => s.stageName).sort()).to.deep.equal(["demo", "next"]);
    const deployments = await apigateway.send(new GetDeploymentsCommand({ restApiId: apiId }));
    expect(deployments.items?.map((d) => d.id)).to.deep.equal([deployment.id, second.id]);
    await expectError(
      apigateway.send(new DeleteDeploymentCommand({ restApiId: apiId, deploymentId: second.id })),
      "BadRequestException",
      400,
    );
    await apigateway.send(new DeleteDeploymentCommand({ restApiId: apiId, deploymentId: deployment.id }));
    await apigateway.send(new DeleteStageCommand({ restApiId: apiId, stageName: "next" }));
    await expectError(
      apigateway.send(new GetStageCommand({ restApiId: apiId, stageName: "next" })),
      "NotFoundException",
      404,
    );
  });

  it("refuses to deploy an API without methods", async () => {
    const { apigateway } = test.clients;
    const empty = await apigateway.send(new CreateRestApiCommand({ name: "empty" }));
    await expectError(
      apigateway.send(new CreateDeploymentCommand({ restApiId: empty.id, stageName: "demo" })),
      "BadRequestException",
      400,
    );
  });

  it("tags, untags and lists tags of an API and a stage by ARN", async () => {
    const { apigateway } = test.clients;
    const arn = `arn:aws:apigateway:us-east-1::/restapis/${apiId}`;
    await apigateway.send(new TagResourceCommand({ resourceArn: arn, tags: { extra: "yes", gone: "soon" } }));
    await apigateway.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["gone"] }));
    const tags = await apigateway.send(new GetTagsCommand({ resourceArn: arn }));
    expect(tags.tags).to.deep.equal({ "s3size:stack": "test", extra: "yes" });
    await apigateway.send(
      new TagResourceCommand({ resourceArn: `${arn}/stages/demo`, tags: { stage: "tag" } }),
    );
    const stageTags = await apigateway.send(new GetTagsCommand({ resourceArn: `${arn}/stages/demo` }));
    expect(stageTags.tags).to.deep.equal({ stage: "tag" });
  });

  it("keeps APIs, stages and their settings across a restart", async () => {
    await test.stop(false);
    test = await startTestCloud({ stateDir: test.stateDir });
    const stage = await test.clients.apigateway.send(
      new GetStageCommand({ restApiId: apiId, stageName: "demo" }),
    );
    expect(stage.methodSettings?.["*/*"]?.throttlingRateLimit).to.equal(10);
    const api = await test.clients.apigateway.send(new GetRestApiCommand({ restApiId: apiId }));
    expect(api.binaryMediaTypes).to.deep.equal(["image/gif", "image/png"]);
  });

  it("deletes a REST API; a missing one is NotFoundException (404)", async () => {
    const { apigateway } = test.clients;
    await apigateway.send(new DeleteRestApiCommand({ restApiId: apiId }));
    await expectError(apigateway.send(new GetRestApiCommand({ restApiId: apiId })), "NotFoundException", 404);
  });
});
