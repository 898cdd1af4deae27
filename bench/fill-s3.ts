// Fills a local-cloud bucket with many small objects by writing s3rver's on-disk layout directly, the
// same three files its PutObject writes per object. Sound because the local S3 keeps no index: every
// listing and HEAD reads this folder (local/s3/listing.ts). `checkLayoutMatchesPutObject` proves the
// two layouts agree before any figure is taken from a directly filled bucket.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { check } from "./stats.ts";

const SUFFIX = "._S3rver_";
const KEYS_PER_FOLDER = 1000;

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

/** Writes one object's files as s3rver's FilesystemStore.putObject does. */
function writeObjectFiles(bucketDir: string, key: string, body: Buffer, contentType: string): void {
  const parts = key.split("/");
  const name = parts.pop()!;
  const dir = join(bucketDir, ...parts);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${name}${SUFFIX}`);
  writeFileSync(`${base}object`, body);
  writeFileSync(`${base}object.md5`, createHash("md5").update(body).digest("hex"));
  writeFileSync(`${base}metadata.json`, JSON.stringify({ "content-type": contentType }, null, 2));
}

/** Creates the bucket through the API, then writes objects [from, to) straight to disk. */
export async function fillBucketOnDisk(
  s3: S3Client,
  s3Dir: string,
  bucket: string,
  count: number,
): Promise<BucketTruth> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const bucketDir = join(s3Dir, bucket);
  const truth: BucketTruth = { totalSize: 0, objectCount: 0 };
  for (let i = 0; i < count; i++) {
    const { key, size } = objectAt(i);
    writeObjectFiles(bucketDir, key, bodyOf(size, i), "application/octet-stream");
    truth.totalSize += size;
    truth.objectCount += 1;
  }
  return truth;
}

/**
 * Puts one object through the API and writes its twin to disk, then checks that both left the same
 * files with the same metadata and that S3 reports the same size and ETag for each.
 */
export async function checkLayoutMatchesPutObject(
  s3: S3Client,
  s3Dir: string,
  bucket: string,
): Promise<void> {
  const body = bodyOf(123, 7);
  const viaApi = "layout-check/via-api.bin";
  const onDisk = "layout-check/on-disk.bin";
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: viaApi,
      Body: body,
      ContentType: "application/octet-stream",
    }),
  );
  writeObjectFiles(join(s3Dir, bucket), onDisk, body, "application/octet-stream");
  const dir = join(s3Dir, bucket, "layout-check");
  const suffixes = (name: string) =>
    readdirSync(dir)
      .filter((file) => file.startsWith(`${name}${SUFFIX}`))
      .map((file) => file.slice(name.length))
      .sort();
  check(
    JSON.stringify(suffixes("via-api.bin")) === JSON.stringify(suffixes("on-disk.bin")),
    `direct fill writes ${suffixes("on-disk.bin").join(",")} but PutObject writes ${suffixes("via-api.bin").join(",")}`,
  );
  for (const file of [`${SUFFIX}metadata.json`, `${SUFFIX}object.md5`, `${SUFFIX}object`]) {
    const a = readFileSync(join(dir, `via-api.bin${file}`));
    const b = readFileSync(join(dir, `on-disk.bin${file}`));
    check(a.equals(b), `direct fill's ${file} differs from PutObject's`);
  }
  const [headApi, headDisk] = await Promise.all(
    [viaApi, onDisk].map((Key) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))),
  );
  check(
    headApi!.ContentLength === headDisk!.ContentLength && headApi!.ETag === headDisk!.ETag,
    "HeadObject differs between a PutObject object and its directly written twin",
  );
  for (const Key of [viaApi, onDisk]) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
}
