// Bucket policies: S3 keeps the document as put, after the checks it makes when it is put (valid JSON,
// statements with an effect, a principal, S3 actions and resources inside this bucket).
import { S3Failure } from "./failure.ts";

function malformed(message: string): S3Failure {
  return new S3Failure(400, "MalformedPolicy", message);
}

const MAX_POLICY_BYTES = 20 * 1024;

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function checkStatement(statement: Record<string, unknown>, bucket: string): void {
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny") {
    throw malformed(
      statement.Effect === undefined
        ? "Missing required field Effect"
        : `Invalid effect: ${String(statement.Effect)}`,
    );
  }
  if (statement.Principal === undefined && statement.NotPrincipal === undefined) {
    throw malformed("Missing required field Principal");
  }
  const principal = statement.Principal ?? statement.NotPrincipal;
  if (
    principal !== "*" &&
    (typeof principal !== "object" || principal === null || Array.isArray(principal))
  ) {
    throw malformed("Invalid principal in policy");
  }
  const actions = list(statement.Action ?? statement.NotAction);
  if (actions.length === 0) throw malformed("Missing required field Action");
  if (
    !actions.every(
      (action) => typeof action === "string" && (action === "*" || /^s3:[A-Za-z*?]+$/.test(action)),
    )
  ) {
    throw malformed("Policy has invalid action");
  }
  const resources = list(statement.Resource ?? statement.NotResource);
  if (resources.length === 0) throw malformed("Missing required field Resource");
  const inBucket = (resource: unknown) =>
    typeof resource === "string" &&
    (resource === `arn:aws:s3:::${bucket}` || resource.startsWith(`arn:aws:s3:::${bucket}/`));
  if (!resources.every(inBucket)) throw malformed("Policy has invalid resource");
}

/** Checks a PutBucketPolicy document for this bucket; returns it unchanged. */
export function checkBucketPolicy(document: string, bucket: string): string {
  if (Buffer.byteLength(document) > MAX_POLICY_BYTES)
    throw malformed("Policy exceeds the maximum allowed document size.");
  let parsed: unknown;
  try {
    if (!document.trimStart().startsWith("{")) throw new Error("not an object");
    parsed = JSON.parse(document);
  } catch {
    throw malformed("Policies must be valid JSON and the first byte must be '{'");
  }
  const policy = parsed as { Version?: unknown; Statement?: unknown };
  if (policy.Version !== undefined && policy.Version !== "2012-10-17" && policy.Version !== "2008-10-17") {
    throw malformed("The policy must contain a valid version string");
  }
  const statements = list(policy.Statement);
  if (statements.length === 0) throw malformed("Missing required field Statement");
  for (const statement of statements) {
    if (typeof statement !== "object" || statement === null)
      throw malformed("Missing required field Statement");
    checkStatement(statement as Record<string, unknown>, bucket);
  }
  return document;
}
