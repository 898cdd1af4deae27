// Validates a policy document as IAM does before storing it, in IAM's order and words: grammar ("Syntax
// errors in policy."), version, legacy parsing, statement ids, actions, resources, principals.
import { parseOperator } from "./conditions.ts";

/** What the document is for: an inline identity policy, a managed policy, or a role's trust policy. */
export type PolicyKind = "inline" | "managed" | "trust";

export class MalformedPolicy extends Error {}

const TOP_LEVEL = new Set(["Version", "Id", "Statement"]);
const STATEMENT_FIELDS = new Set([
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Principal",
  "NotPrincipal",
  "Condition",
]);
const VERSIONS = new Set(["2008-10-17", "2012-10-17"]);
const PARTITIONS = new Set([
  "aws",
  "aws-cn",
  "aws-us-gov",
  "aws-iso",
  "aws-iso-b",
  "aws-iso-e",
  "aws-iso-f",
  "aws-eusc",
]);
const IAM_RESOURCE_STARTS = [
  "user/",
  "federated-user/",
  "role/",
  "group/",
  "instance-profile/",
  "mfa/",
  "server-certificate/",
  "policy/",
  "sms-mfa/",
  "saml-provider/",
  "oidc-provider/",
  "report/",
  "access-report/",
];
const PRINCIPAL_TYPES = new Set(["AWS", "Service", "Federated", "CanonicalUser"]);

type Raw = Record<string, unknown>;

const syntaxError = () => new MalformedPolicy("Syntax errors in policy.");
const isStringOrStrings = (value: unknown) =>
  typeof value === "string" || (Array.isArray(value) && value.every((item) => typeof item === "string"));
const listOf = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as string[]) : [value as string];

function checkStatementGrammar(statement: unknown): asserts statement is Raw {
  if (!statement || typeof statement !== "object" || Array.isArray(statement)) throw syntaxError();
  const raw = statement as Raw;
  for (const field of Object.keys(raw)) if (!STATEMENT_FIELDS.has(field)) throw syntaxError();
  if ("Resource" in raw && "NotResource" in raw) throw syntaxError();
  if ("Action" in raw && "NotAction" in raw) throw syntaxError();
  if ("Principal" in raw && "NotPrincipal" in raw) throw syntaxError();
  if (typeof raw.Effect !== "string" || !["allow", "deny"].includes(raw.Effect.toLowerCase())) {
    throw syntaxError();
  }
  for (const field of ["Action", "NotAction", "Resource", "NotResource"]) {
    if (field in raw && !isStringOrStrings(raw[field])) throw syntaxError();
  }
  if ("Sid" in raw && typeof raw.Sid !== "string") throw syntaxError();
  for (const field of ["Principal", "NotPrincipal"]) {
    const principal = raw[field];
    if (principal === undefined || principal === "*") continue;
    if (!principal || typeof principal !== "object" || Array.isArray(principal)) throw syntaxError();
    for (const ids of Object.values(principal)) if (!isStringOrStrings(ids)) throw syntaxError();
  }
  if ("Condition" in raw) {
    const condition = raw.Condition;
    if (!condition || typeof condition !== "object" || Array.isArray(condition)) throw syntaxError();
    for (const [operator, keys] of Object.entries(condition)) {
      if (!keys || typeof keys !== "object" || Array.isArray(keys)) throw syntaxError();
      for (const value of Object.values(keys)) {
        const values = Array.isArray(value) ? value : [value];
        if (!values.every((item) => ["string", "boolean", "number"].includes(typeof item)))
          throw syntaxError();
      }
      // An operator IAM does not know is a grammar error unless it compares nothing.
      if (!parseOperator(operator) && Object.keys(keys).length > 0) throw syntaxError();
    }
  }
}

