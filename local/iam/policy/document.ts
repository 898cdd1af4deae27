// An IAM policy document as the evaluator reads it: every "string or list" element becomes a list, every
// condition value a string, so matching never has to ask which shape the author chose.

export type Effect = "Allow" | "Deny";

/** `Principal`/`NotPrincipal`: "*" or a map of principal type ("AWS", "Service", "Federated") to identifiers. */
export type PrincipalBlock = "*" | Record<string, string[]>;

/** Condition operator (e.g. "ForAnyValue:StringLikeIfExists") → condition key → the values to compare with. */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface Statement {
  sid?: string;
  effect: Effect;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: PrincipalBlock;
  notPrincipal?: PrincipalBlock;
  condition?: ConditionBlock;
}

export interface PolicyDocument {
  /** "2012-10-17" enables policy variables; "2008-10-17" (or none) reads `${…}` literally. */
  version?: string;
  statements: Statement[];
}

const asList = (value: unknown): string[] | undefined => {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item) => item !== null && item !== undefined).map(String);
};

function asPrincipal(value: unknown): PrincipalBlock | undefined {
  if (value === undefined) return undefined;
  if (value === "*") return "*";
  if (!value || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([type, ids]) => [type, asList(ids) ?? []]),
  );
}

function asCondition(value: unknown): ConditionBlock | undefined {
  if (!value || typeof value !== "object") return undefined;
  const block: ConditionBlock = {};
  for (const [operator, keys] of Object.entries(value as Record<string, unknown>)) {
    if (!keys || typeof keys !== "object") continue;
    block[operator] = Object.fromEntries(
      Object.entries(keys as Record<string, unknown>).map(([key, values]) => [key, asList(values) ?? []]),
    );
  }
  return block;
}

function readStatement(raw: Record<string, unknown>): Statement {
  const statement: Statement = { effect: raw.Effect === "Deny" ? "Deny" : "Allow" };
  if (typeof raw.Sid === "string") statement.sid = raw.Sid;
  const lists = [
    ["Action", "action"],
    ["NotAction", "notAction"],
    ["Resource", "resource"],
    ["NotResource", "notResource"],
  ] as const;
  for (const [field, key] of lists) {
    const list = asList(raw[field]);
    if (list) statement[key] = list;
  }
  const principal = asPrincipal(raw.Principal);
  if (principal) statement.principal = principal;
  const notPrincipal = asPrincipal(raw.NotPrincipal);
  if (notPrincipal) statement.notPrincipal = notPrincipal;
  const condition = asCondition(raw.Condition);
  if (condition) statement.condition = condition;
  return statement;
}

/**
 * Reads a policy for evaluation. Documents IAM stored were validated on the way in; a resource policy
 * another service hands over is read leniently (a statement it cannot read grants nothing).
 */
export function readPolicy(json: string | object): PolicyDocument {
  const raw = (typeof json === "string" ? JSON.parse(json) : json) as Record<string, unknown>;
  const statements = Array.isArray(raw.Statement) ? raw.Statement : raw.Statement ? [raw.Statement] : [];
  return {
    ...(typeof raw.Version === "string" ? { version: raw.Version } : {}),
    statements: statements
      .filter((statement): statement is Record<string, unknown> =>
        Boolean(statement && typeof statement === "object"),
      )
      .map(readStatement),
  };
}
