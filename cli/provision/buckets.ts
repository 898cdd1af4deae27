// The data bucket and the plot bucket: created in the right region, private, encrypted, tagged;
// teardown empties (every version) and deletes them, but only when they are the stack's own.
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
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
  type Tag,
} from "@aws-sdk/client-s3";
import { STACK_TAG_KEY } from "../config.ts";
import { awsErrorName, httpStatusOf, isNotFound, UserError } from "../errors.ts";
import {
  change,
  hasStackTag,
  type ProvisionContext,
  read,
  readIfExists,
  recordCreated,
  tagList,
} from "./context.ts";

/** us-east-1 is the one region where CreateBucket must not name a LocationConstraint. */
export function createBucketInput(bucket: string, region: string) {
  return region === "us-east-1"
    ? { Bucket: bucket }
    : { Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region as never } };
}

const BLOCK_ALL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

/** Read-only check run before setup changes anything: a bucket name taken by another account is refused. */
export async function checkBuckets(ctx: ProvisionContext): Promise<void> {
  await bucketExists(ctx.clients.s3, ctx.names.dataBucket);
  await bucketExists(ctx.clients.s3, ctx.names.plotBucket);
}

export async function ensureBuckets(ctx: ProvisionContext): Promise<void> {
  await ensureBucket(ctx, ctx.names.dataBucket);
  if (ctx.settings.versioning) await ensureVersioning(ctx, ctx.names.dataBucket);
  await ensureBucket(ctx, ctx.names.plotBucket);
}

/**
 * `--versioning`: S3 can suspend versioning but never turn it off, so setup only ever turns it on
 * (asked for explicitly, also on a bucket that existed before); without the flag it is left as it is.
 */
async function ensureVersioning(ctx: ProvisionContext, bucket: string): Promise<void> {
  const s3 = ctx.clients.s3;
  const status =
    ctx.dryRun && !(await bucketExists(s3, bucket))
      ? undefined
      : (await read(() => s3.send(new GetBucketVersioningCommand({ Bucket: bucket })))).Status;
  if (status === "Enabled") return;
  await change(ctx, `turn versioning on for ${bucket}`, () =>
    s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    ),
  );
}

async function ensureBucket(ctx: ProvisionContext, bucket: string): Promise<void> {
  const s3 = ctx.clients.s3;
  const exists = await bucketExists(s3, bucket);
  if (!exists) {
    try {
      await change(ctx, `create bucket ${bucket}`, () =>
        s3.send(new CreateBucketCommand(createBucketInput(bucket, ctx.region))),
      );
    } catch (error) {
      if (awsErrorName(error) !== "BucketAlreadyOwnedByYou") throw bucketTakenError(bucket, error);
    }
    if (!ctx.dryRun) recordCreated(ctx, bucket);
    await configureBucket(ctx, bucket, []);
    return;
  }
  const tags = await bucketTags(s3, bucket);
  if (!hasStackTag(tags, ctx.names.stack) && !ctx.state.created.includes(bucket)) {
    // Someone's own bucket (e.g. an existing one to track): use it, but leave its settings alone.
    ctx.notes.push(
      `bucket ${bucket} existed before and is not the stack's own: its settings are left as they are`,
    );
    return;
  }
  await configureBucket(ctx, bucket, tags, await isPrivate(s3, bucket), await isEncrypted(s3, bucket));
}

async function configureBucket(
  ctx: ProvisionContext,
  bucket: string,
  tags: Tag[],
  isPrivateNow = false,
  isEncryptedNow = false,
) {
  const s3 = ctx.clients.s3;
  if (!isPrivateNow) {
    await change(ctx, `block public access to ${bucket}`, () =>
      s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: BLOCK_ALL })),
    );
  }
  if (!isEncryptedNow) {
    await change(ctx, `encrypt ${bucket} by default`, () =>
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
          },
        }),
      ),
    );
  }
  if (!hasStackTag(tags, ctx.names.stack)) {
    const merged = [...tags.filter((tag) => tag.Key !== STACK_TAG_KEY), ...tagList(ctx.names)];
    await change(ctx, `tag ${bucket}`, () =>
      s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: merged } })),
    );
  }
}

