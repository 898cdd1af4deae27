// The execute-api data plane end to end: a REST API with a Lambda proxy integration to a real fixture
// function, called over HTTP as a browser or the driver function would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { AddPermissionCommand, CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { PNG } from "pngjs";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { createLambdaRole, waitUntilReady, zipFolder } from "./fixtures/lambda.ts";

function tinyPng(): Buffer {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(0);
  png.data[0] = 255;
  png.data[3] = 255;
  return PNG.sync.write(png);
}

const handlerSource = (pngBase64: string) => `
export const handler = async (event) => {
  const query = event.queryStringParameters ?? {};
  if (query.fail) throw new Error("failing on purpose");
  if (query.malformed) return "not a proxy response";
  if (event.resource === "/png") {
    return { statusCode: 200, headers: { "Content-Type": "image/png" }, body: "${pngBase64}", isBase64Encoded: true };
  }
  return {
    statusCode: 201,
    headers: { "Content-Type": "application/json", "X-Echo": "yes" },
    multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"] },
    body: JSON.stringify({
      resource: event.resource,
      path: event.path,
      httpMethod: event.httpMethod,
      query: event.queryStringParameters,
      multiQuery: event.multiValueQueryStringParameters,
      pathParameters: event.pathParameters,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
      stage: event.requestContext.stage,
      requestPath: event.requestContext.path,
      apiId: event.requestContext.apiId,
    }),
  };
};
`;

