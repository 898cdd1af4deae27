// The policy of a browser form upload (POST Object), checked as S3 checks it: not expired, every
// condition met, and no form field the policy does not mention.
import { S3Failure } from "./failure.ts";

export interface PolicyInput {
  bucket: string;
  /** Form fields by lower-case name (the key with ${filename} already substituted). */
  fields: Map<string, string>;
  fileSize: number;
  now?: number;
}

function accessDenied(message: string): S3Failure {
  return new S3Failure(403, "AccessDenied", message);
}

function invalidPolicy(message: string): S3Failure {
  return new S3Failure(400, "InvalidPolicyDocument", `Invalid Policy: ${message}`);
}

/** Fields a policy need not mention (the signature itself, the file, the policy, x-ignore-*). */
function exempt(name: string): boolean {
  return (
    ["policy", "file", "x-amz-signature", "signature", "awsaccesskeyid"].includes(name) ||
    name.startsWith("x-ignore-")
  );
}

/** The condition as S3 quotes it in its error message. */
function quoted(condition: unknown): string {
  return JSON.stringify(condition).replace(/,/g, ", ").replace(/":/g, '": ');
}

export function decodePolicy(encoded: string): { expiration?: unknown; conditions?: unknown } {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  } catch {
    throw invalidPolicy("Invalid JSON.");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document))
    throw invalidPolicy("Invalid JSON.");
  return document as { expiration?: unknown; conditions?: unknown };
}

export function checkPostPolicy(encoded: string, input: PolicyInput): void {
  const policy = decodePolicy(encoded);
  if (typeof policy.expiration !== "string") throw invalidPolicy("Policy missing expiration.");
  const expires = Date.parse(policy.expiration);
  if (Number.isNaN(expires)) throw invalidPolicy(`Invalid 'expiration' value: '${policy.expiration}'`);
  if (expires < (input.now ?? Date.now())) throw accessDenied("Invalid according to Policy: Policy expired.");
  if (!Array.isArray(policy.conditions)) throw invalidPolicy("Policy missing conditions.");

  const mentioned = new Set<string>();
  const fieldValue = (name: string) => (name === "bucket" ? input.bucket : input.fields.get(name));
  for (const condition of policy.conditions as unknown[]) {
    const failed = () =>
      accessDenied(`Invalid according to Policy: Policy Condition failed: ${quoted(condition)}`);
    if (Array.isArray(condition)) {
      const [operator, target, value] = condition as [unknown, unknown, unknown];
      const op = String(operator).toLowerCase();
      if (op === "content-length-range") {
        const [min, max] = [Number(target), Number(value)];
        if (input.fileSize > max) {
          throw new S3Failure(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            {
              ProposedSize: String(input.fileSize),
              MaxSizeAllowed: String(max),
            },
          );
        }
        if (input.fileSize < min) {
          throw new S3Failure(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            {
              ProposedSize: String(input.fileSize),
              MinSizeAllowed: String(min),
            },
          );
        }
        continue;
      }
      if (
        condition.length !== 3 ||
        typeof target !== "string" ||
        !target.startsWith("$") ||
        typeof value !== "string"
      ) {
        throw invalidPolicy(`Invalid Condition: ${quoted(condition)}`);
      }
      const name = target.slice(1).toLowerCase();
      mentioned.add(name);
      const actual = fieldValue(name) ?? "";
      if (op === "eq") {
        if (actual !== value) throw failed();
      } else if (op === "starts-with") {
        if (!actual.startsWith(value)) throw failed();
      } else {
        throw invalidPolicy(`Invalid Condition: ${quoted(condition)}`);
      }
    } else if (typeof condition === "object" && condition !== null) {
      const entries = Object.entries(condition);
      if (entries.length !== 1)
        throw invalidPolicy(
          "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
        );
      const [name, value] = entries[0]!;
      mentioned.add(name.toLowerCase());
      if (fieldValue(name.toLowerCase()) !== value) throw failed();
    } else {
      throw invalidPolicy(`Invalid Condition: ${quoted(condition)}`);
    }
  }
  const extra = [...input.fields.keys()].filter((name) => !exempt(name) && !mentioned.has(name));
  if (extra.length > 0)
    throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(", ")}`);
}
