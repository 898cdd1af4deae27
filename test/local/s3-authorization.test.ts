// S3 behind a real edge with an IAM that records each requirement and denies on demand: the actions and
// resource ARNs every operation declares, the bucket policy passed along, and S3's answers to a refusal.
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { s3ClientConfig } from "../../handlers/common/aws.ts";
import { createEdge } from "../../local/edge.ts";
import { createS3Service } from "../../local/s3/index.ts";
import {
  type ApiGatewayService,
  type AuthorizationResult,
  type CloudContext,
  DEFAULT_REALISM,
  type IamRequirement,
  LOCAL_ACCOUNT_ID,
  type Service,
} from "../../local/types.ts";
import { TEST_CREDENTIALS } from "./cloud.ts";
import { failure } from "./s3-helpers.ts";

describe("local S3 authorization: every operation's IAM requirement", () => {
  const requirements: IamRequirement[] = [];
  let refuse: (requirement: IamRequirement) => AuthorizationResult | undefined = () => undefined;
  let dataDir: string;
  let s3Service: Service;
  let server: Server;
  let s3: S3Client;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "s3size-s3-iam-"));
    const ctx: CloudContext = {
      region: "us-east-1",
      accountId: LOCAL_ACCOUNT_ID,
      dataDir,
      host: "127.0.0.1",
      endpoint: "",
      realism: { ...DEFAULT_REALISM },
      debug: () => {},
      iam: {
        roleStatus: () => "ready",
        authorize(_req, requirement) {
          requirements.push(requirement);
          return refuse(requirement) ?? { allowed: true };
        },
      },
    };
    s3Service = await createS3Service(ctx);
    server = createEdge(ctx, {
      services: new Map([["s3", s3Service]]),
      apigateway: {} as ApiGatewayService,
    } as never);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    ctx.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    s3 = new S3Client(
      s3ClientConfig(
        { endpoint: ctx.endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 },
        {},
      ),
    );
    for (const Bucket of ["guarded", "other"]) await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket: "other", Key: "source.txt", Body: "s" }));
  });

  after(async () => {
    s3.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await s3Service.close?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    requirements.length = 0;
    refuse = () => undefined;
  });

  it("declares each operation's action and resource ARNs as the Service Authorization Reference lists them", async () => {
    await s3.send(
      new ListObjectsV2Command({ Bucket: "guarded", Prefix: "in/", Delimiter: "/", MaxKeys: 10 }),
    );
    await s3.send(new PutObjectCommand({ Bucket: "guarded", Key: "in/a.txt", Body: "a" }));
    await s3.send(
      new CopyObjectCommand({ Bucket: "guarded", Key: "in/b.txt", CopySource: "other/source.txt" }),
    );
    await s3.send(new ListObjectVersionsCommand({ Bucket: "guarded" }));
    expect(requirements).to.deep.equal([
      {
        action: "s3:ListBucket",
        resources: ["arn:aws:s3:::guarded"],
        context: { "s3:prefix": "in/", "s3:delimiter": "/", "s3:max-keys": "10" },
      },
      { action: "s3:PutObject", resources: ["arn:aws:s3:::guarded/in/a.txt"] },
      { action: "s3:GetObject", resources: ["arn:aws:s3:::other/source.txt"] },
      { action: "s3:PutObject", resources: ["arn:aws:s3:::guarded/in/b.txt"] },
      { action: "s3:ListBucketVersions", resources: ["arn:aws:s3:::guarded"], context: {} },
    ]);
  });

  it("asks for the Version actions when a request names a version, with s3:versionid", async () => {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: "guarded", VersioningConfiguration: { Status: "Enabled" } }),
    );
    const { VersionId } = await s3.send(new PutObjectCommand({ Bucket: "guarded", Key: "v.txt", Body: "v" }));
    requirements.length = 0;
    const got = await s3.send(
      new GetObjectCommand({ Bucket: "guarded", Key: "v.txt", VersionId: VersionId! }),
    );
    await got.Body!.transformToString();
    expect(requirements).to.deep.equal([
      {
        action: "s3:GetObjectVersion",
        resources: ["arn:aws:s3:::guarded/v.txt"],
        context: { "s3:versionid": VersionId },
      },
    ]);
  });

  it("passes the bucket's policy along as the resource policy", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::guarded/secret/*" },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: "guarded", Policy: policy }));
    requirements.length = 0;
    await s3.send(new ListObjectsV2Command({ Bucket: "guarded" }));
    expect(requirements[0]?.resourcePolicy).to.equal(policy);
  });

  it("answers a refusal with 403 AccessDenied in IAM's words, and refused credentials with S3's own codes", async () => {
    const message =
      "User: arn:aws:sts::000000000000:assumed-role/r/s is not authorized to perform: s3:PutObject";
    refuse = (requirement) =>
      requirement.action === "s3:PutObject" ? { allowed: false, message } : undefined;
    const denied = await failure(s3.send(new PutObjectCommand({ Bucket: "guarded", Key: "x", Body: "x" })));
    expect([denied.name, denied.message, denied.$metadata.httpStatusCode]).to.deep.equal([
      "AccessDenied",
      message,
      403,
    ]);
    refuse = () => ({ allowed: false, message: "expired", credentials: "expired" }) as AuthorizationResult;
    const expired = await failure(s3.send(new ListObjectsV2Command({ Bucket: "guarded" })));
    expect([expired.name, expired.message]).to.deep.equal([
      "ExpiredToken",
      "The provided token has expired.",
    ]);
  });

  it("authorizes each key of DeleteObjects on its own, reporting refused keys as errors", async () => {
    for (const Key of ["keep/1", "drop/1"])
      await s3.send(new PutObjectCommand({ Bucket: "other", Key, Body: "x" }));
    requirements.length = 0;
    refuse = (requirement) =>
      requirement.resources[0]?.startsWith("arn:aws:s3:::other/keep/")
        ? { allowed: false, message: "Access Denied" }
        : undefined;
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: "other",
        Delete: { Objects: [{ Key: "keep/1" }, { Key: "drop/1" }] },
      }),
    );
    expect(result.Deleted?.map((entry) => entry.Key)).to.deep.equal(["drop/1"]);
    expect(result.Errors?.map((entry) => [entry.Key, entry.Code])).to.deep.equal([
      ["keep/1", "AccessDenied"],
    ]);
    expect(requirements.map((requirement) => requirement.action)).to.deep.equal([
      "s3:DeleteObject",
      "s3:DeleteObject",
    ]);
  });
});
