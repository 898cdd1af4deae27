import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  BucketAlreadyOwnedByYou,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { historyTableDefinition } from "../../handlers/common/history.ts";
import { clientsFor, startTestCloud, TEST_CREDENTIALS, type TestCloud } from "./cloud.ts";

async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, "the call should have failed").to.be.instanceOf(S3ServiceException);
  return error as S3ServiceException;
}

describe("local S3 (s3rver behind the edge)", () => {
  let test: TestCloud;
  let s3: S3Client;
  before(async () => {
    test = await startTestCloud();
    s3 = test.clients.s3;
  });
  after(async () => test.stop());

  describe("buckets", () => {
    it("creates a bucket in us-east-1, heads it, lists it, and re-creating it there succeeds as on AWS", async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "east-bucket" }));
      await s3.send(new HeadBucketCommand({ Bucket: "east-bucket" }));
      await s3.send(new CreateBucketCommand({ Bucket: "east-bucket" }));
      const { Buckets } = await s3.send(new ListBucketsCommand({}));
      expect(Buckets?.map((bucket) => bucket.Name)).to.include("east-bucket");
      const location = await s3.send(new GetBucketLocationCommand({ Bucket: "east-bucket" }));
      expect(location.LocationConstraint ?? "").to.equal("");
    });

    it("creates a bucket with a LocationConstraint outside us-east-1 and reports its location", async () => {
      const west = clientsFor(test.cloud.endpoint, "eu-west-1").s3;
      try {
        await west.send(
          new CreateBucketCommand({
            Bucket: "west-bucket",
            CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
          }),
        );
        const location = await west.send(new GetBucketLocationCommand({ Bucket: "west-bucket" }));
        expect(location.LocationConstraint).to.equal("eu-west-1");
        const again = await failure(
          west.send(
            new CreateBucketCommand({
              Bucket: "west-bucket",
              CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
            }),
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
      } finally {
        west.destroy();
      }
    });

    it("answers HeadBucket on a missing bucket with 404 NotFound and other calls with NoSuchBucket", async () => {
      const head = await failure(s3.send(new HeadBucketCommand({ Bucket: "no-such-bucket" })));
      expect(head).to.be.instanceOf(NotFound);
      expect(head.$metadata.httpStatusCode).to.equal(404);
      const list = await failure(s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket" })));
      expect(list).to.be.instanceOf(NoSuchBucket);
    });

    it("refuses to delete a bucket that holds objects, then deletes it once empty", async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "to-delete" }));
      await s3.send(new PutObjectCommand({ Bucket: "to-delete", Key: "x", Body: "x" }));
      const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket: "to-delete" })));
      expect(notEmpty.name).to.equal("BucketNotEmpty");
      expect(notEmpty.$metadata.httpStatusCode).to.equal(409);
      await s3.send(new DeleteObjectCommand({ Bucket: "to-delete", Key: "x" }));
      await s3.send(new DeleteBucketCommand({ Bucket: "to-delete" }));
      expect(await failure(s3.send(new HeadBucketCommand({ Bucket: "to-delete" })))).to.be.instanceOf(
        NotFound,
      );
    });

    it("reports an unversioned bucket's versioning as unset", async () => {
      const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: "east-bucket" }));
      expect(versioning.Status).to.equal(undefined);
    });
  });

  describe("objects", () => {
    before(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "objects" }));
    });

    it("stores, heads, gets, copies and deletes an object byte for byte", async () => {
      const body = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
      await s3.send(
        new PutObjectCommand({
          Bucket: "objects",
          Key: "dir/a file.bin",
          Body: body,
          ContentType: "application/x-test",
        }),
      );
      const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "dir/a file.bin" }));
      expect(head.ContentLength).to.equal(body.length);
      expect(head.ContentType).to.equal("application/x-test");
      const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/a file.bin" }));
      expect(Buffer.from(await got.Body!.transformToByteArray())).to.deep.equal(body);
      await s3.send(
        new CopyObjectCommand({ Bucket: "objects", Key: "copy.bin", CopySource: "objects/dir/a%20file.bin" }),
      );
      const copy = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "copy.bin" }));
      expect(Buffer.from(await copy.Body!.transformToByteArray())).to.deep.equal(body);
      await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "copy.bin" }));
      const missing = await failure(s3.send(new GetObjectCommand({ Bucket: "objects", Key: "copy.bin" })));
      expect(missing).to.be.instanceOf(NoSuchKey);
      expect(missing.$metadata.httpStatusCode).to.equal(404);
      const headMissing = await failure(
        s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "copy.bin" })),
      );
      expect(headMissing).to.be.instanceOf(NotFound);
    });

    it("stores the exact bytes of an upload from a client at SDK defaults (aws-chunked, CRC32 trailer)", async () => {
      const defaults = new S3Client({
        endpoint: test.cloud.endpoint,
        region: "us-east-1",
        credentials: TEST_CREDENTIALS,
        forcePathStyle: true,
        maxAttempts: 1,
      });
      try {
        const body = Buffer.from("Empty Assignment 2222222222");
        await defaults.send(new PutObjectCommand({ Bucket: "objects", Key: "chunked.txt", Body: body }));
        const got = await defaults.send(new GetObjectCommand({ Bucket: "objects", Key: "chunked.txt" }));
        expect(Buffer.from(await got.Body!.transformToByteArray())).to.deep.equal(body);
        expect(got.ContentLength).to.equal(27);
        expect(got.ContentEncoding).to.equal(undefined);
        const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "chunked.txt" }));
        expect(head.ContentLength).to.equal(27);
        await defaults.send(
          new DeleteObjectsCommand({ Bucket: "objects", Delete: { Objects: [{ Key: "chunked.txt" }] } }),
        );
        expect(
          await failure(s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "chunked.txt" }))),
        ).to.be.instanceOf(NotFound);
      } finally {
        defaults.destroy();
      }
    });

    it("deletes several keys with DeleteObjects", async () => {
      for (const key of ["d1", "d2"])
        await s3.send(new PutObjectCommand({ Bucket: "objects", Key: key, Body: key }));
      const result = await s3.send(
        new DeleteObjectsCommand({ Bucket: "objects", Delete: { Objects: [{ Key: "d1" }, { Key: "d2" }] } }),
      );
      expect(result.Deleted?.map((entry) => entry.Key).sort()).to.deep.equal(["d1", "d2"]);
      const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: "objects", Prefix: "d" }));
      expect(Contents?.map((entry) => entry.Key) ?? []).to.not.include.members(["d1", "d2"]);
    });

    it("serves a presigned GET URL to a plain fetch", async () => {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
      await s3.send(
        new PutObjectCommand({ Bucket: "objects", Key: "plot", Body: png, ContentType: "image/png" }),
      );
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "objects", Key: "plot" }), {
        expiresIn: 60,
      });
      const response = await fetch(url);
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.equal("image/png");
      expect(Buffer.from(await response.arrayBuffer())).to.deep.equal(png);
    });
  });

  describe("listing", () => {
    const keys: string[] = [];
    before(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: "many" }));
      // Names whose file-system order differs from key order ("a" < "a-b" < "a/b"), plus enough to page.
      keys.push("a", "a-b", "a/b", "a.b");
      for (let i = 0; i < 1100; i++) keys.push(`k/${String(i).padStart(4, "0")}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(
          keys
            .slice(i, i + 50)
            .map((key) => s3.send(new PutObjectCommand({ Bucket: "many", Key: key, Body: "x" }))),
        );
      }
    });

    it("pages ListObjectsV2 across more than 1,000 keys in key order, each key exactly once", async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: "many",
            MaxKeys: 300,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        pages += 1;
        seen.push(...(page.Contents ?? []).map((entry) => entry.Key ?? ""));
        expect(page.KeyCount).to.equal(page.Contents?.length ?? 0);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      expect(pages).to.equal(4);
      expect(seen).to.deep.equal([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    });

    it("caps a page at 1,000 keys and reports sizes", async () => {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: "many" }));
      expect(page.Contents).to.have.length(1000);
      expect(page.IsTruncated).to.equal(true);
      expect(page.Contents?.[0]?.Size).to.equal(1);
    });

    it("groups keys under a delimiter into common prefixes", async () => {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: "many", Delimiter: "/" }));
      expect(page.CommonPrefixes?.map((entry) => entry.Prefix)).to.deep.equal(["a/", "k/"]);
      expect(page.Contents?.map((entry) => entry.Key)).to.deep.equal(["a", "a-b", "a.b"]);
    });

    it("lists an unversioned bucket's objects as versions with VersionId null", async () => {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: "many", Prefix: "a" }));
      expect(
        page.Versions?.map((version) => [version.Key, version.VersionId, version.IsLatest]),
      ).to.deep.equal([
        ["a", "null", true],
        ["a-b", "null", true],
        ["a.b", "null", true],
        ["a/b", "null", true],
      ]);
    });
  });

  describe("bucket configurations s3rver lacks", () => {
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

    it("stores, returns and deletes default encryption", async () => {
      const absent = await failure(s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" })));
      expect(absent.name).to.equal("ServerSideEncryptionConfigurationNotFoundError");
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: "configured",
          ServerSideEncryptionConfiguration: {
            Rules: [
              { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true },
            ],
          },
        }),
      );
      const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" }));
      expect(got.ServerSideEncryptionConfiguration?.Rules).to.deep.equal([
        { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true },
      ]);
      await s3.send(new DeleteBucketEncryptionCommand({ Bucket: "configured" }));
      await failure(s3.send(new GetBucketEncryptionCommand({ Bucket: "configured" })));
    });

    it("stores, returns and deletes bucket tags, refusing duplicate keys", async () => {
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
      await s3.send(new DeleteBucketTaggingCommand({ Bucket: "configured" }));
      await failure(s3.send(new GetBucketTaggingCommand({ Bucket: "configured" })));
    });

    it("returns an empty notification configuration for a bucket that has none", async () => {
      const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "configured" }));
      expect(got.LambdaFunctionConfigurations ?? []).to.deep.equal([]);
    });

    it("refuses a notification to a function that does not exist, naming it", async () => {
      const arn = "arn:aws:lambda:us-east-1:000000000000:function:missing";
      const error = await failure(
        s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: "configured",
            NotificationConfiguration: {
              LambdaFunctionConfigurations: [{ LambdaFunctionArn: arn, Events: ["s3:ObjectCreated:*"] }],
            },
          }),
        ),
      );
      expect(error.name).to.equal("InvalidArgument");
      expect(error.$metadata.httpStatusCode).to.equal(400);
      expect(error.message)
        .to.contain("Unable to validate the following destination configurations")
        .and.contain(arn);
    });

    it("refuses unknown event names and queue destinations", async () => {
      const unknown = await failure(
        s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: "configured",
            NotificationConfiguration: {
              LambdaFunctionConfigurations: [
                { LambdaFunctionArn: "arn:x", Events: ["s3:ObjectMoved:*" as "s3:ObjectCreated:*"] },
              ],
            },
          }),
        ),
      );
      expect(unknown.name).to.equal("InvalidArgument");
      const queue = await failure(
        s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: "configured",
            NotificationConfiguration: {
              QueueConfigurations: [
                { QueueArn: "arn:aws:sqs:us-east-1:000000000000:q", Events: ["s3:ObjectCreated:*"] },
              ],
            },
          }),
        ),
      );
      expect(queue.name).to.equal("NotImplemented");
      expect(queue.message).to.contain("not emulated");
    });

    it("keeps a configuration skipped past destination validation, with a generated Id and its filter", async () => {
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: "configured",
          SkipDestinationValidation: true,
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [
              {
                LambdaFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:later",
                Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "in/" }] } },
              },
            ],
          },
        }),
      );
      const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: "configured" }));
      const [entry] = got.LambdaFunctionConfigurations ?? [];
      expect(entry?.LambdaFunctionArn).to.equal("arn:aws:lambda:us-east-1:000000000000:function:later");
      expect(entry?.Events).to.deep.equal(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]);
      expect(entry?.Filter?.Key?.FilterRules).to.deep.equal([{ Name: "Prefix", Value: "in/" }]);
      expect(entry?.Id).to.be.a("string").and.not.equal("");
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

describe("local S3 and DynamoDB across a restart", () => {
  it("finds objects, bucket configurations and items again in the same state dir", async () => {
    const first = await startTestCloud();
    const { s3, dynamodb } = first.clients;
    await s3.send(new CreateBucketCommand({ Bucket: "kept" }));
    await s3.send(new PutObjectCommand({ Bucket: "kept", Key: "note.txt", Body: "33" }));
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: "kept",
        Tagging: { TagSet: [{ Key: "s3size:stack", Value: "demo" }] },
      }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "kept",
        SkipDestinationValidation: true,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: "tracker",
              LambdaFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:t",
              Events: ["s3:ObjectCreated:*"],
            },
          ],
        },
      }),
    );
    await dynamodb.send(new CreateTableCommand(historyTableDefinition("kept-table")));
    await dynamodb.send(
      new PutItemCommand({
        TableName: "kept-table",
        Item: {
          bucket_name: { S: "kept" },
          timestamp: { N: "1" },
          total_size: { N: "2" },
          all: { S: "ALL" },
        },
      }),
    );
    await first.stop(false);

    const second = await startTestCloud({ stateDir: first.stateDir });
    try {
      const again = second.clients;
      const object = await again.s3.send(new GetObjectCommand({ Bucket: "kept", Key: "note.txt" }));
      expect(await object.Body!.transformToString()).to.equal("33");
      expect((await again.s3.send(new GetBucketTaggingCommand({ Bucket: "kept" }))).TagSet).to.deep.equal([
        { Key: "s3size:stack", Value: "demo" },
      ]);
      const notification = await again.s3.send(
        new GetBucketNotificationConfigurationCommand({ Bucket: "kept" }),
      );
      expect(notification.LambdaFunctionConfigurations?.map((entry) => entry.Id)).to.deep.equal(["tracker"]);
      const { Item } = await again.dynamodb.send(
        new GetItemCommand({
          TableName: "kept-table",
          Key: { bucket_name: { S: "kept" }, timestamp: { N: "1" } },
        }),
      );
      expect(Item?.total_size?.N).to.equal("2");
    } finally {
      await second.stop();
    }
  });
});
