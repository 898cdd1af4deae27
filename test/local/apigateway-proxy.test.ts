import { expect } from "chai";
import { StageThrottle } from "../../local/apigateway/execute.ts";
import type { StoredResource, StoredStage } from "../../local/apigateway/model.ts";
import {
  buildProxyEvent,
  executeSourceArn,
  functionArnFromUri,
  isBinaryMediaType,
  MalformedProxyResponse,
  mapProxyResponse,
  type ProxyRequest,
  requestTime,
} from "../../local/apigateway/proxy-event.ts";
import { matchRoute } from "../../local/apigateway/routes.ts";

const method = (httpMethod: string) => ({ httpMethod, authorizationType: "NONE", apiKeyRequired: false });
const resource = (id: string, path: string, methods: string[]): StoredResource => ({
  id,
  path,
  resourceMethods: Object.fromEntries(methods.map((name) => [name, method(name)])),
});

describe("API Gateway route matching", () => {
  const resources = [
    resource("root", "/", ["GET"]),
    resource("plot", "/plot", ["GET"]),
    resource("item", "/items/{id}", ["ANY"]),
    resource("special", "/items/special", ["GET"]),
    resource("proxy", "/files/{proxy+}", ["GET"]),
  ];

  it("matches literal paths, the root and the exact method", () => {
    expect(matchRoute(resources, "/plot", "GET")?.resource.id).to.equal("plot");
    expect(matchRoute(resources, "/", "GET")?.resource.id).to.equal("root");
    expect(matchRoute(resources, "/plot", "POST")).to.equal(undefined);
    expect(matchRoute(resources, "/plot/extra", "GET")).to.equal(undefined);
  });

  it("prefers a literal part over a {param}, and falls back to ANY", () => {
    expect(matchRoute(resources, "/items/special", "GET")?.resource.id).to.equal("special");
    const item = matchRoute(resources, "/items/42", "DELETE");
    expect(item?.resource.id).to.equal("item");
    expect(item?.method.httpMethod).to.equal("ANY");
    expect(item?.pathParameters).to.deep.equal({ id: "42" });
  });

  it("lets {proxy+} take one or more remaining segments, but not none", () => {
    expect(matchRoute(resources, "/files/a/b/c.png", "GET")?.pathParameters).to.deep.equal({
      proxy: "a/b/c.png",
    });
    expect(matchRoute(resources, "/files", "GET")).to.equal(undefined);
  });
});

interface EventView {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: unknown;
  multiValueQueryStringParameters: unknown;
  pathParameters: unknown;
  stageVariables: unknown;
  requestContext: Record<string, unknown> & { identity: Record<string, unknown> };
}

describe("API Gateway proxy event", () => {
  const request: ProxyRequest = {
    apiId: "abcdefghij",
    stage: "demo",
    accountId: "000000000000",
    deploymentId: "dep1234567",
    resourceId: "res1234567",
    resourcePath: "/plot",
    httpMethod: "GET",
    path: "/plot",
    headers: { host: "127.0.0.1:4566", "user-agent": "curl/8", accept: "image/png" },
    query: new URLSearchParams("bucket=b&seconds=10&seconds=20"),
    pathParameters: {},
    body: Buffer.alloc(0),
    binaryMediaTypes: ["image/png"],
    requestId: "req-1",
    extendedRequestId: "ext-1",
    sourceIp: "127.0.0.1",
    now: new Date(Date.UTC(2026, 3, 9, 12, 34, 56)),
  };

  it("carries the request as REST API v1 does: last value single, all values multi, nulls when absent", () => {
    const event = buildProxyEvent(request) as unknown as EventView;
    expect(event).to.deep.include({
      resource: "/plot",
      path: "/plot",
      httpMethod: "GET",
      body: null,
      isBase64Encoded: false,
    });
    expect(event.queryStringParameters).to.deep.equal({ bucket: "b", seconds: "20" });
    expect(event.multiValueQueryStringParameters).to.deep.equal({ bucket: ["b"], seconds: ["10", "20"] });
    expect(event.headers.accept).to.equal("image/png");
    expect(event.multiValueHeaders.accept).to.deep.equal(["image/png"]);
    expect(event.pathParameters).to.equal(null);
    expect(event.stageVariables).to.equal(null);
    expect(event.requestContext).to.deep.include({
      resourceId: "res1234567",
      resourcePath: "/plot",
      path: "/demo/plot",
      stage: "demo",
      apiId: "abcdefghij",
      accountId: "000000000000",
      requestId: "req-1",
      extendedRequestId: "ext-1",
      requestTime: "09/Apr/2026:12:34:56 +0000",
      requestTimeEpoch: request.now.getTime(),
      domainName: "127.0.0.1:4566",
      protocol: "HTTP/1.1",
    });
    expect(event.requestContext.identity).to.deep.include({ sourceIp: "127.0.0.1", userAgent: "curl/8" });
  });

  it("has null query parameters when there are none", () => {
    const event = buildProxyEvent({ ...request, query: new URLSearchParams() }) as Record<string, unknown>;
    expect(event.queryStringParameters).to.equal(null);
    expect(event.multiValueQueryStringParameters).to.equal(null);
  });

  it("base64-encodes a body whose Content-Type is a binary media type, and passes text as text", () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const binary = buildProxyEvent({
      ...request,
      httpMethod: "POST",
      headers: { ...request.headers, "content-type": "image/png" },
      body: png,
    }) as Record<string, unknown>;
    expect(binary).to.deep.include({ body: png.toString("base64"), isBase64Encoded: true });
    const text = buildProxyEvent({
      ...request,
      headers: { ...request.headers, "content-type": "application/json" },
      body: Buffer.from('{"a":1}'),
    }) as Record<string, unknown>;
    expect(text).to.deep.include({ body: '{"a":1}', isBase64Encoded: false });
  });

  it("formats requestTime as API Gateway's CLF time", () => {
    expect(requestTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).to.equal("02/Jan/2026:03:04:05 +0000");
  });
});

