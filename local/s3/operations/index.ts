// The S3 operation table and how a request finds its operation: scope (service, bucket, object),
// method and subresource, as S3's REST API tells them apart.
import { S3Failure } from "../failure.ts";
import { header, type S3Call } from "../wire.ts";
import { absentSettingOperations } from "./absent-settings.ts";
import { aclOperations } from "./acl.ts";
import { bucketSettingOperations } from "./bucket-settings.ts";
import { bucketOperations } from "./buckets.ts";
import { copyOperation } from "./copy.ts";
import { deleteObjectsOperation } from "./delete-objects.ts";
import { listingOperations } from "./listing.ts";
import { multipartOperations } from "./multipart.ts";
import { objectSettingOperations } from "./object-settings.ts";
import { objectOperations } from "./objects.ts";
import { postObjectOperation } from "./post-object.ts";
import type { S3Operation } from "./table.ts";

export const S3_OPERATIONS: S3Operation[] = [
  ...bucketOperations,
  ...bucketSettingOperations,
  ...listingOperations,
  deleteObjectsOperation,
  postObjectOperation,
  ...objectOperations,
  copyOperation,
  ...objectSettingOperations,
  ...multipartOperations,
  ...aclOperations,
  ...absentSettingOperations,
];

const SERVED = new Set(S3_OPERATIONS.map((operation) => operation.subresource).filter(Boolean));

/**
 * Subresources S3 has and the local cloud does not emulate: named as such rather than misread (reads of
 * the bucket settings among them are served by absent-settings.ts).
 */
const NOT_EMULATED = new Set([
  "accelerate",
  "analytics",
  "attributes",
  "intelligent-tiering",
  "inventory",
  "legal-hold",
  "lifecycle",
  "logging",
  "metadataTable",
  "metrics",
  "object-lock",
  "policyStatus",
  "replication",
  "requestPayment",
  "restore",
  "retention",
  "select",
  "session",
  "torrent",
  "website",
]);

export function subresourceOf(query: URLSearchParams): string {
  for (const name of query.keys()) if (SERVED.has(name) || NOT_EMULATED.has(name)) return name;
  return "";
}

export function scopeOf(call: S3Call): S3Operation["scope"] {
  return call.bucket === "" ? "service" : call.key === "" ? "bucket" : "object";
}

export function findOperation(call: S3Call): S3Operation {
  const scope = scopeOf(call);
  const subresource = subresourceOf(call.req.query);
  const operation = S3_OPERATIONS.find(
    (candidate) =>
      candidate.scope === scope &&
      candidate.subresource === subresource &&
      candidate.method === call.req.method &&
      (candidate.when?.(call) ?? true),
  );
  if (operation) return operation;
  if (NOT_EMULATED.has(subresource)) {
    throw new S3Failure(
      501,
      "NotImplemented",
      "A header you provided implies functionality that is not implemented",
      {
        Header: `?${subresource} (not emulated by the local cloud)`,
      },
    );
  }
  const form = /^multipart\/form-data/i.test(header(call, "content-type") ?? "");
  if (scope === "bucket" && call.req.method === "POST" && subresource === "" && !form) {
    throw new S3Failure(
      412,
      "PreconditionFailed",
      "At least one of the pre-conditions you specified did not hold",
      {
        Condition: "Bucket POST must be of the enclosure-type multipart/form-data",
      },
    );
  }
  throw new S3Failure(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", {
    Method: call.req.method,
    ResourceType: scope === "object" ? "OBJECT" : scope === "bucket" ? "BUCKET" : "SERVICE",
  });
}