describe("local API Gateway execute-api with a Lambda proxy integration", () => {
  let test: TestCloud;
  let apiId: string;
  let scratch: string;
  const png = tinyPng();
  const url = (path: string, stage = "demo") =>
    `${test.cloud.endpoint}/_aws/execute-api/${apiId}/${stage}${path}`;

  before(async () => {
    test = await startTestCloud();
    scratch = mkdtempSync(join(tmpdir(), "s3size-apigw-"));
    const { apigateway, lambda, iam } = test.clients;
    const role = await createLambdaRole(iam, "api-fixture-role");
    const zip = await zipFolder(scratch, { "index.mjs": handlerSource(png.toString("base64")) });
    const fn = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "api-fixture",
        Runtime: "nodejs22.x",
        Role: role,
        Handler: "index.handler",
        Code: { ZipFile: zip },
      }),
    );
    await waitUntilReady(lambda, "api-fixture");
    const api = await apigateway.send(
      new CreateRestApiCommand({ name: "fixture-api", binaryMediaTypes: ["image/png"] }),
    );
    apiId = api.id!;
    const uri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn.FunctionArn}/invocations`;
    const route = async (pathPart: string, httpMethod: string, parentId = api.rootResourceId!) => {
      const resource = await apigateway.send(
        new CreateResourceCommand({ restApiId: apiId, parentId, pathPart }),
      );
      const where = { restApiId: apiId, resourceId: resource.id!, httpMethod };
      await apigateway.send(new PutMethodCommand({ ...where, authorizationType: "NONE" }));
      await apigateway.send(
        new PutIntegrationCommand({ ...where, type: "AWS_PROXY", integrationHttpMethod: "POST", uri }),
      );
      return resource.id!;
    };
    await route("plot", "GET");
    await route("png", "GET");
    await route("secret", "GET");
    const items = await route("items", "ANY");
    await route("{id}", "ANY", items);
    // Scoped as setup scopes it: every stage, the one method and path; /secret is left out on purpose.
    for (const [sid, path] of [
      ["plot", "*/GET/plot"],
      ["png", "*/GET/png"],
      ["items", "*/*/items*"],
    ]) {
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: "api-fixture",
          StatementId: sid,
          Action: "lambda:InvokeFunction",
          Principal: "apigateway.amazonaws.com",
          SourceArn: `arn:aws:execute-api:us-east-1:000000000000:${apiId}/${path}`,
        }),
      );
    }
    const deployment = await apigateway.send(
      new CreateDeploymentCommand({ restApiId: apiId, stageName: "demo" }),
    );
    await apigateway.send(
      new CreateStageCommand({ restApiId: apiId, stageName: "throttled", deploymentId: deployment.id }),
    );
    await apigateway.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: "throttled",
        patchOperations: [
          { op: "replace", path: "/*/*/throttling/rateLimit", value: "0.001" },
          { op: "replace", path: "/*/*/throttling/burstLimit", value: "1" },
        ],
      }),
    );
  });
  after(async () => {
    await test.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("builds the proxy event and maps the JSON response with its headers", async () => {
    const response = await fetch(url("/plot?bucket=b&seconds=10&seconds=20"));
    expect(response.status).to.equal(201);
    expect(response.headers.get("x-echo")).to.equal("yes");
    expect(response.headers.get("set-cookie")).to.equal("a=1, b=2");
    expect(response.headers.get("x-amzn-requestid")).to.be.a("string");
    expect(response.headers.get("x-amz-apigw-id")).to.be.a("string");
    expect(await response.json()).to.deep.equal({
      resource: "/plot",
      path: "/plot",
      httpMethod: "GET",
      query: { bucket: "b", seconds: "20" },
      multiQuery: { bucket: ["b"], seconds: ["10", "20"] },
      pathParameters: null,
      body: null,
      isBase64Encoded: false,
      stage: "demo",
      requestPath: "/demo/plot",
      apiId,
    });
  });

  it("returns the function's base64 PNG as the exact bytes when the client accepts image/png", async () => {
    const response = await fetch(url("/png"), { headers: { Accept: "image/png" } });
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.equal("image/png");
    expect(Buffer.from(await response.arrayBuffer()).equals(png)).to.equal(true);
  });

  it("serves the older /restapis/<id>/<stage>/_user_request_/ path too", async () => {
    const response = await fetch(`${test.cloud.endpoint}/restapis/${apiId}/demo/_user_request_/png`, {
      headers: { Accept: "image/png" },
    });
    expect(Buffer.from(await response.arrayBuffer()).equals(png)).to.equal(true);
  });

  it("passes path parameters and a request body through an ANY method", async () => {
    const response = await fetch(url("/items/42"), { method: "POST", body: '{"n":1}' });
    const echoed = (await response.json()) as Record<string, unknown>;
    expect(echoed).to.deep.include({ resource: "/items/{id}", httpMethod: "POST", body: '{"n":1}' });
    expect(echoed.pathParameters).to.deep.equal({ id: "42" });
  });

  it("answers 500 Internal server error when the function's policy does not allow the method", async () => {
    const response = await fetch(url("/secret"));
    expect(response.status).to.equal(500);
    expect(await response.json()).to.deep.equal({ message: "Internal server error" });
  });

  it("answers 502 when the function fails or returns something that is not a proxy response", async () => {
    for (const query of ["fail=1", "malformed=1"]) {
      const response = await fetch(url(`/plot?${query}`));
      expect(response.status, query).to.equal(502);
      expect(await response.json()).to.deep.equal({ message: "Internal server error" });
    }
  });

  it("answers 403 Missing Authentication Token for an unknown route, 404 for an unknown stage", async () => {
    const route = await fetch(url("/nowhere"));
    expect(route.status).to.equal(403);
    expect(await route.json()).to.deep.equal({ message: "Missing Authentication Token" });
    const method = await fetch(url("/plot"), { method: "DELETE" });
    expect(method.status).to.equal(403);
    const stage = await fetch(url("/plot", "nostage"));
    expect(stage.status).to.equal(404);
    expect(await stage.json()).to.deep.equal({ message: "Not Found" });
  });

  it("throttles a stage beyond its burst with 429 Too Many Requests", async () => {
    const first = await fetch(url("/plot", "throttled"));
    expect(first.status).to.equal(201);
    const second = await fetch(url("/plot", "throttled"));
    expect(second.status).to.equal(429);
    expect(await second.json()).to.deep.equal({ message: "Too Many Requests" });
  });
});
