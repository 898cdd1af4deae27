import { expect } from "chai";
import { credentialScope, isControlPlane, routeRequest } from "../../local/edge.ts";
import { startTestCloud } from "./cloud.ts";

const sign = (service: string, region = "eu-west-1") => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=x`,
});

describe("local cloud edge routing", () => {
  it("routes by the service in the SigV4 credential scope, with its region", () => {
    expect(routeRequest("/2015-03-31/functions", sign("lambda"), new URLSearchParams())).to.deep.equal({
      kind: "service",
      service: "lambda",
      region: "eu-west-1",
    });
  });

  it("reads the scope and access key of a presigned URL from its query", () => {
    const query = new URLSearchParams({ "X-Amz-Credential": "test/20260101/us-east-1/s3/aws4_request" });
    expect(credentialScope(undefined, query)).to.deep.equal({
      region: "us-east-1",
      service: "s3",
      accessKeyId: "test",
    });
  });

  it("uses X-Amz-Target when a request is not signed", () => {
    const route = routeRequest("/", { "x-amz-target": "DynamoDB_20120810.Query" }, new URLSearchParams());
    expect(route).to.deep.equal({ kind: "service", service: "dynamodb" });
  });

  it("sends both execute-api path forms to API Gateway's data plane", () => {
    expect(routeRequest("/_aws/execute-api/abc123/demo/plot", {}, new URLSearchParams())).to.deep.equal({
      kind: "execute-api",
      target: { apiId: "abc123", stage: "demo", path: "/plot" },
    });
    expect(
      routeRequest("/restapis/abc123/demo/_user_request_/plot", {}, new URLSearchParams()),
    ).to.deep.equal({
      kind: "execute-api",
      target: { apiId: "abc123", stage: "demo", path: "/plot" },
    });
  });

  it("never counts data-plane calls as control-plane calls for throttling", () => {
    const invoke = {
      method: "POST",
      path: "/2015-03-31/functions/f/invocations",
      query: new URLSearchParams(),
    };
    expect(isControlPlane("lambda", invoke)).to.equal(false);
    expect(isControlPlane("lambda", { ...invoke, path: "/2015-03-31/functions" })).to.equal(true);
    expect(isControlPlane("dynamodb", { ...invoke, target: "DynamoDB_20120810.Query" })).to.equal(false);
  });

  it("refuses a second cloud on a state dir that is in use, and frees it on stop", async () => {
    const first = await startTestCloud();
    try {
      let refused: Error | undefined;
      try {
        await startTestCloud({ stateDir: first.stateDir });
      } catch (error) {
        refused = error as Error;
      }
      expect(refused?.message).to.match(/in use by process/);
    } finally {
      await first.stop(false);
    }
    const again = await startTestCloud({ stateDir: first.stateDir });
    await again.stop();
  });

  it("refuses to listen anywhere but loopback", async () => {
    let refused: Error | undefined;
    try {
      await startTestCloud({ host: "0.0.0.0" });
    } catch (error) {
      refused = error as Error;
    }
    expect(refused?.message).to.match(/loopback only/);
  });
});
