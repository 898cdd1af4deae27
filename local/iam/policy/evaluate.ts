// IAM's policy evaluation logic for one account: an explicit Deny anywhere wins; otherwise a resource
// policy naming the principal, or an identity policy (within any session policy), allows; otherwise the
// request is implicitly denied. The account root is allowed unless a resource policy denies it.
import { conditionsHold } from "./conditions.ts";
import type { PolicyDocument, PrincipalBlock, Statement } from "./document.ts";
import { actionMatches, patternMatch, type RequestContext } from "./match.ts";

export type Principal =
  | { type: "root"; accountId: string }
  | {
      type: "role-session";
      accountId: string;
      /** With its path: arn:aws:iam::<account>:role/<path><name> */
      roleArn: string;
      roleName: string;
      sessionName: string;
      /** arn:aws:sts::<account>:assumed-role/<name>/<session> */
      sessionArn: string;
    }
  | { type: "service"; service: string };

export interface EvaluationInput {
  principal: Principal;
  action: string;
  resource: string;
  context: RequestContext;
  /** The principal's own policies (a role session's inline and attached policies). */
  identityPolicies: PolicyDocument[];
  /** A policy passed to AssumeRole: the session may do at most what it allows. */
  sessionPolicy?: PolicyDocument;
  resourcePolicy?: PolicyDocument;
  /** The resource policy must grant (as a role's trust policy must for AssumeRole). */
  resourcePolicyRequired?: boolean;
}

export type DenialReason =
  | "explicit-identity"
  | "explicit-resource"
  | "explicit-session"
  | "no-identity-allow"
  | "no-resource-allow"
  | "no-session-allow";

export type Decision =
  | { allowed: true; via: "root" | "identity" | "resource" }
  | { allowed: false; reason: DenialReason };

/** How a statement's Principal covers the caller: by name, through its account, or not at all. */
type PrincipalCover = "direct" | "account" | "none";

export function principalArn(principal: Principal): string {
  if (principal.type === "root") return `arn:aws:iam::${principal.accountId}:root`;
  if (principal.type === "role-session") return principal.sessionArn;
  return principal.service;
}

function coverOf(block: PrincipalBlock, principal: Principal): PrincipalCover {
  if (block === "*") return "direct";
  let cover: PrincipalCover = "none";
  for (const [type, ids] of Object.entries(block)) {
    for (const id of ids) {
      if (id === "*" && type === "AWS") return "direct";
      if (type === "Service" && principal.type === "service" && id === principal.service) return "direct";
      if (type !== "AWS" || principal.type === "service") continue;
      const account = principal.accountId;
      if (id === account || id === `arn:aws:iam::${account}:root`) {
        // The account as principal hands the decision to the account's own identity policies.
        if (principal.type === "root") return "direct";
        cover = "account";
      } else if (
        principal.type === "role-session" &&
        (id === principal.roleArn || id === principal.sessionArn)
      ) {
        return "direct";
      }
    }
  }
  return cover;
}

function principalCover(statement: Statement, principal: Principal): PrincipalCover {
  if (statement.principal) return coverOf(statement.principal, principal);
  if (statement.notPrincipal)
    return coverOf(statement.notPrincipal, principal) === "none" ? "direct" : "none";
  return "none";
}

/** Whether a statement's action, resource and conditions cover the request (its principal aside). */
export function statementApplies(
  statement: Statement,
  request: { action: string; resource: string; context: RequestContext },
  variables: boolean,
): boolean {
  const { action, resource, context } = request;
  if (statement.action) {
    if (!statement.action.some((pattern) => actionMatches(pattern, action))) return false;
  } else if (statement.notAction) {
    if (statement.notAction.some((pattern) => actionMatches(pattern, action))) return false;
  } else {
    return false;
  }
  const resourceMatches = (pattern: string) => patternMatch(pattern, resource, { variables, context });
  if (statement.resource && !statement.resource.some(resourceMatches)) return false;
  if (statement.notResource?.some(resourceMatches)) return false;
  return conditionsHold(statement.condition, context, variables);
}

interface Findings {
  deny: boolean;
  allow: boolean;
}

function scan(
  documents: PolicyDocument[],
  input: EvaluationInput,
  cover: (statement: Statement) => PrincipalCover = () => "direct",
): Findings & { allowThroughAccount: boolean } {
  const found = { deny: false, allow: false, allowThroughAccount: false };
  for (const document of documents) {
    const variables = document.version === "2012-10-17";
    for (const statement of document.statements) {
      const covered = cover(statement);
      if (covered === "none" || !statementApplies(statement, input, variables)) continue;
      if (statement.effect === "Deny") found.deny = true;
      else if (covered === "direct") found.allow = true;
      else found.allowThroughAccount = true;
    }
  }
  return found;
}

export function evaluate(input: EvaluationInput): Decision {
  const { principal } = input;
  const identity: Findings =
    principal.type === "role-session" ? scan(input.identityPolicies, input) : { deny: false, allow: false };
  const session = input.sessionPolicy ? scan([input.sessionPolicy], input) : undefined;
  const resource = input.resourcePolicy
    ? scan([input.resourcePolicy], input, (statement) => principalCover(statement, principal))
    : { deny: false, allow: false, allowThroughAccount: false };

  if (identity.deny) return { allowed: false, reason: "explicit-identity" };
  if (session?.deny) return { allowed: false, reason: "explicit-session" };
  if (resource.deny) return { allowed: false, reason: "explicit-resource" };

  if (principal.type === "service") {
    return resource.allow
      ? { allowed: true, via: "resource" }
      : { allowed: false, reason: "no-resource-allow" };
  }
  if (principal.type === "root") {
    if (input.resourcePolicyRequired && !resource.allow && !resource.allowThroughAccount) {
      return { allowed: false, reason: "no-resource-allow" };
    }
    return { allowed: true, via: "root" };
  }
  if (resource.allow) return { allowed: true, via: "resource" };
  if (input.resourcePolicyRequired && !resource.allowThroughAccount) {
    return { allowed: false, reason: "no-resource-allow" };
  }
  if (!identity.allow) return { allowed: false, reason: "no-identity-allow" };
  if (session && !session.allow) return { allowed: false, reason: "no-session-allow" };
  return { allowed: true, via: "identity" };
}

/** A denial worded as AWS words it in the AccessDenied message of every service. */
export function denialMessage(
  principal: Principal,
  action: string,
  resource: string,
  reason: DenialReason,
): string {
  const onResource = resource === "*" ? "" : ` on resource: ${resource}`;
  const why: Record<DenialReason, string> = {
    "explicit-identity": "with an explicit deny in an identity-based policy",
    "explicit-resource": "with an explicit deny in a resource-based policy",
    "explicit-session": "with an explicit deny in a session policy",
    "no-identity-allow": `because no identity-based policy allows the ${action} action`,
    "no-resource-allow": `because no resource-based policy allows the ${action} action`,
    "no-session-allow": `because no session policy allows the ${action} action`,
  };
  return `User: ${principalArn(principal)} is not authorized to perform: ${action}${onResource} ${why[reason]}`;
}
