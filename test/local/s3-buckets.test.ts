import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketRequestPaymentCommand,
  GetBucketTaggingCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NotFound,
  PutBucketAclCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { bucketNameProblem } from "../../local/s3/names.ts";
import { clientsFor, startTestCloud, type TestCloud } from "./cloud.ts";
import { failure, raw, signedBy } from "./s3-helpers.ts";

describe("local S3 buckets", () => {
  let test: TestCloud;
  let s3: S3Client;
  before(async () => {
    test = await startTestCloud();
    s3 = test.clients.s3;
  });
  after(async () => test.stop());

  describe("creating, listing and deleting", () => {
    it("creates a bucket in us-east-1, heads it with its region, lists it with the account as owner, and re-creating it there succeeds", async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "east-bucket" }));
      const head = await s3.send(new HeadBucketCommand({ Bucket: "east-bucket" }));
      expect(head.BucketRegion).to.equal("us-east-1");
      await s3.send(new CreateBucketCommand({ Bucket: "east-bucket" }));
      const listed = await s3.send(new ListBucketsCommand({}));
      expect(listed.Owner?.ID).to.match(/^[0-9a-f]{64}$/);
      const entry = listed.Buckets?.find((bucket) => bucket.Name === "east-bucket");
      expect(entry?.BucketRegion).to.equal("us-east-1");
      expect(entry?.CreationDate).to.be.instanceOf(Date);
      const location = await s3.send(new GetBucketLocationCommand({ Bucket: "east-bucket" }));
      expect(location.LocationConstraint ?? "").to.equal("");
    });

    it("creates a bucket with a LocationConstraint outside us-east-1 and refuses the constraints S3 refuses", async () => {
      const west = clientsFor(test.cloud.endpoint, "eu-west-1").s3;
      try {
        const configuration = { LocationConstraint: "eu-west-1" as const };
        await west.send(
          new CreateBucketCommand({ Bucket: "west-bucket", CreateBucketConfiguration: configuration }),
        );
        expect(
          (await west.send(new GetBucketLocationCommand({ Bucket: "west-bucket" }))).LocationConstraint,
        ).to.equal("eu-west-1");
        expect((await west.send(new HeadBucketCommand({ Bucket: "west-bucket" }))).BucketRegion).to.equal(
          "eu-west-1",
        );
        // Signed for another region, S3 names the bucket's own, as the SDK's region redirect expects.
        const elsewhere = await failure(s3.send(new ListObjectsV2Command({ Bucket: "west-bucket" })));
        expect([elsewhere.name, elsewhere.message]).to.deep.equal([
          "AuthorizationHeaderMalformed",
          "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'",
        ]);
        const head = await failure(s3.send(new HeadBucketCommand({ Bucket: "west-bucket" })));
        expect(head.$response?.headers["x-amz-bucket-region"]).to.equal("eu-west-1");
        expect(
          (await s3.send(new GetBucketLocationCommand({ Bucket: "west-bucket" }))).LocationConstraint,
        ).to.equal("eu-west-1");
        const again = await failure(
          west.send(
            new CreateBucketCommand({ Bucket: "west-bucket", CreateBucketConfiguration: configuration }),
          ),
        );
        expect(again).to.be.instanceOf(BucketAlreadyOwnedByYou);
        expect(again.$metadata.httpStatusCode).to.equal(409);
        const mismatched = await failure(
          west.send(
            new CreateBucketCommand({
              Bucket: "west-bucket-2",
              CreateBucketConfiguration: { LocationConstraint: "eu-central-1" },
            }),
          ),
        );
        expect(mismatched.name).to.equal("IllegalLocationConstraintException");
        expect(mismatched.message).to.equal(
          "The eu-central-1 location constraint is incompatible for the region specific endpoint this request was sent to.",
        );
        // The SDK fills in the client's region as the constraint; a request without one is refused.
        const unspecified = await raw(test.cloud.endpoint, "PUT", "/west-bucket-3", {
          headers: signedBy("test", "eu-west-1"),
        });
        expect(unspecified.code).to.equal("IllegalLocationConstraintException");
        expect(unspecified.message).to.equal(
          "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
        );
      } finally {
        west.destroy();
      }
      const explicitEast = await failure(
        s3.send(
          new CreateBucketCommand({
            Bucket: "explicit-east",
            CreateBucketConfiguration: { LocationConstraint: "us-east-1" as never },
          }),
        ),
      );
      expect(explicitEast.name).to.equal("InvalidLocationConstraint");
    });

    it("refuses every name the bucket naming rules forbid with InvalidBucketName, and accepts the edge cases they allow", async () => {
      const refused = [
        "ab",
        "a".repeat(64),
        "Upper-case",
        "under_score",
        "-starts-with-hyphen",
        "ends-with-hyphen-",
        ".starts-with-dot",
        "ends-with-dot.",
        "two..dots",
        "192.168.5.4",
        "xn--punycode",
        "sthree-reserved",
        "sthree-configurator-x",
        "amzn-s3-demo-bucket",
        "access-point-s3alias",
        "object-lambda--ol-s3",
        "multi-region.mrap",
        "table--table-s3",
      ];
      for (const name of refused) {
        const error = await failure(s3.send(new CreateBucketCommand({ Bucket: name })));
        expect(error.name, name).to.equal("InvalidBucketName");
        expect(error.message).to.equal("The specified bucket is not valid.");
        expect(error.$metadata.httpStatusCode).to.equal(400);
      }
      // The SDK sends "--x-s3" names to S3 Express's own endpoint: ask over HTTP.
      const directory = await raw(test.cloud.endpoint, "PUT", "/directory--x-s3");
      expect([directory.status, directory.code]).to.deep.equal([400, "InvalidBucketName"]);
      for (const name of ["abc", "a".repeat(63), "my.dotted.bucket", "1-2-3", "192.168.5.x"]) {
        expect(bucketNameProblem(name), name).to.equal(undefined);
        await s3.send(new CreateBucketCommand({ Bucket: name }));
      }
    });

    it("answers HeadBucket on a missing bucket with 404 NotFound and other calls with NoSuchBucket", async () => {
      const head = await failure(s3.send(new HeadBucketCommand({ Bucket: "no-such-bucket" })));
      expect(head).to.be.instanceOf(NotFound);
      expect(head.$metadata.httpStatusCode).to.equal(404);
      const list = await failure(s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket" })));
      expect(list).to.be.instanceOf(NoSuchBucket);
      expect(list.message).to.equal("The specified bucket does not exist");
    });

    it("refuses to delete a bucket holding an object or only a delete marker, then deletes it once empty", async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "to-delete" }));
      await s3.send(new PutObjectCommand({ Bucket: "to-delete", Key: "x", Body: "x" }));
      const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket: "to-delete" })));
      expect(notEmpty.name).to.equal("BucketNotEmpty");
      expect(notEmpty.message).to.equal("The bucket you tried to delete is not empty");
      expect(notEmpty.$metadata.httpStatusCode).to.equal(409);
      await s3.send(new DeleteObjectCommand({ Bucket: "to-delete", Key: "x" }));
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: "to-delete",
          VersioningConfiguration: { Status: "Enabled" },
        }),
      );
      const marked = await s3.send(new DeleteObjectCommand({ Bucket: "to-delete", Key: "gone" }));
      expect(marked.DeleteMarker).to.equal(true);
      expect((await failure(s3.send(new DeleteBucketCommand({ Bucket: "to-delete" })))).name).to.equal(
        "BucketNotEmpty",
      );
      await s3.send(
        new DeleteObjectCommand({ Bucket: "to-delete", Key: "gone", VersionId: marked.VersionId! }),
      );
      await s3.send(new DeleteBucketCommand({ Bucket: "to-delete" }));
      expect(await failure(s3.send(new HeadBucketCommand({ Bucket: "to-delete" })))).to.be.instanceOf(
        NotFound,
      );
    });

    it("pages ListBuckets with a prefix and max-buckets", async () => {
      for (const name of ["page-a", "page-b", "page-c"])
        await s3.send(new CreateBucketCommand({ Bucket: name }));
      const first = await s3.send(new ListBucketsCommand({ Prefix: "page-", MaxBuckets: 2 }));
      expect(first.Buckets?.map((bucket) => bucket.Name)).to.deep.equal(["page-a", "page-b"]);
      const rest = await s3.send(
        new ListBucketsCommand({
          Prefix: "page-",
          MaxBuckets: 2,
          ContinuationToken: first.ContinuationToken!,
        }),
      );
      expect(rest.Buckets?.map((bucket) => bucket.Name)).to.deep.equal(["page-c"]);
      expect(rest.ContinuationToken).to.equal(undefined);
    });

    it("answers every request with S3's request id headers, and errors with RequestId and HostId", async () => {
      const ok = await raw(test.cloud.endpoint, "GET", "/");
      expect(ok.headers["x-amz-request-id"]).to.match(/^[0-9A-F]{16}$/);
      expect(ok.headers["x-amz-id-2"]).to.be.a("string").and.not.equal("");
      const missing = await raw(test.cloud.endpoint, "GET", "/no-such-bucket?list-type=2");
      expect(missing.status).to.equal(404);
      expect(missing.code).to.equal("NoSuchBucket");
      expect(missing.text).to.contain(`<RequestId>${missing.headers["x-amz-request-id"]}</RequestId>`);
      expect(missing.text).to.contain("<BucketName>no-such-bucket</BucketName>");
      expect(missing.text).to.contain("<HostId>");
    });

    it("serves virtual-hosted-style requests to <bucket>.localhost and <bucket>.s3.localhost", async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "hosted" }));
      const port = new URL(test.cloud.endpoint).port;
      const put = await raw(test.cloud.endpoint, "PUT", "/dir/file.txt", {
        headers: { host: `hosted.localhost:${port}` },
        body: "by host",
      });
      expect(put.status).to.equal(200);
      const got = await raw(test.cloud.endpoint, "GET", "/dir/file.txt", {
        headers: { host: `hosted.s3.localhost:${port}` },
      });
      expect(got.text).to.equal("by host");
      const listed = await raw(test.cloud.endpoint, "GET", "/?list-type=2", {
        headers: { host: `hosted.localhost:${port}` },
      });
      expect(listed.text).to.contain("<Key>dir/file.txt</Key>");
      const pathStyle = await s3.send(new ListObjectsV2Command({ Bucket: "hosted" }));
      expect(pathStyle.Contents?.map((object) => object.Key)).to.deep.equal(["dir/file.txt"]);
    });

    it("refuses a request expecting another bucket owner with AccessDenied", async () => {
      const other = await failure(
        s3.send(new ListObjectsV2Command({ Bucket: "east-bucket", ExpectedBucketOwner: "111122223333" })),
      );
      expect([other.name, other.$metadata.httpStatusCode]).to.deep.equal(["AccessDenied", 403]);
      await s3.send(new ListObjectsV2Command({ Bucket: "east-bucket", ExpectedBucketOwner: "000000000000" }));
    });

    it("answers reads of settings it does not keep as S3 does for a bucket without them, and refuses writes as NotImplemented", async () => {
      const lifecycle = await failure(
        s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "east-bucket" })),
      );
      expect([lifecycle.name, lifecycle.$metadata.httpStatusCode]).to.deep.equal([
        "NoSuchLifecycleConfiguration",
        404,
      ]);
      const website = await failure(s3.send(new GetBucketWebsiteCommand({ Bucket: "east-bucket" })));
      expect(website.name).to.equal("NoSuchWebsiteConfiguration");
      expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: "east-bucket" }))).Payer).to.equal(
        "BucketOwner",
      );
      expect((await s3.send(new GetBucketLoggingCommand({ Bucket: "east-bucket" }))).LoggingEnabled).to.equal(
        undefined,
      );
      const put = await raw(test.cloud.endpoint, "PUT", "/east-bucket?lifecycle", {
        body: "<LifecycleConfiguration/>",
      });
      expect([put.status, put.code]).to.deep.equal([501, "NotImplemented"]);
    });
  });

  describe("configurations", () => {
    before(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "configured" }));
    });

    it("stores, returns and deletes a public access block", async () => {
      const absent = await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: "configured" })));
      expect(absent.name).to.equal("NoSuchPublicAccessBlockConfiguration");
      expect(absent.$metadata.httpStatusCode).to.equal(404);
      const configuration = {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: false,
      };
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: "configured",
          PublicAccessBlockConfiguration: configuration,
        }),
      );
      const got = await s3.send(new GetPublicAccessBlockCommand({ Bucket: "configured" }));
      expect(got.PublicAccessBlockConfiguration).to.deep.equal(configuration);
      await s3.send(new DeletePublicAccessBlockCommand({ Bucket: "configured" }));
      await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: "configured" })));
    });

    it("stores, returns and deletes default encryption, and reports it on objects", async () => {
      const absent = await failure(s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" })));
      expect(absent.name).to.equal("ServerSideEncryptionConfigurationNotFoundError");
      const rules = [
        {
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" as const, KMSMasterKeyID: "alias/x" },
          BucketKeyEnabled: true,
        },
      ];
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: "configured",
          ServerSideEncryptionConfiguration: { Rules: rules },
        }),
      );
      const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" }));
      expect(got.ServerSideEncryptionConfiguration?.Rules).to.deep.equal(rules);
      const put = await s3.send(new PutObjectCommand({ Bucket: "configured", Key: "sealed", Body: "x" }));
      expect(put.ServerSideEncryption).to.equal("aws:kms");
      await s3.send(new DeleteObjectCommand({ Bucket: "configured", Key: "sealed" }));
      await s3.send(new DeleteBucketEncryptionCommand({ Bucket: "configured" }));
      await failure(s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" })));
    });

    it("stores, returns and deletes bucket tags, refusing duplicate keys and system tags", async () => {
      const absent = await failure(s3.send(new GetBucketTaggingCommand({ Bucket: "configured" })));
      expect(absent.name).to.equal("NoSuchTagSet");
      const tags = [
        { Key: "s3size:stack", Value: "demo" },
        { Key: "owner", Value: "a & b" },
      ];
      await s3.send(new PutBucketTaggingCommand({ Bucket: "configured", Tagging: { TagSet: tags } }));
      expect((await s3.send(new GetBucketTaggingCommand({ Bucket: "configured" }))).TagSet).to.deep.equal(
        tags,
      );
      const duplicate = await failure(
        s3.send(
          new PutBucketTaggingCommand({ Bucket: "configured", Tagging: { TagSet: [tags[0]!, tags[0]!] } }),
        ),
      );
      expect(duplicate.name).to.equal("InvalidTag");
      expect(duplicate.message).to.equal("Cannot provide multiple Tags with the same key");
      const system = await failure(
        s3.send(
          new PutBucketTaggingCommand({
            Bucket: "configured",
            Tagging: { TagSet: [{ Key: "aws:x", Value: "y" }] },
          }),
        ),
      );
      expect(system.message).to.equal("System tags cannot be added/updated by requester");
      await s3.send(new DeleteBucketTaggingCommand({ Bucket: "configured" }));
      await failure(s3.send(new GetBucketTaggingCommand({ Bucket: "configured" })));
    });

    it("stores a bucket policy as put, refuses malformed ones, and answers NoSuchBucketPolicy without one", async () => {
      const absent = await failure(s3.send(new GetBucketPolicyCommand({ Bucket: "configured" })));
      expect(absent.name).to.equal("NoSuchBucketPolicy");
      expect(absent.message).to.equal("The bucket policy does not exist");
      expect(absent.$metadata.httpStatusCode).to.equal(404);
      const policy = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::configured/public/*",
          },
        ],
      });
      await s3.send(new PutBucketPolicyCommand({ Bucket: "configured", Policy: policy }));
      expect((await s3.send(new GetBucketPolicyCommand({ Bucket: "configured" }))).Policy).to.equal(policy);
      const notJson = await failure(
        s3.send(new PutBucketPolicyCommand({ Bucket: "configured", Policy: "nope" })),
      );
      expect(notJson.name).to.equal("MalformedPolicy");
      expect(notJson.message).to.equal("Policies must be valid JSON and the first byte must be '{'");
      const elsewhere = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::other/*" },
        ],
      });
      const outside = await failure(
        s3.send(new PutBucketPolicyCommand({ Bucket: "configured", Policy: elsewhere })),
      );
      expect(outside.message).to.equal("Policy has invalid resource");
      await s3.send(new DeleteBucketPolicyCommand({ Bucket: "configured" }));
      await failure(s3.send(new GetBucketPolicyCommand({ Bucket: "configured" })));
    });

    it("stores, returns and deletes CORS rules, refusing a method S3 does not know", async () => {
      const absent = await failure(s3.send(new GetBucketCorsCommand({ Bucket: "configured" })));
      expect(absent.name).to.equal("NoSuchCORSConfiguration");
      expect(absent.message).to.equal("The CORS configuration does not exist");
      const rules = [
        {
          AllowedHeaders: ["*"],
          AllowedMethods: ["GET", "POST"],
          AllowedOrigins: ["https://*.example.com"],
          ExposeHeaders: ["ETag"],
          MaxAgeSeconds: 300,
        },
      ];
      await s3.send(
        new PutBucketCorsCommand({ Bucket: "configured", CORSConfiguration: { CORSRules: rules } }),
      );
      expect((await s3.send(new GetBucketCorsCommand({ Bucket: "configured" }))).CORSRules).to.deep.equal(
        rules,
      );
      const patch = await failure(
        s3.send(
          new PutBucketCorsCommand({
            Bucket: "configured",
            CORSConfiguration: { CORSRules: [{ AllowedMethods: ["PATCH"], AllowedOrigins: ["*"] }] },
          }),
        ),
      );
      expect(patch.name).to.equal("InvalidRequest");
      expect(patch.message).to.equal(
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
      );
      await s3.send(new DeleteBucketCorsCommand({ Bucket: "configured" }));
      await failure(s3.send(new GetBucketCorsCommand({ Bucket: "configured" })));
    });

    it("reports the owner-only ACL and refuses others, as buckets with ACLs disabled do", async () => {
      const acl = await s3.send(new GetBucketAclCommand({ Bucket: "configured" }));
      expect(acl.Grants?.map((grant) => grant.Permission)).to.deep.equal(["FULL_CONTROL"]);
      expect(acl.Grants?.[0]?.Grantee?.ID).to.equal(acl.Owner?.ID);
      const publicRead = await failure(
        s3.send(new PutBucketAclCommand({ Bucket: "configured", ACL: "public-read" })),
      );
      expect(publicRead.name).to.equal("AccessControlListNotSupported");
      expect(publicRead.message).to.equal("The bucket does not allow ACLs");
      const created = await failure(
        s3.send(new CreateBucketCommand({ Bucket: "acl-bucket", ACL: "public-read" })),
      );
      expect(created.name).to.equal("InvalidBucketAclWithObjectOwnership");
    });

    it("returns an empty notification configuration for a bucket that has none", async () => {
      const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "configured" }));
      expect(got.LambdaFunctionConfigurations ?? []).to.deep.equal([]);
      expect(got.QueueConfigurations ?? []).to.deep.equal([]);
      expect(got.EventBridgeConfiguration).to.equal(undefined);
    });

    it("forgets a deleted bucket's configurations when a bucket of that name is made again", async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "recreated" }));
      await s3.send(
        new PutBucketTaggingCommand({ Bucket: "recreated", Tagging: { TagSet: [{ Key: "k", Value: "v" }] } }),
      );
      await s3.send(new DeleteBucketCommand({ Bucket: "recreated" }));
      await s3.send(new CreateBucketCommand({ Bucket: "recreated" }));
      expect((await failure(s3.send(new GetBucketTaggingCommand({ Bucket: "recreated" })))).name).to.equal(
        "NoSuchTagSet",
      );
    });

    it("answers NoSuchBucket for a configuration of a missing bucket", async () => {
      const error = await failure(s3.send(new GetBucketTaggingCommand({ Bucket: "no-such-bucket" })));
      expect(error).to.be.instanceOf(NoSuchBucket);
    });
  });
});
