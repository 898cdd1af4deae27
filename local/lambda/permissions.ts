// A function's resource policy: statements built from AddPermission as AWS writes them, and the check
// S3 notifications and API Gateway need before they may invoke (principal, action, source ARN/account).
import type { InvokeCaller } from "../types.ts";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal: { Service: string } | { AWS: string } | "*";
  Action: string;
  Resource: string;
  Condition?: {
    ArnLike?: { "AWS:SourceArn": string };
    StringEquals?: { "AWS:SourceAccount": string };
  };
}

export interface AddPermissionInput {
  StatementId?: string;
  Action?: string;
  Principal?: string;
  SourceArn?: string;
  SourceAccount?: string;
}

export function buildStatement(input: AddPermissionInput, functionArn: string): PolicyStatement {
  const principal = input.Principal!;
  const condition: NonNullable<PolicyStatement["Condition"]> = {};
  if (input.SourceAccount) condition.StringEquals = { "AWS:SourceAccount": input.SourceAccount };
  if (input.SourceArn) condition.ArnLike = { "AWS:SourceArn": input.SourceArn };
  return {
    Sid: input.StatementId!,
    Effect: "Allow",
    Principal:
      principal === "*"
        ? "*"
        : /^\d{12}$/.test(principal)
          ? { AWS: `arn:aws:iam::${principal}:root` }
          : principal.startsWith("arn:")
            ? { AWS: principal }
            : { Service: principal },
    Action: input.Action!,
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements });
}

export function isInvokeAllowed(statements: PolicyStatement[], caller: InvokeCaller): boolean {
  return statements.some((statement) => {
    const principal = statement.Principal;
    const principalMatches =
      principal === "*" || ("Service" in principal && principal.Service === caller.principal);
    if (!principalMatches) return false;
    if (!["lambda:InvokeFunction", "lambda:*", "*"].includes(statement.Action)) return false;
    const sourceArn = statement.Condition?.ArnLike?.["AWS:SourceArn"];
    if (sourceArn !== undefined && !(caller.sourceArn && arnLike(sourceArn, caller.sourceArn))) return false;
    const sourceAccount = statement.Condition?.StringEquals?.["AWS:SourceAccount"];
    return sourceAccount === undefined || sourceAccount === caller.sourceAccount;
  });
}

/** IAM's ArnLike: `*` matches any run of characters, `?` one character; everything else literally. */
export function arnLike(pattern: string, arn: string): boolean {
  const regex = pattern
    .split("")
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${regex}$`).test(arn);
}
