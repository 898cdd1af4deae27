// The edge as an attacker on the same machine (or a web page in the user's browser) meets it: requests
// routed on the raw path, answered only for loopback Host names, cross-site writes refused, and a
// failing service or a broken client costing one request, never the cloud.
import type { ServerResponse } from "node:http";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { ApiGatewayService, EdgeRequest, Service } from "../../local/types.ts";
import { TEST_CREDENTIALS } from "./cloud.ts";
import { startBareEdge, testContext } from "./fixtures/bare-edge.ts";
import { brokenUpload, rawRequest } from "./fixtures/raw-http.ts";

interface Seen {
  service: string;
  method: string;
  path: string;
  query: string;
  body: string;
}

/** An edge in front of recording services: what reaches a service is exactly what it records. */
async function startRecordingEdge() {
  const seen: Seen[] = [];
  const recorder = (name: string): Service => ({
    name,
    async handle(req: EdgeRequest, res: ServerResponse) {
      seen.push({
        service: name,
        method: req.method,
        path: req.path,
        query: req.query.toString(),
        body: req.body.toString("utf8"),
      });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("reached");
    },
  });
  const failing = (name: string, when: "before" | "after"): Service => ({
    name,
    async handle(_req: EdgeRequest, res: ServerResponse) {
      if (when === "after") res.writeHead(200, { "content-length": "100" });
      throw new Error(`${name} fell over`);
    },
  });
  const apigateway: ApiGatewayService = {
    name: "apigateway",
    handle: recorder("apigateway").handle,
    async execute(_target, req, res) {
      return recorder("execute-api").handle(req, res);
    },
  };
  const services = [
    recorder("s3"),
    recorder("iam"),
    failing("lambda", "before"),
    failing("dynamodb", "before"),
    failing("logs", "after"),
  ];
  const edge = await startBareEdge(testContext(), services, apigateway);
  return { seen, endpoint: edge.endpoint, stop: () => edge.stop() };
}

const signedFor = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
});

