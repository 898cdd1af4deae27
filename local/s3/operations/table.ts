// The shape of an S3 operation in the operation table: which requests it serves (method, bucket or
// object, subresource), the IAM action and resources it needs as the Service Authorization Reference
// lists them, and how it runs.
import type { ServerResponse } from "node:http";
import type { AuthorizationResult, CloudContext, IamRequirement } from "../../types.ts";
import { S3Failure } from "../failure.ts";
import type { Notifier } from "../notifier.ts";
import { noSuchBucket, type S3Store } from "../store/index.ts";
import type { BucketRecord } from "../store/records.ts";
import type { S3Call } from "../wire.ts";

export interface S3Env {
  ctx: CloudContext;
  store: S3Store;
  notifier: Notifier;
  /** IAM's answer for one more requirement of a call (DeleteObjects asks per key), the bucket policy included. */
  authorize(call: S3Call, requirement: IamRequirement): AuthorizationResult;
}

export interface S3Operation {
  name: string;
  /** A request to the service (no bucket), to a bucket, or to an object. */
  scope: "service" | "bucket" | "object";
  method: string;
  /** The query parameter that names the subresource (e.g. "tagging"), "" for the resource itself. */
  subresource: string;
  /** Tells apart operations sharing method and subresource (CopyObject from PutObject). */
  when?: (call: S3Call) => boolean;
  /** What IAM must allow: several requirements for a copy (read the source, write the target). */
  iam: (call: S3Call) => IamRequirement[];
  run: (env: S3Env, call: S3Call, res: ServerResponse) => Promise<void>;
}

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/** The bucket an ARN of ours names ("arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"). */
export function bucketOfArn(arn: string): string | undefined {
  const match = arn.match(/^arn:aws:s3:::([^/]+)/);
  return match?.[1];
}

/** The bucket-level requirement: `action` on the bucket's ARN. */
export function onBucket(action: string, context?: IamRequirement["context"]) {
  return (call: S3Call): IamRequirement[] => [
    { action: `s3:${action}`, resources: [bucketArn(call.bucket)], ...(context ? { context } : {}) },
  ];
}

/** The object-level requirement: `action` on the object's ARN, the Version action when a versionId is named. */
export function onObject(action: string, versionAction?: string) {
  return (call: S3Call): IamRequirement[] => {
    const versionId = call.req.query.get("versionId");
    const chosen = versionId !== null && versionAction ? versionAction : action;
    return [
      {
        action: `s3:${chosen}`,
        resources: [objectArn(call.bucket, call.key)],
        ...(versionId !== null ? { context: { "s3:versionid": versionId } } : {}),
      },
    ];
  };
}

/**
 * S3's answer to IAM's refusal: credentials IAM does not accept have S3's own codes, anything else is
 * AccessDenied with IAM's words.
 */
export function denial(decision: { message: string; credentials?: string }): S3Failure {
  if (decision.credentials === "expired")
    return new S3Failure(400, "ExpiredToken", "The provided token has expired.");
  if (decision.credentials === "invalid") {
    return new S3Failure(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
  }
  return new S3Failure(403, "AccessDenied", decision.message);
}

export function requireBucket(env: S3Env, call: S3Call): BucketRecord {
  const bucket = env.store.bucket(call.bucket);
  if (!bucket) throw noSuchBucket(call.bucket);
  return bucket;
}
