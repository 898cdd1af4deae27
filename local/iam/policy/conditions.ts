// The Condition element: every operator IAM documents (String*, Numeric*, Date*, Bool, Binary, IpAddress,
// Arn*, Null), the `…IfExists` suffix and the `ForAnyValue:`/`ForAllValues:` set prefixes. Operators in a
// block and keys in an operator must all hold; the values listed for one key are alternatives.
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { ConditionBlock } from "./document.ts";
import { arnMatch, contextValue, patternMatch, type RequestContext } from "./match.ts";

type Compare = (
  policyValue: string,
  requestValue: string,
  variables: boolean,
  context: RequestContext,
) => boolean;

const number = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));

/** Dates are ISO 8601 or epoch seconds, in policies and in the request alike. */
function epochMs(text: string): number {
  if (/^\d+$/.test(text.trim())) return Number(text) * 1000;
  return Date.parse(text);
}

const numeric =
  (test: (request: number, policy: number) => boolean): Compare =>
  (policy, request) => {
    const [p, r] = [number(policy), number(request)];
    return Number.isFinite(p) && Number.isFinite(r) && test(r, p);
  };

const date =
  (test: (request: number, policy: number) => boolean): Compare =>
  (policy, request) => {
    const [p, r] = [epochMs(policy), epochMs(request)];
    return !Number.isNaN(p) && !Number.isNaN(r) && test(r, p);
  };

function inCidr(cidr: string, address: string): boolean {
  const [network, bits] = cidr.split("/");
  const type = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : undefined;
  if (!type || !network) return false;
  const list = new BlockList();
  try {
    const prefix = bits === undefined ? (isIPv4(network) ? 32 : 128) : Number(bits);
    list.addSubnet(network, prefix, isIPv4(network) ? "ipv4" : "ipv6");
    return list.check(address, type);
  } catch {
    return false;
  }
}

const stringEquals: Compare = (policy, request, variables, context) =>
  patternMatch(policy, request, { variables, context, wildcards: false });

/** Positive comparisons; the "Not" operators are their negation. */
const COMPARE: Record<string, Compare> = {
  StringEquals: stringEquals,
  StringEqualsIgnoreCase: (policy, request, variables, context) =>
    patternMatch(policy, request, { variables, context, wildcards: false, ignoreCase: true }),
  StringLike: (policy, request, variables, context) => patternMatch(policy, request, { variables, context }),
  NumericEquals: numeric((r, p) => r === p),
  NumericLessThan: numeric((r, p) => r < p),
  NumericLessThanEquals: numeric((r, p) => r <= p),
  NumericGreaterThan: numeric((r, p) => r > p),
  NumericGreaterThanEquals: numeric((r, p) => r >= p),
  DateEquals: date((r, p) => r === p),
  DateLessThan: date((r, p) => r < p),
  DateLessThanEquals: date((r, p) => r <= p),
  DateGreaterThan: date((r, p) => r > p),
  DateGreaterThanEquals: date((r, p) => r >= p),
  Bool: (policy, request) => policy.toLowerCase() === request.toLowerCase(),
  BinaryEquals: (policy, request) => policy === request,
  IpAddress: (policy, request) => inCidr(policy, request),
  ArnEquals: (policy, request, variables, context) => arnMatch(policy, request, variables, context),
  ArnLike: (policy, request, variables, context) => arnMatch(policy, request, variables, context),
};

const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  NumericNotEquals: "NumericEquals",
  DateNotEquals: "DateEquals",
  NotIpAddress: "IpAddress",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
};

export interface ParsedOperator {
  set?: "ForAnyValue" | "ForAllValues";
  ifExists: boolean;
  /** The positive operator ("StringEquals" for "StringNotEquals"), or "Null". */
  base: string;
  negated: boolean;
}

/** Undefined for an operator IAM does not know. */
export function parseOperator(operator: string): ParsedOperator | undefined {
  let rest = operator;
  let set: ParsedOperator["set"];
  const prefix = rest.match(/^(ForAnyValue|ForAllValues):/);
  if (prefix) {
    set = prefix[1] as ParsedOperator["set"];
    rest = rest.slice(prefix[0].length);
  }
  const ifExists = rest.endsWith("IfExists") && rest !== "IfExists";
  if (ifExists) rest = rest.slice(0, -"IfExists".length);
  if (rest === "Null")
    return ifExists ? undefined : { ...(set ? { set } : {}), ifExists, base: "Null", negated: false };
  const negatedOf = NEGATED[rest];
  const base = negatedOf ?? rest;
  if (!COMPARE[base]) return undefined;
  return { ...(set ? { set } : {}), ifExists, base, negated: Boolean(negatedOf) };
}

function keyHolds(
  operator: ParsedOperator,
  policyValues: string[],
  requestValue: string | string[] | undefined,
  variables: boolean,
  context: RequestContext,
): boolean {
  const values =
    requestValue === undefined ? [] : Array.isArray(requestValue) ? requestValue : [requestValue];
  if (operator.base === "Null") {
    const absent = values.length === 0;
    return policyValues.some((value) => (value.toLowerCase() === "true" ? absent : !absent));
  }
  if (values.length === 0) {
    if (operator.ifExists) return true;
    if (operator.set === "ForAllValues") return true;
    if (operator.set === "ForAnyValue") return false;
    // A negated operator holds when there is nothing to compare with (IAM's documented behaviour).
    return operator.negated;
  }
  const compare = COMPARE[operator.base]!;
  const anyPolicyValue = (value: string) =>
    policyValues.some((policyValue) => compare(policyValue, value, variables, context));
  const holdsFor = (value: string) => (operator.negated ? !anyPolicyValue(value) : anyPolicyValue(value));
  if (operator.set === "ForAllValues") return values.every(holdsFor);
  if (operator.set === "ForAnyValue") return values.some(holdsFor);
  return operator.negated ? !values.some(anyPolicyValue) : values.some(anyPolicyValue);
}

/** Whether every condition of a statement holds for the request. */
export function conditionsHold(
  block: ConditionBlock | undefined,
  context: RequestContext,
  variables: boolean,
): boolean {
  if (!block) return true;
  for (const [name, keys] of Object.entries(block)) {
    const operator = parseOperator(name);
    if (!operator) return false;
    for (const [key, policyValues] of Object.entries(keys)) {
      if (!keyHolds(operator, policyValues, contextValue(context, key), variables, context)) return false;
    }
  }
  return true;
}
