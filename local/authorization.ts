// The one place a service asks IAM whether a request may run an operation: each service's dispatcher
// calls it with the operation's declared requirement and answers a denial in its own protocol's words.
import type { AuthorizationResult, CloudContext, EdgeRequest, IamRequirement } from "./types.ts";

export function authorize(
  ctx: CloudContext,
  req: EdgeRequest,
  requirement: IamRequirement,
): AuthorizationResult {
  return ctx.iam?.authorize?.(req, requirement) ?? { allowed: true };
}
