// Fills a local-cloud bucket with many small objects straight through the running cloud's S3 store (the
// same store calls PutObject makes, minus HTTP and signing), so 100,000 objects take seconds.
// `checkDirectFillMatchesPutObject` proves a directly written object is indistinguishable from one put
// through the API before any figure is taken from a directly filled bucket.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { runningS3Store } from "../local/s3/index.ts";
import type { S3Store } from "../local/s3/store/index.ts";
import { check } from "./stats.ts";

const KEYS_PER_FOLDER = 1000;
const CONTENT_TYPE = "application/octet-stream";

export interface BucketTruth {
  totalSize: number;
  objectCount: number;
}

/** Object i's key and body size: sizes vary (1–1,000 bytes) so a miscount shows up in the total. */
export function objectAt(index: number): { key: string; size: number } {
  const folder = String(Math.floor(index / KEYS_PER_FOLDER)).padStart(4, "0");
  return {
    key: `data/${folder}/obj-${String(index).padStart(7, "0")}.bin`,
    size: ((index * 7919) % 1000) + 1,
  };
}

function bodyOf(size: number, index: number): Buffer {
  return Buffer.alloc(size, index % 251);
}

function storeOf(dataDir: string): S3Store {
  const store = runningS3Store(dataDir);
  check(store !== undefined, `no local cloud with data in ${dataDir} runs in this process`);
  return store;
}

/** Writes one object as PutObject's store call does (no tags, no user metadata). */
async function putDirectly(store: S3Store, bucket: string, key: string, body: Buffer): Promise<void> {
  const staged = await store.stage(body);
  await store.putObject(bucket, key, {
    key,
    body: staged,
    size: staged.size,
    etag: staged.md5,
    headers: { "content-type": CONTENT_TYPE },
    metadata: {},
  });
}

/** Creates the bucket through the API, then writes objects [0, count) through the store, 256 at a time. */
export async function fillBucketDirectly(
  s3: S3Client,
  dataDir: string,
  bucket: string,
  count: number,
): Promise<BucketTruth> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = storeOf(dataDir);
  const truth: BucketTruth = { totalSize: 0, objectCount: 0 };
  for (let start = 0; start < count; start += 256) {
    const writes: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + 256); i++) {
      const { key, size } = objectAt(i);
      writes.push(putDirectly(store, bucket, key, bodyOf(size, i)));
      truth.totalSize += size;
      truth.objectCount += 1;
    }
    await Promise.all(writes);
  }
  return truth;
}

/**
 * Puts one object through the API and writes its twin through the store, then checks that S3 reports
 * the same size, ETag, content type and listing entry for both.
 */
export async function checkDirectFillMatchesPutObject(
  s3: S3Client,
  dataDir: string,
  bucket: string,
): Promise<void> {
  const body = bodyOf(123, 7);
  const viaApi = "fill-check/via-api.bin";
  const direct = "fill-check/direct.bin";
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: viaApi, Body: body, ContentType: CONTENT_TYPE }));
  await putDirectly(storeOf(dataDir), bucket, direct, body);
  const [headApi, headDirect] = await Promise.all(
    [viaApi, direct].map((Key) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))),
  );
  check(
    headApi!.ContentLength === headDirect!.ContentLength &&
      headApi!.ETag === headDirect!.ETag &&
      headApi!.ContentType === headDirect!.ContentType,
    "HeadObject differs between a PutObject object and its directly written twin",
  );
  const { Contents = [] } = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: "fill-check/" }),
  );
  const [listedDirect, listedApi] = Contents;
  check(
    Contents.length === 2 &&
      listedApi?.Size === listedDirect?.Size &&
      listedApi?.ETag === listedDirect?.ETag &&
      listedApi?.StorageClass === listedDirect?.StorageClass,
    "ListObjectsV2 lists a directly written object differently from a PutObject one",
  );
  for (const Key of [viaApi, direct]) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
}
