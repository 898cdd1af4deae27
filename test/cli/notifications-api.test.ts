import {
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteRestApiCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStageCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { AddPermissionCommand, GetFunctionCommand, GetPolicyCommand } from "@aws-sdk/client-lambda";
import {
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  PutBucketNotificationConfigurationCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { destroyApi, ensureApi, integrationUri, invokeUrl } from "../../cli/provision/api.ts";
import { apiRoutes } from "../../cli/provision/api-routes.ts";
import { destroyNotifications, ensureNotifications } from "../../cli/provision/notifications.ts";
import { ACCOUNT, awsError, fakeContext, inputOf } from "./fake-context.ts";

const OTHER = {
  Id: "someone-elses",
  LambdaFunctionArn: "arn:aws:lambda:eu-west-1:1:function:other",
  Events: ["s3:ObjectCreated:Put" as const],
};

describe("provision: notifications", () => {
  it("merges our entry into the bucket's configuration, keeping everything else", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.lambda.on(GetPolicyCommand).rejects(awsError("ResourceNotFoundException", 404));
    mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves({
      LambdaFunctionConfigurations: [OTHER],
      QueueConfigurations: [{ QueueArn: "arn:aws:sqs:eu-west-1:1:q", Events: ["s3:ObjectRemoved:*"] }],
    });
    await ensureNotifications(ctx);
    const permission = inputOf(mocks.lambda, AddPermissionCommand)[0]!;
    expect(permission).to.deep.include({
      SourceArn: `arn:aws:s3:::${ctx.names.dataBucket}`,
      SourceAccount: ACCOUNT,
    });
    const put = inputOf(mocks.s3, PutBucketNotificationConfigurationCommand)[0]!.NotificationConfiguration!;
    expect(put.QueueConfigurations).to.have.length(1);
    expect(put.LambdaFunctionConfigurations).to.deep.equal([
      OTHER,
      {
        Id: "s3size-s3size-size-tracking",
        LambdaFunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:s3size-size-tracking`,
        Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
      },
    ]);
  });

  it("removes only our entry at teardown", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.lambda.on(GetFunctionCommand).rejects(awsError("ResourceNotFoundException", 404));
    mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves({
      LambdaFunctionConfigurations: [
        OTHER,
        { Id: "s3size-s3size-size-tracking", LambdaFunctionArn: "arn:x", Events: ["s3:ObjectCreated:*"] },
      ],
    });
    await destroyNotifications(ctx);
    const put = inputOf(mocks.s3, PutBucketNotificationConfigurationCommand)[0]!.NotificationConfiguration!;
    expect(put.LambdaFunctionConfigurations).to.deep.equal([OTHER]);
  });
});

describe("provision: REST API", () => {
  it("builds the AWS invoke URL and the local cloud's execute-api URL", () => {
    expect(invokeUrl({ apiId: "a1b2c3", region: "eu-west-1", stage: "demo" })).to.equal(
      "https://a1b2c3.execute-api.eu-west-1.amazonaws.com/demo/plot",
    );
    expect(invokeUrl({ apiId: "a1b2c3", region: "cn-north-1", stage: "demo" })).to.equal(
      "https://a1b2c3.execute-api.cn-north-1.amazonaws.com.cn/demo/plot",
    );
    expect(
      invokeUrl({ apiId: "a1b2c3", region: "us-east-1", stage: "demo", endpoint: "http://127.0.0.1:4566/" }),
    ).to.equal("http://127.0.0.1:4566/_aws/execute-api/a1b2c3/demo/plot");
  });

  it("creates the API, GET /plot with a Lambda proxy, a permission scoped to the method, a deployment and a throttled stage", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.apigateway.on(GetRestApisCommand).resolves({ items: [] });
    mocks.apigateway.on(CreateRestApiCommand).resolves({ id: "api123", binaryMediaTypes: ["image/png"] });
    mocks.apigateway.on(GetResourcesCommand).resolves({ items: [{ id: "root", path: "/" }] });
    mocks.apigateway.on(CreateResourceCommand).resolves({ id: "res1", path: "/plot" });
    mocks.apigateway.on(GetMethodCommand).rejects(awsError("NotFoundException", 404));
    mocks.apigateway.on(GetStageCommand).rejects(awsError("NotFoundException", 404));
    mocks.apigateway.on(CreateDeploymentCommand).resolves({ id: "dep1" });
    mocks.lambda.on(GetPolicyCommand).rejects(awsError("ResourceNotFoundException", 404));
    await ensureApi(ctx);
    expect(inputOf(mocks.apigateway, CreateRestApiCommand)[0]).to.deep.include({
      name: "s3size-api",
      binaryMediaTypes: ["image/png"],
    });
    expect(inputOf(mocks.apigateway, PutMethodCommand)[0]).to.deep.include({
      resourceId: "res1",
      httpMethod: "GET",
      authorizationType: "NONE",
    });
    expect(inputOf(mocks.apigateway, PutIntegrationCommand)[0]).to.deep.include({
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: integrationUri(ctx),
    });
    expect(integrationUri(ctx)).to.equal(
      `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:${ACCOUNT}:function:s3size-plotting/invocations`,
    );
    expect(inputOf(mocks.lambda, AddPermissionCommand)[0]).to.deep.include({
      Principal: "apigateway.amazonaws.com",
      SourceArn: `arn:aws:execute-api:eu-west-1:${ACCOUNT}:api123/*/GET/plot`,
    });
    expect(inputOf(mocks.apigateway, CreateStageCommand)[0]).to.deep.include({
      stageName: "demo",
      deploymentId: "dep1",
    });
    expect(inputOf(mocks.apigateway, UpdateStageCommand)[0]!.patchOperations).to.deep.equal([
      { op: "replace", path: "/*/*/throttling/rateLimit", value: "10" },
      { op: "replace", path: "/*/*/throttling/burstLimit", value: "20" },
    ]);
    expect(ctx.state.invokeUrl).to.equal("https://api123.execute-api.eu-west-1.amazonaws.com/demo/plot");
    expect(ctx.state.apiNeedsDeployment).to.equal(false);
  });

  it("changes nothing when the API is as wanted", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.apigateway.on(GetRestApisCommand).resolves({
      items: [
        {
          id: "api123",
          name: "s3size-api",
          binaryMediaTypes: ["image/png"],
          tags: { "s3size:stack": "s3size" },
        },
      ],
    });
    const routes = apiRoutes();
    const paths = ["/", "/plot", "/api", ...new Set(routes.map((route) => route.path))];
    mocks.apigateway.on(GetResourcesCommand).resolves({
      items: [...new Set(paths)].map((path) => ({ id: `id${path}`, path })),
    });
    for (const route of routes) {
      mocks.apigateway
        .on(GetMethodCommand, { resourceId: `id${route.path}`, httpMethod: route.method })
        .resolves({
          httpMethod: route.method,
          methodIntegration: {
            type: "AWS_PROXY",
            httpMethod: "POST",
            uri: integrationUri(ctx, route.function),
          },
        });
    }
    mocks.apigateway.on(GetStageCommand).resolves({
      stageName: "demo",
      methodSettings: { "*/*": { throttlingRateLimit: 10, throttlingBurstLimit: 20 } },
    });
    const statements = routes.map((route) => ({
      Sid: route.statementId,
      Principal: { Service: "apigateway.amazonaws.com" },
      Condition: {
        ArnLike: {
          "AWS:SourceArn": `arn:aws:execute-api:eu-west-1:${ACCOUNT}:api123/*/${route.method}${route.path}`,
        },
      },
    }));
    mocks.lambda.on(GetPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: statements }) });
    await ensureApi(ctx);
    expect(mutations()).to.deep.equal([]);
  });

  it("deletes only the stack's tagged API at teardown, and reports an untagged one of the same name", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.apigateway.on(GetRestApisCommand).resolves({
      items: [
        { id: "ours1", name: "s3size-api", tags: { "s3size:stack": "s3size" } },
        { id: "theirs", name: "s3size-api" },
        { id: "other", name: "another-api" },
      ],
    });
    await destroyApi(ctx);
    expect(inputOf(mocks.apigateway, DeleteRestApiCommand).map((c) => c.restApiId)).to.deep.equal(["ours1"]);
    expect(ctx.notes).to.deep.equal([
      "left REST API s3size-api (theirs): it does not carry the tag s3size:stack=s3size",
    ]);
  });
});
