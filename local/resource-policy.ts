// Whether a resource's own policy (a queue policy, a topic policy) lets an AWS service deliver to it on the
// owner's behalf — SNS to a queue, S3 or EventBridge to a queue or topic, CloudWatch to a topic — as AWS
// checks before delivering. Without a statement that allows the service, AWS drops the delivery.
import { arnLike } from "./lambda/permissions.ts";
import type { InvokeCaller } from "./types.ts";

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

function principalMatches(principal: unknown, service: string): boolean {
  if (principal === "*") return true;
  if (!principal || typeof principal !== "object") return false;
  const { AWS, Service } = principal as { AWS?: unknown; Service?: unknown };
  return list(AWS).includes("*") || list(Service).includes(service);
}

/** IAM's condition operators a delivery's context can satisfy; any other operator fails closed. */
function conditionHolds(operator: string, key: string, expected: string[], caller: InvokeCaller): boolean {
  const name = key.toLowerCase();
  const actual =
    name === "aws:sourcearn"
      ? caller.sourceArn
      : name === "aws:sourceaccount" || name === "aws:sourceowner"
        ? caller.sourceAccount
        : undefined;
  const base = operator.replace(/IfExists$/, "");
  if (actual === undefined) return operator.endsWith("IfExists");
  switch (base) {
    case "ArnEquals":
    case "StringEquals":
      return expected.includes(actual);
    case "ArnLike":
    case "StringLike":
      return expected.some((pattern) => arnLike(pattern, actual));
    case "StringEqualsIgnoreCase":
      return expected.some((value) => value.toLowerCase() === actual.toLowerCase());
    default:
      return false;
  }
}

function statementApplies(
  statement: Statement,
  action: string,
  resource: string,
  caller: InvokeCaller,
): boolean {
  if (!principalMatches(statement.Principal, caller.principal)) return false;
  const actionMatches = list(statement.Action).some((pattern) =>
    arnLike(pattern.toLowerCase(), action.toLowerCase()),
  );
  if (!actionMatches) return false;
  const resources = list(statement.Resource);
  if (resources.length > 0 && !resources.some((pattern) => arnLike(pattern, resource))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, list(expected), caller)),
  );
}

export function resourcePolicyAllows(
  policy: string | undefined,
  action: string,
  resource: string,
  caller: InvokeCaller,
): boolean {
  if (!policy) return false;
  let statements: Statement[];
  try {
    const raw = (JSON.parse(policy) as { Statement?: unknown }).Statement;
    statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Statement[];
  } catch {
    return false;
  }
  const applying = statements.filter(
    (statement) =>
      statement && typeof statement === "object" && statementApplies(statement, action, resource, caller),
  );
  return applying.some((s) => s.Effect === "Allow") && !applying.some((s) => s.Effect === "Deny");
}
