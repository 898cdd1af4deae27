// ACLs, as S3 answers them for buckets with ObjectOwnership BucketOwnerEnforced (its default since
// 2023): the owner has FULL_CONTROL, and any other grant is refused with AccessControlListNotSupported.
import { xmlChildren, xmlText } from "../../protocol/xml.ts";
import { S3Failure } from "../failure.ts";
import { canonicalUserId } from "../owner.ts";
import { header, S3_NS, type S3Call, sendEmpty, sendXml, xmlBody } from "../wire.ts";
import { taggedVersion } from "./object-settings.ts";
import { onBucket, onObject, requireBucket, type S3Operation } from "./table.ts";

const OWNER_ONLY = ["private", "bucket-owner-full-control"];

export function ownerOnlyAcl(accountId: string): string {
  const id = canonicalUserId(accountId);
  return `<AccessControlPolicy ${S3_NS}><Owner><ID>${id}</ID><DisplayName>local</DisplayName></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${id}</ID><DisplayName>local</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`;
}

function notSupported(): S3Failure {
  return new S3Failure(400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
}

/** An ACL in the headers of a write (x-amz-acl, x-amz-grant-*): only the owner-only ones are accepted. */
export function checkAclHeaders(call: S3Call): void {
  const canned = header(call, "x-amz-acl");
  const grants = Object.keys(call.req.headers).some((name) => name.startsWith("x-amz-grant-"));
  if ((canned !== undefined && !OWNER_ONLY.includes(canned)) || grants) throw notSupported();
}

/** CreateBucket refuses an ACL with its own words. */
export function checkBucketAclHeader(call: S3Call): void {
  const canned = header(call, "x-amz-acl");
  if (canned !== undefined && !OWNER_ONLY.includes(canned)) {
    throw new S3Failure(
      400,
      "InvalidBucketAclWithObjectOwnership",
      "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    );
  }
}

/** PutBucketAcl / PutObjectAcl: headers or an AccessControlPolicy document granting the owner alone. */
function checkAclRequest(call: S3Call, accountId: string): void {
  checkAclHeaders(call);
  if (call.req.body.length === 0) return;
  const grants = xmlChildren(xmlChildren(xmlBody(call), "AccessControlList")[0], "Grant");
  const ownerOnly = grants.every(
    (grant) =>
      xmlText(grant, "Permission") === "FULL_CONTROL" &&
      grant.children.some(
        (child) => child.name === "Grantee" && xmlText(child, "ID") === canonicalUserId(accountId),
      ),
  );
  if (!ownerOnly) throw notSupported();
}

export const aclOperations: S3Operation[] = [
  {
    name: "GetBucketAcl",
    scope: "bucket",
    method: "GET",
    subresource: "acl",
    iam: onBucket("GetBucketAcl"),
    async run(env, call, res) {
      requireBucket(env, call);
      sendXml(res, call, 200, ownerOnlyAcl(env.ctx.accountId));
    },
  },
  {
    name: "PutBucketAcl",
    scope: "bucket",
    method: "PUT",
    subresource: "acl",
    iam: onBucket("PutBucketAcl"),
    async run(env, call, res) {
      requireBucket(env, call);
      checkAclRequest(call, env.ctx.accountId);
      sendEmpty(res, call, 200);
    },
  },
  {
    name: "GetObjectAcl",
    scope: "object",
    method: "GET",
    subresource: "acl",
    iam: onObject("GetObjectAcl", "GetObjectVersionAcl"),
    async run(env, call, res) {
      const { headers } = await taggedVersion(env, call);
      sendXml(res, call, 200, ownerOnlyAcl(env.ctx.accountId), headers);
    },
  },
  {
    name: "PutObjectAcl",
    scope: "object",
    method: "PUT",
    subresource: "acl",
    iam: onObject("PutObjectAcl", "PutObjectVersionAcl"),
    async run(env, call, res) {
      const { headers } = await taggedVersion(env, call);
      checkAclRequest(call, env.ctx.accountId);
      sendEmpty(res, call, 200, headers);
    },
  },
];