function readGrammar(text: string): { document: Raw; statements: Raw[] } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw syntaxError();
  }
  if (!document || typeof document !== "object" || Array.isArray(document)) throw syntaxError();
  const raw = document as Raw;
  for (const key of Object.keys(raw)) if (!TOP_LEVEL.has(key)) throw syntaxError();
  if ("Version" in raw && !VERSIONS.has(raw.Version as string)) throw syntaxError();
  if ("Id" in raw && typeof raw.Id !== "string") throw syntaxError();
  const statement = raw.Statement;
  if (!statement || typeof statement !== "object") throw syntaxError();
  const statements = Array.isArray(statement) ? statement : [statement];
  if (statements.length === 0) throw syntaxError();
  for (const item of statements) checkStatementGrammar(item);
  return { document: raw, statements: statements as Raw[] };
}

/** ISO 8601 or epoch seconds, as IAM's legacy parser reads Date condition values. */
function isPolicyDate(value: unknown): boolean {
  const text = String(value);
  return /^\d+$/.test(text) || (/^\d{4}/.test(text) && !Number.isNaN(Date.parse(text)));
}

function checkLegacyParsing(statements: Raw[]): void {
  const legacyError = () => new MalformedPolicy("The policy failed legacy parsing");
  for (const statement of statements) {
    // The grammar takes "allow" in any case; the older parser behind it only "Allow" and "Deny".
    if (statement.Effect !== "Allow" && statement.Effect !== "Deny") throw legacyError();
    for (const [operator, keys] of Object.entries((statement.Condition as Raw | undefined) ?? {})) {
      if (!parseOperator(operator)?.base.startsWith("Date")) continue;
      for (const value of Object.values(keys as Raw)) {
        if (!listOf(value).every(isPolicyDate)) throw legacyError();
      }
    }
  }
}

/** The first problem IAM reports with a Resource, or undefined. */
function resourceProblem(resource: string): string | undefined {
  if (resource === "*") return undefined;
  const parts = resource.split(":");
  if (parts.length < 2) return `Resource ${resource} must be in ARN format or "*".`;
  const partition = parts[1]!;
  if (partition !== "*" && !PARTITIONS.has(partition)) {
    const rest = parts.slice(2);
    // Parts that are missing read "*"; parts that are present stay as written, even when empty.
    const part = (index: number) => {
      if (index === 0) return rest.length > 1 || (rest[0] ?? "") !== "" ? rest[0] : "*";
      if (index >= rest.length) return "*";
      return index === 3 ? rest.slice(3).join(":") : rest[index];
    };
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${part(0)}:${part(1)}:${part(2)}:${part(3)}".`;
  }
  if (parts.length < 3) return "Resource vendor must be fully qualified and cannot contain regexes.";
  const [service, region = "", , ...resourceId] = parts.slice(2);
  const id = resourceId.join(":");
  if (service === "iam" && region !== "")
    return `IAM resource ${resource} cannot contain region information.`;
  if (service === "s3" && region !== "" && !id.startsWith("accesspoint/")) {
    return `Resource ${resource} can not contain region information.`;
  }
  if (service === "iam" && id !== "*" && !IAM_RESOURCE_STARTS.some((start) => id.startsWith(start))) {
    return `IAM resource path must either be "*" or start with ${IAM_RESOURCE_STARTS.join(", ")}.`;
  }
  return undefined;
}

function checkLegacyResource(resource: string): void {
  if (resource === "*") return;
  const parts = resource.split(":");
  if ((parts.length < 6 && resource.includes("::")) || parts[2] === "") {
    throw new MalformedPolicy("The policy failed legacy parsing");
  }
}

