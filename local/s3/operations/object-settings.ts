// What an object keeps beside its bytes and can change in place: its tags.
import type { OutgoingHttpHeaders } from "node:http";
import { findVersion } from "../lookup.ts";
import { versionHeaders } from "../object-headers.ts";
import { checkTags, OBJECT_TAG_LIMIT, renderTagging, tagsFromBody } from "../tags.ts";
import { type S3Call, sendEmpty, sendXml } from "../wire.ts";
import { onObject, requireBucket, type S3Env, type S3Operation } from "./table.ts";

export async function taggedVersion(env: S3Env, call: S3Call) {
  const bucket = requireBucket(env, call);
  const version = await findVersion(env.store, call.bucket, call.key, call.req.query.get("versionId"));
  return { bucket, version, headers: versionHeaders(bucket, version) as OutgoingHttpHeaders };
}

async function changeTags(env: S3Env, call: S3Call, tags: ReturnType<typeof tagsFromBody> | undefined) {
  const { bucket, version, headers } = await taggedVersion(env, call);
  await env.store.setTags(call.bucket, version, tags);
  const seq = await env.store.write((tx) => tx.nextSeq());
  await env.notifier.publish(
    bucket,
    {
      eventName: tags ? "s3:ObjectTagging:Put" : "s3:ObjectTagging:Delete",
      key: call.key,
      seq,
      reason: tags ? "PutObjectTagging" : "DeleteObjectTagging",
      etag: version.etag,
      ...(bucket.versioning ? { versionId: version.versionId } : {}),
    },
    call,
  );
  return headers;
}

export const objectSettingOperations: S3Operation[] = [
  {
    name: "GetObjectTagging",
    scope: "object",
    method: "GET",
    subresource: "tagging",
    iam: onObject("GetObjectTagging", "GetObjectVersionTagging"),
    async run(env, call, res) {
      const { version, headers } = await taggedVersion(env, call);
      sendXml(res, call, 200, renderTagging(version.tags ?? []), headers);
    },
  },
  {
    name: "PutObjectTagging",
    scope: "object",
    method: "PUT",
    subresource: "tagging",
    iam: onObject("PutObjectTagging", "PutObjectVersionTagging"),
    async run(env, call, res) {
      const tags = checkTags(tagsFromBody(call), OBJECT_TAG_LIMIT);
      sendEmpty(res, call, 200, await changeTags(env, call, tags));
    },
  },
  {
    name: "DeleteObjectTagging",
    scope: "object",
    method: "DELETE",
    subresource: "tagging",
    iam: onObject("DeleteObjectTagging", "DeleteObjectVersionTagging"),
    async run(env, call, res) {
      sendEmpty(res, call, 204, await changeTags(env, call, undefined));
    },
  },
];
