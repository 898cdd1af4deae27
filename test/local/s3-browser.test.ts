import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { expect } from "chai";
import { clientsFor, startTestCloud, type TestCloud } from "./cloud.ts";
import { errorOf, failure, raw } from "./s3-helpers.ts";

/** S3's placeholder for the uploaded file's name in a form's key field. */
const FILENAME = ["$", "{filename}"].join("");

/** The fields a presigned POST hands a page (as @aws-sdk/s3-presigned-post builds them), with its policy. */
function presignedPost(
  bucket: string,
  conditions: unknown[],
  fields: Record<string, string>,
  expiresInSeconds = 300,
): Record<string, string> {
  const date = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const signing = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `test/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
    "X-Amz-Date": date,
  };
  const policy = {
    expiration: new Date(Date.now() + expiresInSeconds * 1000).toISOString(),
    conditions: [
      { bucket },
      ...conditions,
      ...Object.entries({ ...fields, ...signing }).map(([name, value]) => ({ [name]: value })),
    ],
  };
  return {
    ...fields,
    ...signing,
    Policy: Buffer.from(JSON.stringify(policy)).toString("base64"),
    "X-Amz-Signature": "0".repeat(64),
  };
}

async function post(
  endpoint: string,
  bucket: string,
  fields: Record<string, string>,
  file: string,
  filename = "report.txt",
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", new Blob([file]), filename);
  const response = await fetch(`${endpoint}/${bucket}`, { method: "POST", body: form });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    ...errorOf(text),
  };
}

describe("local S3 for browsers: POST Object and CORS", () => {
  let test: TestCloud;
  let s3: S3Client;
  before(async () => {
    test = await startTestCloud();
    s3 = test.clients.s3;
    await s3.send(new CreateBucketCommand({ Bucket: "dropbox" }));
  });
  after(async () => test.stop());

  describe("POST Object", () => {
    const limited = [
      ["starts-with", "$key", "uploads/"],
      ["content-length-range", 1, 100],
    ];

    it("stores a form upload whose signed policy holds, with its Content-Type, metadata and file name", async () => {
      const fields = presignedPost("dropbox", limited, {
        key: `uploads/${FILENAME}`,
        "Content-Type": "text/plain",
        "x-amz-meta-uploader": "dashboard",
      });
      const answer = await post(test.cloud.endpoint, "dropbox", fields, "hello from a form");
      expect(answer.status).to.equal(204);
      expect(answer.headers.get("etag")).to.be.a("string");
      const got = await s3.send(new GetObjectCommand({ Bucket: "dropbox", Key: "uploads/report.txt" }));
      expect(await got.Body!.transformToString()).to.equal("hello from a form");
      expect([got.ContentType, got.Metadata]).to.deep.equal(["text/plain", { uploader: "dashboard" }]);
    });

    it("authorizes a form as the role session that signed it, not as the request that posts it", async () => {
      const trust = {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" },
        ],
      };
      const role = await test.clients.iam.send(
        new CreateRoleCommand({ RoleName: "uploader", AssumeRolePolicyDocument: JSON.stringify(trust) }),
      );
      const assumed = await test.clients.sts.send(
        new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "page" }),
      );
      const session = clientsFor(test.cloud.endpoint, "us-east-1", {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      });
      try {
        const form = await createPresignedPost(session.s3, {
          Bucket: "dropbox",
          Key: "uploads/by-role.txt",
          Conditions: [["content-length-range", 1, 100]],
        });
        const denied = await post(test.cloud.endpoint, "dropbox", form.fields, "from the page");
        expect([denied.status, denied.code]).to.deep.equal([403, "AccessDenied"]);
        const grant = {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::dropbox/uploads/*" },
          ],
        };
        await test.clients.iam.send(
          new PutRolePolicyCommand({
            RoleName: "uploader",
            PolicyName: "upload",
            PolicyDocument: JSON.stringify(grant),
          }),
        );
        const stored = await post(test.cloud.endpoint, "dropbox", form.fields, "from the page");
        expect(stored.status).to.equal(204);
      } finally {
        for (const client of Object.values(session)) client.destroy();
      }
    });

    it("answers success_action_status 201 with a PostResponse document", async () => {
      const fields = presignedPost("dropbox", limited, {
        key: "uploads/201.txt",
        success_action_status: "201",
      });
      const answer = await post(test.cloud.endpoint, "dropbox", fields, "x");
      expect(answer.status).to.equal(201);
      expect(answer.text).to.contain("<Bucket>dropbox</Bucket>").and.contain("<Key>uploads/201.txt</Key>");
    });

    it("refuses an expired policy, a failed condition, a file over the size range and a field the policy does not name", async () => {
      const expired = await post(
        test.cloud.endpoint,
        "dropbox",
        presignedPost("dropbox", limited, { key: "uploads/a" }, -60),
        "x",
      );
      expect([expired.status, expired.code, expired.message]).to.deep.equal([
        403,
        "AccessDenied",
        "Invalid according to Policy: Policy expired.",
      ]);
      const outside = await post(
        test.cloud.endpoint,
        "dropbox",
        { ...presignedPost("dropbox", limited, { key: "uploads/a" }), key: "private/a" },
        "x",
      );
      expect([outside.status, outside.code]).to.deep.equal([403, "AccessDenied"]);
      expect(outside.message).to.equal(
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]',
      );
      const large = await post(
        test.cloud.endpoint,
        "dropbox",
        presignedPost("dropbox", limited, { key: "uploads/big" }),
        "x".repeat(101),
      );
      expect([large.status, large.code, large.message]).to.deep.equal([
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
      ]);
      const extra = await post(
        test.cloud.endpoint,
        "dropbox",
        { ...presignedPost("dropbox", limited, { key: "uploads/e" }), "x-amz-meta-sneaky": "1" },
        "x",
      );
      expect([extra.status, extra.message]).to.deep.equal([
        403,
        "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky",
      ]);
      const elsewhere = await post(
        test.cloud.endpoint,
        "dropbox",
        presignedPost("other-bucket", limited, { key: "uploads/o" }),
        "x",
      );
      expect([elsewhere.status, elsewhere.message]).to.deep.equal([
        403,
        'Invalid according to Policy: Policy Condition failed: {"bucket": "other-bucket"}',
      ]);
      for (const key of ["uploads/a", "private/a", "uploads/big", "uploads/e", "uploads/o"]) {
        expect(
          (await failure(s3.send(new HeadObjectCommand({ Bucket: "dropbox", Key: key })))).$metadata
            .httpStatusCode,
        ).to.equal(404);
      }
    });

    it("refuses a bucket POST that is not a multipart form with 412", async () => {
      const answer = await raw(test.cloud.endpoint, "POST", "/dropbox", {
        headers: { "content-type": "text/plain" },
        body: "key=x",
      });
      expect([answer.status, answer.code]).to.deep.equal([412, "PreconditionFailed"]);
    });

    it("refuses a form without a key field, or without its signature fields", async () => {
      const fields = presignedPost("dropbox", limited, { key: "uploads/k" });
      const { key: _key, ...withoutKey } = fields;
      const nokey = await post(test.cloud.endpoint, "dropbox", withoutKey, "x");
      expect([nokey.status, nokey.code]).to.deep.equal([400, "InvalidArgument"]);
      expect(nokey.message).to.contain("Bucket POST must contain a field named 'key'.");
      const { "X-Amz-Signature": _signature, ...unsigned } = fields;
      const nosig = await post(test.cloud.endpoint, "dropbox", unsigned, "x");
      expect([nosig.status, nosig.code]).to.deep.equal([400, "InvalidArgument"]);
    });
  });

  describe("CORS", () => {
    const origin = "http://localhost:5173";
    const preflight = (path: string, headers: Record<string, string>) =>
      raw(test.cloud.endpoint, "OPTIONS", path, { headers: { authorization: "", ...headers } });

    it("refuses a preflight to a bucket without CORS rules, as S3 does", async () => {
      const refused = await preflight("/dropbox/x", { origin, "access-control-request-method": "PUT" });
      expect([refused.status, refused.code, refused.message]).to.deep.equal([
        403,
        "AccessForbidden",
        "CORSResponse: CORS is not enabled for this bucket.",
      ]);
      const noOrigin = await preflight("/dropbox/x", { "access-control-request-method": "PUT" });
      expect([noOrigin.status, noOrigin.code]).to.deep.equal([400, "BadRequest"]);
    });

    it("answers a preflight from its rules, refusing an origin, method or header no rule allows", async () => {
      await s3.send(
        new PutBucketCorsCommand({
          Bucket: "dropbox",
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: [origin],
                AllowedMethods: ["GET", "PUT", "POST"],
                AllowedHeaders: ["content-type", "x-amz-*"],
                ExposeHeaders: ["ETag"],
                MaxAgeSeconds: 600,
              },
            ],
          },
        }),
      );
      const allowed = await preflight("/dropbox/x", {
        origin,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "Content-Type, X-Amz-Date",
      });
      expect(allowed.status).to.equal(200);
      expect(allowed.headers["access-control-allow-origin"]).to.equal(origin);
      expect(allowed.headers["access-control-allow-methods"]).to.equal("GET, PUT, POST");
      expect(allowed.headers["access-control-allow-headers"]).to.equal("content-type, x-amz-date");
      expect(allowed.headers["access-control-expose-headers"]).to.equal("ETag");
      expect(allowed.headers["access-control-max-age"]).to.equal("600");
      const refusals: Array<Record<string, string>> = [
        { origin: "https://evil.example", "access-control-request-method": "PUT" },
        { origin, "access-control-request-method": "DELETE" },
        { origin, "access-control-request-method": "PUT", "access-control-request-headers": "authorization" },
      ];
      for (const headers of refusals) {
        const refused = await preflight("/dropbox/x", headers);
        expect([refused.status, refused.code], JSON.stringify(headers)).to.deep.equal([
          403,
          "AccessForbidden",
        ]);
        expect(refused.message).to.contain("CORSResponse: This CORS request is not allowed.");
      }
    });

    it("adds Access-Control-Allow-* to an actual request from an allowed origin, and nothing for others", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "dropbox", Key: "shared.txt", Body: "shared" }));
      const allowed = await raw(test.cloud.endpoint, "GET", "/dropbox/shared.txt", { headers: { origin } });
      expect(allowed.text).to.equal("shared");
      expect(allowed.headers["access-control-allow-origin"]).to.equal(origin);
      expect(allowed.headers["access-control-expose-headers"]).to.equal("ETag");
      const other = await raw(test.cloud.endpoint, "GET", "/dropbox/shared.txt", {
        headers: { origin: "https://evil.example" },
      });
      expect(other.headers["access-control-allow-origin"]).to.equal(undefined);
    });
  });
});
