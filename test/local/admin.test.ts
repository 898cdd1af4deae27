// The local cloud's own endpoints against a real cloud: health answers anyone on the machine, settings
// change only with the state dir's admin token, and the attacks of issue 8 change nothing.
import { statSync } from "node:fs";
import { join } from "node:path";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { ADMIN_TOKEN_HEADER, readAdminToken } from "../../local/index.ts";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { rawRequest } from "./fixtures/raw-http.ts";

describe("local cloud admin endpoints", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  const postRealism = (body: string, headers: Record<string, string> = {}) =>
    rawRequest(test.cloud.endpoint, {
      method: "POST",
      path: "/_s3size/realism",
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  it("answers both health checks without a token, in s3size's and LocalStack's shapes", async () => {
    const own = await rawRequest(test.cloud.endpoint, { path: "/_s3size/health" });
    expect(own.status).to.equal(200);
    expect(JSON.parse(own.body)).to.include({ ok: true });
    expect(JSON.parse(own.body).services).to.include.members(["s3", "lambda", "dynamodb", "iam"]);
    const localstack = await rawRequest(test.cloud.endpoint, { path: "/_localstack/health" });
    expect(localstack.status).to.equal(200);
    expect(JSON.parse(localstack.body).services).to.include({
      s3: "running",
      lambda: "running",
      dynamodb: "running",
      apigateway: "running",
    });
  });

  it("refuses POST /_s3size/realism without the state dir's token, and nothing changes", async () => {
    const answer = await postRealism('{"throttleEveryN":1}');
    expect(answer.status).to.equal(403);
    expect(JSON.parse(answer.body).message).to.contain(ADMIN_TOKEN_HEADER);
    expect(test.cloud.realism.throttleEveryN).to.equal(0);
    // Had the switch been turned on, every control-plane call would now be throttled.
    await test.clients.iam.send(new ListRolesCommand({}));
  });

  it("keeps the token in the state dir, readable by its owner only, and applies a change that carries it", async () => {
    const token = readAdminToken(test.stateDir);
    expect(token).to.match(/^[0-9a-f]{64}$/);
    expect(statSync(join(test.stateDir, "local", "admin-token")).mode & 0o777).to.equal(0o600);
    const answer = await postRealism('{"asyncRetryDelayMs":25,"iam":"warn"}', {
      [ADMIN_TOKEN_HEADER]: token,
    });
    expect(answer.status).to.equal(200);
    expect(test.cloud.realism).to.include({ asyncRetryDelayMs: 25, iam: "warn" });
    const read = await rawRequest(test.cloud.endpoint, { path: "/_s3size/realism" });
    expect(JSON.parse(read.body).asyncRetryDelayMs).to.equal(25);
  });

  it("refuses unknown, prototype-named and negative settings, leaving every object untouched", async () => {
    const token = readAdminToken(test.stateDir);
    const before = { ...test.cloud.realism };
    for (const body of [
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"toString":1}',
      '{"throttleEveryN":-1}',
      '{"throttleEveryN":"1"}',
      '{"iam":"disabled"}',
      "[1]",
      "{not json",
    ]) {
      const answer = await postRealism(body, { [ADMIN_TOKEN_HEADER]: token });
      expect(answer.status, body).to.equal(400);
    }
    expect(test.cloud.realism).to.deep.equal(before);
    expect(Object.getPrototypeOf(test.cloud.realism)).to.equal(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});

describe("local cloud refusing issue 8's browser attacks", () => {
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
  });
  after(() => test.stop());

  it("creates no bucket for a request addressed to a rebinding domain", async () => {
    const answer = await rawRequest(test.cloud.endpoint, {
      method: "PUT",
      path: "/rebound-bucket",
      headers: { host: `attacker.example:${test.cloud.port}` },
    });
    expect(answer.status).to.equal(403);
    const { Buckets = [] } = await test.clients.s3.send(new ListBucketsCommand({}));
    expect(Buckets.map((bucket) => bucket.Name)).to.not.include("rebound-bucket");
  });

  it("keeps an object a cross-site text/plain POST ?delete asked to delete", async () => {
    await test.clients.s3.send(new CreateBucketCommand({ Bucket: "kept" }));
    await test.clients.s3.send(new PutObjectCommand({ Bucket: "kept", Key: "precious.txt", Body: "mine" }));
    const answer = await rawRequest(test.cloud.endpoint, {
      method: "POST",
      path: "/kept?delete",
      headers: { origin: "https://attacker.example", "content-type": "text/plain" },
      body: "<Delete><Object><Key>precious.txt</Key></Object></Delete>",
    });
    expect(answer.status).to.equal(403);
    const kept = await test.clients.s3.send(new GetObjectCommand({ Bucket: "kept", Key: "precious.txt" }));
    expect(await kept.Body!.transformToString()).to.equal("mine");
  });
});