function bucketTakenError(bucket: string, error: unknown): unknown {
  const name = awsErrorName(error);
  if (name === "BucketAlreadyExists" || httpStatusOf(error) === 403) {
    return new UserError(
      `bucket name ${bucket} is taken by another AWS account`,
      "bucket names are global: choose another with S3SIZE_DATA_BUCKET (and S3SIZE_PLOT_BUCKET)",
      { cause: error },
    );
  }
  return error;
}

export async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await read(() => s3.send(new HeadBucketCommand({ Bucket: bucket })));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    const status = httpStatusOf(error);
    if (status === 403) throw bucketTakenError(bucket, error);
    if (status === 301) {
      throw new UserError(
        `bucket ${bucket} exists in another region`,
        "use that region (--region) or choose another bucket name",
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

export async function bucketTags(s3: S3Client, bucket: string): Promise<Tag[]> {
  return (await readIfExists(() => s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))))?.TagSet ?? [];
}

async function isPrivate(s3: S3Client, bucket: string): Promise<boolean> {
  const found = await readIfExists(() => s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })));
  const c = found?.PublicAccessBlockConfiguration;
  return Boolean(c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets);
}

async function isEncrypted(s3: S3Client, bucket: string): Promise<boolean> {
  const found = await readIfExists(() => s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })));
  const rules = found?.ServerSideEncryptionConfiguration?.Rules ?? [];
  return rules.some((rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm);
}

export async function destroyBuckets(ctx: ProvisionContext): Promise<void> {
  await destroyBucket(ctx, ctx.names.plotBucket);
  await destroyBucket(ctx, ctx.names.dataBucket);
}

async function destroyBucket(ctx: ProvisionContext, bucket: string): Promise<void> {
  const s3 = ctx.clients.s3;
  if (!(await bucketExists(s3, bucket))) return;
  const ours =
    hasStackTag(await bucketTags(s3, bucket), ctx.names.stack) || ctx.state.created.includes(bucket);
  if (!ours) {
    ctx.notes.push(`left bucket ${bucket}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`);
    return;
  }
  const { count, versioned } = await emptyBucket(ctx, bucket);
  const contents = versioned ? "object versions and delete markers" : "objects";
  await change(
    ctx,
    `delete bucket ${bucket}${count ? ` (${count.toLocaleString("en-US")} ${contents})` : ""}`,
    () => s3.send(new DeleteBucketCommand({ Bucket: bucket })),
  );
}

/**
 * Deletes every object, and every version and delete marker when the bucket is or was versioned; a
 * dry run (teardown's question) pages through the whole listing to count what would go.
 */
async function emptyBucket(
  ctx: ProvisionContext,
  bucket: string,
): Promise<{ count: number; versioned: boolean }> {
  const s3 = ctx.clients.s3;
  let versioned = false;
  try {
    const { Status } = await read(() => s3.send(new GetBucketVersioningCommand({ Bucket: bucket })));
    versioned = Status === "Enabled" || Status === "Suspended";
  } catch (error) {
    if (!["NotImplemented", "MethodNotAllowed"].includes(awsErrorName(error) ?? "")) throw error;
  }
  const pages = () => (versioned ? versionPages(s3, bucket) : objectPages(s3, bucket));
  let count = 0;
  if (ctx.dryRun) {
    for await (const keys of pages()) count += keys.length;
    return { count, versioned };
  }
  // Deleting as it goes: each listing from the start finds what is left.
  for (;;) {
    const { value: keys } = await pages().next();
    if (!keys || keys.length === 0) return { count, versioned };
    count += keys.length;
    await change(ctx, `empty ${bucket}`, () =>
      s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } })),
    );
    ctx.changes.pop();
  }
}

type ObjectIdentifier = { Key: string; VersionId?: string };

async function* objectPages(s3: S3Client, bucket: string): AsyncGenerator<ObjectIdentifier[]> {
  let ContinuationToken: string | undefined;
  do {
    const page = await read(() =>
      s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000, ContinuationToken })),
    );
    yield (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
}

async function* versionPages(s3: S3Client, bucket: string): AsyncGenerator<ObjectIdentifier[]> {
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await read(() =>
      s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000, KeyMarker, VersionIdMarker })),
    );
    yield [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key!,
      VersionId: v.VersionId,
    }));
    if (!page.IsTruncated) return;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}