describe("API Gateway proxy response mapping", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
  const pngAnswer = Buffer.from(
    JSON.stringify({
      statusCode: 200,
      headers: { "Content-Type": "image/png" },
      body: png.toString("base64"),
      isBase64Encoded: true,
    }),
  );

  it("decodes a base64 body to bytes when the client accepts a binary media type", () => {
    const mapped = mapProxyResponse(pngAnswer, "image/png", ["image/png"]);
    expect(mapped.statusCode).to.equal(200);
    expect(mapped.body.equals(png)).to.equal(true);
    expect(mapped.headers["Content-Type"]).to.deep.equal(["image/png"]);
  });

  it("decodes when the response Content-Type matches a wildcard binary media type", () => {
    expect(mapProxyResponse(pngAnswer, undefined, ["image/*"]).body.equals(png)).to.equal(true);
    expect(mapProxyResponse(pngAnswer, "application/json", ["*/*"]).body.equals(png)).to.equal(true);
  });

  it("passes the base64 text through when the API has no matching binary media type", () => {
    const mapped = mapProxyResponse(pngAnswer, "application/json", ["application/octet-stream"]);
    expect(mapped.body.toString("utf8")).to.equal(png.toString("base64"));
  });

  it("merges headers and multiValueHeaders, and defaults Content-Type to JSON", () => {
    const answer = Buffer.from(
      JSON.stringify({
        statusCode: 201,
        headers: { "X-One": "1" },
        multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"] },
        body: '{"ok":true}',
      }),
    );
    const mapped = mapProxyResponse(answer, undefined, []);
    expect(mapped.statusCode).to.equal(201);
    expect(mapped.headers).to.deep.equal({
      "X-One": ["1"],
      "Set-Cookie": ["a=1", "b=2"],
      "Content-Type": ["application/json"],
    });
    expect(mapped.body.toString()).to.equal('{"ok":true}');
  });

  it("rejects answers that are not proxy responses", () => {
    for (const bad of ["not json", "[1]", '{"body":"x"}', '{"statusCode":"abc"}']) {
      expect(() => mapProxyResponse(Buffer.from(bad), undefined, []), bad).to.throw(MalformedProxyResponse);
    }
  });

  it("matches binary media types with parameters and wildcards", () => {
    expect(isBinaryMediaType("image/png; charset=binary", ["image/png"])).to.equal(true);
    expect(isBinaryMediaType("image/jpeg", ["image/*"])).to.equal(true);
    expect(isBinaryMediaType("text/plain", ["image/*"])).to.equal(false);
    expect(isBinaryMediaType(undefined, ["*/*"])).to.equal(false);
  });
});

describe("API Gateway invoke identity and throttling", () => {
  it("names the method in the source ARN Lambda's permission is checked against", () => {
    expect(executeSourceArn("us-east-1", "000000000000", "abcdefghij", "demo", "GET", "/plot")).to.equal(
      "arn:aws:execute-api:us-east-1:000000000000:abcdefghij/demo/GET/plot",
    );
    expect(executeSourceArn("us-east-1", "000000000000", "abcdefghij", "demo", "GET", "/")).to.equal(
      "arn:aws:execute-api:us-east-1:000000000000:abcdefghij/demo/GET/",
    );
  });

  it("reads the function ARN out of a Lambda integration URI", () => {
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:plot";
    expect(
      functionArnFromUri(`arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`),
    ).to.equal(arn);
    expect(functionArnFromUri("arn:aws:apigateway:us-east-1:s3:path/bucket/key")).to.equal(undefined);
  });

  it("lets a burst through, refuses the next, and refills at the stage's rate", () => {
    const stage = {
      methodSettings: { "*/*": { throttlingRateLimit: 2, throttlingBurstLimit: 3 } },
    } as unknown as StoredStage;
    const throttle = new StageThrottle();
    const results = [0, 0, 0, 0].map(() => throttle.take("api/demo", stage, 1000));
    expect(results).to.deep.equal([true, true, true, false]);
    expect(throttle.take("api/demo", stage, 1500)).to.equal(true);
    expect(throttle.take("api/demo", stage, 1500)).to.equal(false);
    expect(throttle.take("other/demo", stage, 1500)).to.equal(true);
  });
});