describe("local cloud edge safety", () => {
  let edge: Awaited<ReturnType<typeof startRecordingEdge>>;
  before(async () => {
    edge = await startRecordingEdge();
  });
  after(() => edge.stop());

  describe("raw paths", () => {
    beforeEach(() => edge.seen.splice(0));

    it("hands S3 the path as sent: /a/../b/x is bucket a, key ../b/x, not bucket b", async () => {
      await rawRequest(edge.endpoint, { method: "DELETE", path: "/a/../b/x" });
      await rawRequest(edge.endpoint, { method: "DELETE", path: "/a/%2e%2e/b//./y?x-id=DeleteObject" });
      expect(edge.seen.map(({ path, query }) => ({ path, query }))).to.deep.equal([
        { path: "/a/../b/x", query: "" },
        { path: "/a/%2e%2e/b//./y", query: "x-id=DeleteObject" },
      ]);
    });

    it("keeps the dot segments an SDK client sends in a key (aws s3api delete-object --key ../b/precious.txt)", async () => {
      const s3 = new S3Client({
        endpoint: edge.endpoint,
        region: "us-east-1",
        credentials: TEST_CREDENTIALS,
        forcePathStyle: true,
        maxAttempts: 1,
      });
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: "a", Key: "../b/precious.txt" })).catch(() => {});
        await s3.send(new PutObjectCommand({ Bucket: "a", Key: "./c//d/..", Body: "x" })).catch(() => {});
      } finally {
        s3.destroy();
      }
      expect(edge.seen.map(({ method, path }) => `${method} ${path}`)).to.deep.equal([
        "DELETE /a/../b/precious.txt",
        "PUT /a/./c//d/..",
      ]);
    });

    it("reduces an absolute-form request target to its raw path", async () => {
      await rawRequest(edge.endpoint, { path: "http://127.0.0.1/a/../b" });
      expect(edge.seen.map(({ path }) => path)).to.deep.equal(["/a/../b"]);
    });
  });

  describe("who may call it", () => {
    beforeEach(() => edge.seen.splice(0));

    it("refuses a request for any Host that is not a loopback name (DNS rebinding), before any service sees it", async () => {
      const port = new URL(edge.endpoint).port;
      for (const host of [
        "attacker.example",
        `attacker.example:${port}`,
        "localhost.attacker.example",
        "127.0.0.1.nip.io",
        "0.0.0.0",
        "10.0.0.1",
        "[::2]",
        "evil@localhost",
      ]) {
        const answer = await rawRequest(edge.endpoint, { method: "PUT", path: "/victim", headers: { host } });
        expect(answer.status, host).to.equal(403);
        expect(answer.body, host).to.contain("<Code>AccessDenied</Code>").and.contain("DNS rebinding");
      }
      expect(edge.seen).to.deep.equal([]);
    });

    it("answers every loopback name, with or without a port", async () => {
      const port = new URL(edge.endpoint).port;
      const hosts = [
        "localhost",
        `localhost:${port}`,
        "LOCALHOST",
        `my-bucket.localhost:${port}`,
        "127.0.0.1",
        `127.0.0.1:${port}`,
        "127.12.0.9:80",
        "[::1]",
        `[::1]:${port}`,
        "[::ffff:127.0.0.1]",
      ];
      for (const host of hosts) {
        const answer = await rawRequest(edge.endpoint, { path: "/bucket", headers: { host } });
        expect(answer.status, host).to.equal(200);
      }
      expect(edge.seen).to.have.length(hosts.length);
    });

    it("refuses a cross-site text/plain POST ?delete from a web page, and S3 never sees it", async () => {
      const answer = await rawRequest(edge.endpoint, {
        method: "POST",
        path: "/bucket?delete",
        headers: {
          origin: "https://attacker.example",
          "sec-fetch-site": "cross-site",
          "content-type": "text/plain",
        },
        body: "<Delete><Object><Key>precious.txt</Key></Object></Delete>",
      });
      expect(answer.status).to.equal(403);
      expect(answer.body).to.contain("<Code>AccessDenied</Code>").and.contain("cross-site POST");
      expect(edge.seen).to.deep.equal([]);
    });

    it("refuses an HTML form upload, a sandboxed page (Origin null) and an Origin-less cross-site write", async () => {
      const attempts: Array<{ method: string; headers: Record<string, string>; body: string }> = [
        {
          method: "POST",
          headers: { origin: "http://attacker.example", "content-type": "multipart/form-data; boundary=x" },
          body: '--x\r\nContent-Disposition: form-data; name="key"\r\n\r\n../../x\r\n--x--\r\n',
        },
        { method: "PUT", headers: { origin: "null" }, body: "x" },
        { method: "DELETE", headers: { "sec-fetch-site": "cross-site" }, body: "" },
      ];
      for (const attempt of attempts) {
        const answer = await rawRequest(edge.endpoint, { path: "/bucket/key", ...attempt });
        expect(answer.status, JSON.stringify(attempt.headers)).to.equal(403);
      }
      expect(edge.seen).to.deep.equal([]);
    });

    it("lets a browser open a presigned URL from any page, but read nothing else cross-site", async () => {
      const presigned = "/bucket/chart.png?X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fs3%2Faws4_request";
      const fromLink = await rawRequest(edge.endpoint, {
        path: presigned,
        headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" },
      });
      const typedIn = await rawRequest(edge.endpoint, {
        path: presigned,
        headers: { "sec-fetch-site": "none" },
      });
      const iamByLink = await rawRequest(edge.endpoint, {
        path: "/?Action=DeleteRole&RoleName=x&X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fiam%2Faws4_request",
        headers: { "sec-fetch-site": "cross-site" },
      });
      expect([fromLink.status, typedIn.status, iamByLink.status]).to.deep.equal([200, 200, 403]);
      expect(iamByLink.body).to.contain("<Code>AccessDenied</Code>");
      expect(edge.seen.map(({ service }) => service)).to.deep.equal(["s3", "s3"]);
    });

    it("passes a CORS preflight on to S3, whose bucket CORS rules answer it", async () => {
      const answer = await rawRequest(edge.endpoint, {
        method: "OPTIONS",
        path: "/bucket/key",
        headers: { origin: "https://app.example", "access-control-request-method": "PUT" },
      });
      expect(answer.status).to.equal(200);
      expect(edge.seen.map(({ method }) => method)).to.deep.equal(["OPTIONS"]);
    });

    it("lets pages served from this machine change state", async () => {
      for (const origin of ["http://localhost:3000", "http://127.0.0.1:8080", "http://dashboard.localhost"]) {
        const answer = await rawRequest(edge.endpoint, {
          method: "PUT",
          path: "/bucket/key",
          headers: { origin, "sec-fetch-site": "cross-site" },
          body: "x",
        });
        expect(answer.status, origin).to.equal(200);
      }
    });

    it("refuses an admin call with a wrong token, and answers prototype names as unknown actions", async () => {
      const realism = await rawRequest(edge.endpoint, {
        method: "POST",
        path: "/_s3size/realism",
        headers: { "x-s3size-admin-token": "b".repeat(64) },
        body: '{"throttleEveryN":1}',
      });
      expect(realism.status).to.equal(403);
      for (const action of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
        expect((await rawRequest(edge.endpoint, { path: `/_s3size/${action}` })).status, action).to.equal(
          404,
        );
      }
      const unknown = await rawRequest(edge.endpoint, { path: "/", headers: signedFor("__proto__") });
      expect(unknown.status).to.equal(400);
      expect(JSON.parse(unknown.body).__type).to.equal("UnknownService");
    });
  });

  describe("a failure costs one request", () => {
    const stillServing = async () => {
      const answer = await rawRequest(edge.endpoint, { path: "/bucket/after" });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.equal("reached");
    };

    it("answers a service's unexpected error with a 500 in that service's protocol", async () => {
      const lambda = await rawRequest(edge.endpoint, {
        method: "POST",
        path: "/2015-03-31/functions",
        headers: signedFor("lambda"),
      });
      expect(lambda.status).to.equal(500);
      expect(lambda.headers["x-amzn-errortype"]).to.equal("ServiceException");
      expect(JSON.parse(lambda.body).message).to.contain("lambda fell over");
      const dynamodb = await rawRequest(edge.endpoint, {
        method: "POST",
        path: "/",
        headers: {
          ...signedFor("dynamodb"),
          "x-amz-target": "DynamoDB_20120810.GetItem",
          "content-type": "application/x-amz-json-1.0",
        },
        body: "{}",
      });
      expect(dynamodb.status).to.equal(500);
      expect(dynamodb.headers["content-type"]).to.equal("application/x-amz-json-1.0");
      expect(JSON.parse(dynamodb.body).__type).to.match(/InternalServerError$/);
      await stillServing();
    });

    it("closes the connection of a service that fails halfway through its answer, and serves the next", async () => {
      let failed: Error | undefined;
      await rawRequest(edge.endpoint, { path: "/", headers: signedFor("logs") }).catch((error: Error) => {
        failed = error;
      });
      expect(failed?.message).to.match(/socket hang up|aborted|ECONNRESET/);
      await stillServing();
    });

    it("never hands a service an upload the client abandoned or cut short", async () => {
      edge.seen.splice(0);
      const head = { method: "PUT", path: "/bucket/partial", headers: {}, declaredLength: 1000 };
      await brokenUpload(edge.endpoint, head, Buffer.alloc(10, 1), "abort");
      await brokenUpload(edge.endpoint, head, Buffer.alloc(500, 1), "truncate");
      await stillServing();
      expect(edge.seen.map(({ path }) => path)).to.deep.equal(["/bucket/after"]);
    });

    it("refuses a body larger than the service takes before reading it", async () => {
      const answer = await brokenUpload(
        edge.endpoint,
        {
          method: "POST",
          path: "/",
          headers: {
            "x-amz-target": "DynamoDB_20120810.PutItem",
            "content-type": "application/x-amz-json-1.0",
          },
          declaredLength: 1024 ** 3,
        },
        Buffer.from("{"),
        "truncate",
      );
      expect(answer).to.match(/^HTTP\/1\.1 413 /);
      expect(answer).to.contain("RequestEntityTooLargeException");
      await stillServing();
    });
  });
});
