import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { UserError } from "../../cli/errors.ts";
import { createBucketInput, destroyBuckets, ensureBuckets } from "../../cli/provision/buckets.ts";
import { awsError, fakeContext, inputOf } from "./fake-context.ts";

const TAGS = { TagSet: [{ Key: "s3size:stack", Value: "s3size" }] };
const PRIVATE = {
  PublicAccessBlockConfiguration: {
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: true,
    RestrictPublicBuckets: true,
  },
};
const ENCRYPTED = {
  ServerSideEncryptionConfiguration: {
    Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" as const } }],
  },
};

describe("provision: buckets", () => {
  it("names a LocationConstraint outside us-east-1 and none inside it", () => {
    expect(createBucketInput("b", "us-east-1")).to.deep.equal({ Bucket: "b" });
    expect(createBucketInput("b", "eu-west-1")).to.deep.equal({
      Bucket: "b",
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    });
  });

  it("creates both missing buckets private, encrypted and tagged, in the configured region", async () => {
    const { ctx, mocks } = fakeContext({ region: "ap-southeast-2" });
    mocks.s3.on(HeadBucketCommand).rejects(awsError("NotFound", 404));
    await ensureBuckets(ctx);
    const created = inputOf(mocks.s3, CreateBucketCommand);
    expect(created.map((c) => c.Bucket)).to.deep.equal([ctx.names.dataBucket, ctx.names.plotBucket]);
    expect(created[0]!.CreateBucketConfiguration?.LocationConstraint).to.equal("ap-southeast-2");
    expect(inputOf(mocks.s3, PutPublicAccessBlockCommand)[0]!.PublicAccessBlockConfiguration).to.deep.equal(
      PRIVATE.PublicAccessBlockConfiguration,
    );
    expect(inputOf(mocks.s3, PutBucketEncryptionCommand)).to.have.length(2);
    expect(inputOf(mocks.s3, PutBucketTaggingCommand)[1]!.Tagging?.TagSet).to.deep.equal(TAGS.TagSet);
    expect(ctx.state.created).to.deep.equal([ctx.names.dataBucket, ctx.names.plotBucket]);
  });

  it("does nothing to buckets that are already as wanted", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).resolves(TAGS);
    mocks.s3.on(GetPublicAccessBlockCommand).resolves(PRIVATE);
    mocks.s3.on(GetBucketEncryptionCommand).resolves(ENCRYPTED);
    await ensureBuckets(ctx);
    expect(mutations()).to.deep.equal([]);
    expect(ctx.changes).to.deep.equal([]);
  });

  it("repairs a drifted setting and keeps the bucket's other tags", async () => {
    const { ctx, mocks, mutations } = fakeContext({ state: { created: [] } });
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).resolves({ TagSet: [...TAGS.TagSet, { Key: "team", Value: "x" }] });
    mocks.s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        ...PRIVATE.PublicAccessBlockConfiguration,
        BlockPublicPolicy: false,
      },
    });
    mocks.s3.on(GetBucketEncryptionCommand).resolves(ENCRYPTED);
    await ensureBuckets(ctx);
    expect(mutations()).to.deep.equal(["PutPublicAccessBlock", "PutPublicAccessBlock"]);
  });

  it("refuses a bucket name another account owns, with a hint", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.s3.on(HeadBucketCommand).rejects(awsError("Forbidden", 403));
    const error = await ensureBuckets(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(UserError);
    expect((error as UserError).message).to.match(/taken by another AWS account/);
    expect((error as UserError).hint).to.match(/S3SIZE_DATA_BUCKET/);
  });

  it("turns BucketAlreadyExists at creation into the same clear error", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.s3.on(HeadBucketCommand).rejects(awsError("NotFound", 404));
    mocks.s3.on(CreateBucketCommand).rejects(awsError("BucketAlreadyExists", 409));
    const error = await ensureBuckets(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as UserError).message).to.match(/taken by another AWS account/);
  });

  it("uses an existing bucket of the account that is not the stack's without changing it", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).rejects(awsError("NoSuchTagSet", 404));
    await ensureBuckets(ctx);
    expect(mutations()).to.deep.equal([]);
    expect(ctx.notes.join()).to.match(/not the stack's own/);
  });

  it("empties every version of a versioned bucket, then deletes it", async () => {
    const { ctx, mocks } = fakeContext();
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).resolves(TAGS);
    mocks.s3.on(GetBucketVersioningCommand).resolves({ Status: "Enabled" });
    mocks.s3
      .on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: [{ Key: "a", VersionId: "1" }],
        DeleteMarkers: [{ Key: "a", VersionId: "2" }],
      })
      .resolvesOnce({})
      .resolvesOnce({});
    await destroyBuckets(ctx);
    const deleted = inputOf(mocks.s3, DeleteObjectsCommand);
    expect(deleted[0]!.Delete?.Objects).to.deep.equal([
      { Key: "a", VersionId: "1" },
      { Key: "a", VersionId: "2" },
    ]);
    expect(inputOf(mocks.s3, DeleteBucketCommand).map((c) => c.Bucket)).to.deep.equal([
      ctx.names.plotBucket,
      ctx.names.dataBucket,
    ]);
  });

  it("leaves a bucket without the stack's tag and says so; a missing bucket is no error", async () => {
    const { ctx, mocks, mutations } = fakeContext();
    mocks.s3.on(HeadBucketCommand, { Bucket: ctx.names.plotBucket }).rejects(awsError("NotFound", 404));
    mocks.s3.on(HeadBucketCommand, { Bucket: ctx.names.dataBucket }).resolves({});
    mocks.s3
      .on(GetBucketTaggingCommand)
      .resolves({ TagSet: [{ Key: "s3size:stack", Value: "someone-else" }] });
    await destroyBuckets(ctx);
    expect(mutations()).to.deep.equal([]);
    expect(ctx.notes.join()).to.match(/left bucket testbucket-.*does not carry the tag/);
  });

  it("counts every object of every page (3,201, not the first 1,000) in teardown's question", async () => {
    const { ctx, mocks } = fakeContext({ dryRun: true });
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).resolves(TAGS);
    mocks.s3.on(GetBucketVersioningCommand).resolves({});
    const page = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ Key: `k${from + i}` }));
    mocks.s3
      .on(ListObjectsV2Command, { Bucket: ctx.names.dataBucket })
      .resolves({ Contents: page(0, 1000), IsTruncated: true, NextContinuationToken: "t1" })
      .on(ListObjectsV2Command, { Bucket: ctx.names.dataBucket, ContinuationToken: "t1" })
      .resolves({ Contents: page(1000, 1000), IsTruncated: true, NextContinuationToken: "t2" })
      .on(ListObjectsV2Command, { Bucket: ctx.names.dataBucket, ContinuationToken: "t2" })
      .resolves({ Contents: page(2000, 1000), IsTruncated: true, NextContinuationToken: "t3" })
      .on(ListObjectsV2Command, { Bucket: ctx.names.dataBucket, ContinuationToken: "t3" })
      .resolves({ Contents: page(3000, 201), IsTruncated: false });
    mocks.s3.on(ListObjectsV2Command, { Bucket: ctx.names.plotBucket }).resolves({ Contents: [] });
    await destroyBuckets(ctx);
    expect(ctx.changes).to.deep.equal([
      `delete bucket ${ctx.names.plotBucket}`,
      `delete bucket ${ctx.names.dataBucket} (3,201 objects)`,
    ]);
  });

  it("pages through every version and delete marker of a versioned bucket to count them", async () => {
    const { ctx, mocks } = fakeContext({ dryRun: true });
    mocks.s3.on(HeadBucketCommand).resolves({});
    mocks.s3.on(GetBucketTaggingCommand).resolves(TAGS);
    mocks.s3.on(GetBucketVersioningCommand).resolves({ Status: "Suspended" });
    const versions = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ Key: "k", VersionId: `v${i}` }));
    mocks.s3
      .on(ListObjectVersionsCommand, { Bucket: ctx.names.dataBucket })
      .resolves({
        Versions: versions(900),
        DeleteMarkers: versions(100),
        IsTruncated: true,
        NextKeyMarker: "k",
        NextVersionIdMarker: "v999",
      })
      .on(ListObjectVersionsCommand, {
        Bucket: ctx.names.dataBucket,
        KeyMarker: "k",
        VersionIdMarker: "v999",
      })
      .resolves({ Versions: versions(5), IsTruncated: false });
    mocks.s3.on(ListObjectVersionsCommand, { Bucket: ctx.names.plotBucket }).resolves({});
    await destroyBuckets(ctx);
    expect(ctx.changes.at(-1)).to.equal(
      `delete bucket ${ctx.names.dataBucket} (1,005 object versions and delete markers)`,
    );
  });
});
