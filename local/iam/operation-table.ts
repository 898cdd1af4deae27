// The shape of a Query-protocol service's operation table (IAM, STS): each operation declares the IAM action
// and resource ARNs it needs next to what it does, and the table authorizes every call before running it.
import { authorize } from "../authorization.ts";
import { QueryError, type QueryOperation, type QueryParams } from "../protocol/query.ts";
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";

export interface QueryOperationSpec {
  /** The action and resources as the Service Authorization Reference lists them; undefined: none needed. */
  iam?: (params: QueryParams, req: EdgeRequest) => IamRequirement;
  run: QueryOperation;
}

/** Answers a denial as IAM and STS do: a Query-format error with the denial's words. */
export function queryDenial(result: { message: string; credentials?: "expired" | "invalid" }): QueryError {
  if (result.credentials === "expired") return new QueryError(403, "ExpiredToken", result.message);
  if (result.credentials === "invalid") return new QueryError(403, "InvalidClientTokenId", result.message);
  return new QueryError(403, "AccessDenied", result.message);
}

export function authorizedOperations(
  ctx: CloudContext,
  table: Record<string, QueryOperationSpec>,
): Record<string, QueryOperation> {
  const operations: Record<string, QueryOperation> = Object.create(null);
  for (const [name, spec] of Object.entries(table)) {
    operations[name] = (params, req) => {
      if (spec.iam) {
        const result = authorize(ctx, req, spec.iam(params, req));
        if (!result.allowed) throw queryDenial(result);
      }
      return spec.run(params, req);
    };
  }
  return operations;
}