function checkActionFormat(action: string): void {
  if (action === "*") return;
  const parts = action.split(":");
  if (parts.length === 1) {
    throw new MalformedPolicy("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  }
  if (parts.length > 2) throw new MalformedPolicy("Actions/Condition can contain only one colon.");
  if (/[^a-zA-Z0-9.-]/.test(parts[0]!)) throw new MalformedPolicy(`Vendor ${parts[0]} is not valid`);
}

const hasElements = (statement: Raw, field: string, notField: string) => {
  const value = statement[field] ?? statement[notField];
  return value !== undefined && (!Array.isArray(value) || value.length > 0);
};

function checkTrustPrincipals(statements: Raw[], roleExists: (arn: string) => boolean): void {
  for (const statement of statements) {
    const principal = statement.Principal ?? statement.NotPrincipal;
    if (principal === undefined) {
      throw new MalformedPolicy(
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!",
      );
    }
    if (principal === "*") continue;
    for (const [type, ids] of Object.entries(principal as Raw)) {
      for (const id of listOf(ids)) {
        const invalid = new MalformedPolicy(`Invalid principal in policy: "${type}":"${id}"`);
        if (!PRINCIPAL_TYPES.has(type)) throw invalid;
        // IAM turns a role ARN into the role's unique id when it stores the policy: the role must exist.
        if (type === "AWS" && /^arn:aws:iam::\d{12}:role\//.test(id) && !roleExists(id)) throw invalid;
        if (type === "AWS" && id !== "*" && !/^(\d{12}|arn:aws[\w-]*:(iam|sts)::\d{12}:.+)$/.test(id))
          throw invalid;
      }
    }
    for (const action of listOf(statement.Action)) {
      if (!/^sts:/i.test(action) && action !== "*") {
        throw new MalformedPolicy(
          "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
        );
      }
    }
  }
}

/**
 * Throws MalformedPolicy with IAM's message for the first problem, in IAM's order. `roleExists` lets a
 * trust policy name only roles that exist (same account).
 */
export function validatePolicy(
  text: string,
  kind: PolicyKind,
  roleExists: (arn: string) => boolean = () => true,
): void {
  const { document, statements } = readGrammar(text);
  if (
    kind !== "trust" &&
    statements.some((statement) => "Principal" in statement || "NotPrincipal" in statement)
  ) {
    throw new MalformedPolicy("Policy document should not specify a principal.");
  }
  if (kind === "managed" && document.Version !== "2012-10-17") {
    throw new MalformedPolicy("Policy document must be version 2012-10-17 or greater.");
  }
  checkLegacyParsing(statements);
  let firstResourceProblem: string | undefined;
  for (const statement of statements) {
    const resources = [...listOf(statement.Resource), ...listOf(statement.NotResource)];
    firstResourceProblem ??= resources.map(resourceProblem).find(Boolean);
    if (!firstResourceProblem) resources.forEach(checkLegacyResource);
  }
  const sids = statements.map((statement) => statement.Sid).filter((sid): sid is string => Boolean(sid));
  if (new Set(sids).size !== sids.length) {
    throw new MalformedPolicy("Statement IDs (SID) in a single policy must be unique.");
  }
  if (sids.some((sid) => !/^[0-9A-Za-z]*$/.test(sid))) {
    throw new MalformedPolicy(
      "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
    );
  }
  if (!statements.every((statement) => hasElements(statement, "Action", "NotAction"))) {
    throw new MalformedPolicy("Policy statement must contain actions.");
  }
  if (firstResourceProblem) throw new MalformedPolicy(firstResourceProblem);
  for (const statement of statements) {
    [...listOf(statement.Action), ...listOf(statement.NotAction)].forEach(checkActionFormat);
  }
  if (kind === "trust") {
    if (statements.some((statement) => "Resource" in statement || "NotResource" in statement)) {
      throw new MalformedPolicy("Has prohibited field Resource.");
    }
    checkTrustPrincipals(statements, roleExists);
  } else if (!statements.every((statement) => hasElements(statement, "Resource", "NotResource"))) {
    throw new MalformedPolicy("Policy statement must contain resources.");
  }
}

/** IAM's size quotas count a document's characters without its whitespace. */
export const policySize = (text: string) => text.replace(/\s/g, "").length;
