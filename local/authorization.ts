// The one place a service asks IAM whether a request may run an operation: each service's dispatcher
// calls it with the operation's declared requirement and answers a denial in its own protocol's words.
import type { AuthorizationResult, CloudContext, EdgeRequest, IamMode, IamRequirement } from "./types.ts";

export function authorize(
  ctx: CloudContext,
  req: EdgeRequest,
  requirement: IamRequirement,
): AuthorizationResult {
  return ctx.iam?.authorize?.(req, requirement) ?? { allowed: true };
}

/**
 * The error a JSON-protocol service (DynamoDB, CloudWatch Logs, API Gateway, Lambda, …) answers a refusal
 * with: refused credentials have names of their own, everything else is AccessDeniedException.
 */
export function jsonDenialCode(
  result: Extract<AuthorizationResult, { allowed: false }>,
): "AccessDeniedException" | "ExpiredTokenException" | "UnrecognizedClientException" {
  if (result.credentials === "expired") return "ExpiredTokenException";
  if (result.credentials === "invalid") return "UnrecognizedClientException";
  return "AccessDeniedException";
}

const MODES: IamMode[] = ["enforce", "warn", "off"];

/** S3SIZE_LOCAL_IAM: a typo must not quietly switch enforcement off. */
export function parseIamMode(value: string): IamMode {
  const mode = value.trim().toLowerCase() as IamMode;
  if (!MODES.includes(mode)) {
    throw new Error(`S3SIZE_LOCAL_IAM must be one of ${MODES.join(", ")}, not "${value}"`);
  }
  return mode;
}
