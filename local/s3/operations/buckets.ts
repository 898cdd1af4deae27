// Buckets themselves: create (S3's naming and LocationConstraint rules), head, list, delete, location
// and versioning.
import { xmlText } from "../../protocol/xml.ts";
import { S3Failure } from "../failure.ts";
import { checkBucketName } from "../names.ts";
import { ownerXml } from "../owner.ts";
import type { BucketRecord } from "../store/records.ts";
import { malformedXml, parseXmlBody, S3_NS, sendEmpty, sendXml, xmlBody, xmlField } from "../wire.ts";
import { checkBucketAclHeader } from "./acl.ts";
import { onBucket, requireBucket, type S3Operation } from "./table.ts";

function locationConstraintOf(body: Buffer): string {
  if (body.length === 0) return "";
  const root = parseXmlBody(body);
  if (root.name !== "CreateBucketConfiguration") throw malformedXml();
  return xmlText(root, "LocationConstraint") ?? "";
}

export const bucketOperations: S3Operation[] = [
  {
    name: "ListBuckets",
    scope: "service",
    method: "GET",
    subresource: "",
    iam: () => [{ action: "s3:ListAllMyBuckets", resources: ["*"] }],
    async run(env, call, res) {
      const query = call.req.query;
      const prefix = query.get("prefix") ?? "";
      const region = query.get("bucket-region");
      const limit = Number(query.get("max-buckets") ?? 10_000);
      const after = query.get("continuation-token") ?? "";
      const all = (await env.store.listBuckets()).filter(
        (bucket) =>
          bucket.name.startsWith(prefix) && (!region || bucket.region === region) && bucket.name > after,
      );
      const shown = all.slice(0, limit);
      const buckets = shown.map(
        (bucket) =>
          `<Bucket><Name>${bucket.name}</Name><CreationDate>${new Date(bucket.created).toISOString()}</CreationDate><BucketRegion>${bucket.region}</BucketRegion></Bucket>`,
      );
      const next = all.length > shown.length ? shown.at(-1)?.name : undefined;
      sendXml(
        res,
        call,
        200,
        `<ListAllMyBucketsResult ${S3_NS}>${ownerXml(env.ctx.accountId)}<Buckets>${buckets.join("")}</Buckets>${xmlField("Prefix", prefix)}${xmlField("ContinuationToken", next)}</ListAllMyBucketsResult>`,
      );
    },
  },
  {
    name: "CreateBucket",
    scope: "bucket",
    method: "PUT",
    subresource: "",
    iam: onBucket("CreateBucket"),
    async run(env, call, res) {
      checkBucketName(call.bucket);
      const constraint = locationConstraintOf(call.req.body);
      checkBucketAclHeader(call);
      if (constraint === "us-east-1") {
        throw new S3Failure(
          400,
          "InvalidLocationConstraint",
          "The specified location-constraint is not valid",
          {
            LocationConstraint: constraint,
          },
        );
      }
      const region = constraint || "us-east-1";
      if (region !== call.req.region) {
        throw new S3Failure(
          400,
          "IllegalLocationConstraintException",
          `The ${constraint || "unspecified"} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        );
      }
      const record: BucketRecord = { name: call.bucket, region, created: Date.now() };
      const existing = await env.store.createBucket(record);
      // Legacy us-east-1 behaviour: re-creating your own bucket there succeeds.
      if (existing && !(region === "us-east-1" && existing.region === "us-east-1")) {
        throw new S3Failure(
          409,
          "BucketAlreadyOwnedByYou",
          "Your previous request to create the named bucket succeeded and you already own it.",
          { BucketName: call.bucket },
        );
      }
      sendEmpty(res, call, 200, { location: `/${call.bucket}` });
    },
  },
  {
    name: "HeadBucket",
    scope: "bucket",
    method: "HEAD",
    subresource: "",
    iam: onBucket("ListBucket"),
    async run(env, call, res) {
      const bucket = requireBucket(env, call);
      sendEmpty(res, call, 200, {
        "x-amz-bucket-region": bucket.region,
        "x-amz-access-point-alias": "false",
      });
    },
  },
  {
    name: "DeleteBucket",
    scope: "bucket",
    method: "DELETE",
    subresource: "",
    iam: onBucket("DeleteBucket"),
    async run(env, call, res) {
      await env.store.deleteBucket(call.bucket);
      sendEmpty(res, call, 204);
    },
  },
  {
    name: "GetBucketLocation",
    scope: "bucket",
    method: "GET",
    subresource: "location",
    iam: onBucket("GetBucketLocation"),
    async run(env, call, res) {
      const { region } = requireBucket(env, call);
      const value = region === "us-east-1" ? "" : region;
      sendXml(res, call, 200, `<LocationConstraint ${S3_NS}>${value}</LocationConstraint>`);
    },
  },
  {
    name: "GetBucketVersioning",
    scope: "bucket",
    method: "GET",
    subresource: "versioning",
    iam: onBucket("GetBucketVersioning"),
    async run(env, call, res) {
      const { versioning } = requireBucket(env, call);
      const body = versioning ? `<Status>${versioning}</Status>` : "";
      sendXml(res, call, 200, `<VersioningConfiguration ${S3_NS}>${body}</VersioningConfiguration>`);
    },
  },
  {
    name: "PutBucketVersioning",
    scope: "bucket",
    method: "PUT",
    subresource: "versioning",
    iam: onBucket("PutBucketVersioning"),
    async run(env, call, res) {
      requireBucket(env, call);
      const root = xmlBody(call);
      const status = xmlText(root, "Status");
      if (root.name !== "VersioningConfiguration" || (status !== "Enabled" && status !== "Suspended")) {
        throw malformedXml();
      }
      if (xmlText(root, "MfaDelete") === "Enabled") {
        throw new S3Failure(
          400,
          "InvalidRequest",
          "MFA Authentication must be used for this request (the local cloud has no MFA devices)",
        );
      }
      await env.store.updateBucket(call.bucket, (record) => {
        record.versioning = status;
      });
      sendEmpty(res, call, 200);
    },
  },
];
