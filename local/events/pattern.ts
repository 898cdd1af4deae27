// Content filtering as EventBridge event patterns and SNS filter policies share it: a pattern names fields
// (nested, or `$or` alternatives) and lists what each may hold — exact values, prefix, suffix,
// anything-but, numeric ranges, exists, equals-ignore-case, wildcard, cidr. Checked as AWS checks a
// pattern (with its words), then matched against an event or a message.

/** A pattern AWS would refuse; the reason reads as AWS's does after "Event pattern is not valid. Reason: ". */
export class PatternError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Matcher = Json;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const OPERATORS = new Set([
  "prefix",
  "suffix",
  "anything-but",
  "numeric",
  "exists",
  "equals-ignore-case",
  "wildcard",
  "cidr",
]);
const NUMERIC_OPERATORS = new Set(["=", "<", "<=", ">", ">="]);

export interface PatternRules {
  /** EventBridge has wildcard; SNS does not. */
  wildcard: boolean;
  /** SNS's MessageAttributes scope: one level of keys, no nesting. */
  flat?: boolean;
}

/** Parses and checks a pattern as PutRule, TestEventPattern and SNS's FilterPolicy do. */
export function parsePattern(text: string, rules: PatternRules): Record<string, unknown> {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch (error) {
    throw new PatternError((error as Error).message);
  }
  if (!isObject(pattern)) throw new PatternError("Filter is not an object");
  checkObject(pattern, rules);
  return pattern;
}

function checkObject(pattern: Record<string, unknown>, rules: PatternRules): void {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === "$or") {
      if (!Array.isArray(rule) || rule.length < 2 || !rule.every(isObject)) {
        throw new PatternError("Value of $or must be an array of at least two objects");
      }
      for (const alternative of rule) checkObject(alternative, rules);
    } else if (Array.isArray(rule)) {
      if (rule.length === 0) throw new PatternError("Empty arrays are not allowed");
      for (const matcher of rule) checkMatcher(matcher as Matcher, rules);
    } else if (isObject(rule) && !rules.flat) {
      checkObject(rule, rules);
    } else {
      throw new PatternError(`"${key}" must be an object or an array`);
    }
  }
}

function checkMatcher(matcher: Matcher, rules: PatternRules): void {
  if (!isObject(matcher)) return;
  const entries = Object.entries(matcher);
  if (entries.length !== 1) throw new PatternError("Only one key allowed in match expression");
  const [operator, value] = entries[0]!;
  if (!OPERATORS.has(operator) || (operator === "wildcard" && !rules.wildcard)) {
    throw new PatternError(`Unrecognized match type ${operator}`);
  }
  switch (operator) {
    case "prefix":
    case "suffix":
      if (isObject(value) && typeof value["equals-ignore-case"] === "string") return;
      if (value === null) throw new PatternError("Null prefix/suffix not allowed");
      if (typeof value !== "string") throw new PatternError(`${operator} match pattern must be a string`);
      return;
    case "equals-ignore-case":
    case "cidr":
      if (typeof value !== "string") throw new PatternError(`${operator} match pattern must be a string`);
      if (operator === "cidr" && !parseCidr(value))
        throw new PatternError(`Malformed CIDR, one '/' required`);
      return;
    case "wildcard":
      if (typeof value !== "string") throw new PatternError("wildcard match pattern must be a string");
      if (value.includes("**"))
        throw new PatternError(`Consecutive wildcard characters at pos ${value.indexOf("**") + 1}`);
      return;
    case "exists":
      if (typeof value !== "boolean")
        throw new PatternError("exists match pattern must be either true or false.");
      return;
    case "numeric":
      checkNumeric(value);
      return;
    case "anything-but":
      if (isObject(value)) {
        checkMatcher(value as Matcher, rules);
        return;
      }
      if (typeof value === "string" || typeof value === "number") return;
      if (
        Array.isArray(value) &&
        value.length > 0 &&
        value.every((v) => typeof v === "string" || typeof v === "number")
      ) {
        return;
      }
      throw new PatternError("Value of anything-but must be an array or single string/number value.");
  }
}

function checkNumeric(value: unknown): void {
  if (!Array.isArray(value)) throw new PatternError("Value of numeric must be an array.");
  if (value.length === 0 || value.length % 2 !== 0 || value.length > 4) {
    throw new PatternError("Value of numeric must be an array.");
  }
  for (let index = 0; index < value.length; index += 2) {
    const operator = value[index];
    if (typeof operator !== "string" || !NUMERIC_OPERATORS.has(operator)) {
      throw new PatternError(`Unrecognized numeric range operator: ${String(operator)}`);
    }
    if (typeof value[index + 1] !== "number") throw new PatternError(`Value of ${operator} must be numeric`);
    if (operator === "=" && value.length > 2)
      throw new PatternError(`Bad numeric range operator: ${operator}`);
  }
}

/** Whether an event (or a message's attributes or body) matches a checked pattern. */
export function matchesPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  const object = isObject(event) ? event : {};
  return Object.entries(pattern).every(([key, rule]) => {
    if (key === "$or")
      return (rule as Record<string, unknown>[]).some((alternative) => matchesPattern(alternative, event));
    const field = Object.hasOwn(object, key) ? object[key] : undefined;
    if (Array.isArray(rule)) return matchesField(rule as Matcher[], field);
    if (Array.isArray(field))
      return field.some((item) => matchesPattern(rule as Record<string, unknown>, item));
    return matchesPattern(rule as Record<string, unknown>, field);
  });
}

function matchesField(matchers: Matcher[], field: unknown): boolean {
  const values = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return matchers.some((matcher) => {
    if (isObject(matcher) && "exists" in matcher) {
      const leaf = values.length > 0 && values.every((value) => !isObject(value));
      return matcher.exists === leaf;
    }
    return values.some((value) => matchesValue(matcher, value));
  });
}

function matchesValue(matcher: Matcher, value: unknown): boolean {
  if (!isObject(matcher)) return matcher === value;
  const [operator, operand] = Object.entries(matcher)[0]!;
  const text = typeof value === "string" ? value : undefined;
  switch (operator) {
    case "prefix":
    case "suffix": {
      if (text === undefined) return false;
      const ignoreCase = isObject(operand);
      const wanted = String(ignoreCase ? operand["equals-ignore-case"] : operand);
      const subject = ignoreCase ? text.toLowerCase() : text;
      const target = ignoreCase ? wanted.toLowerCase() : wanted;
      return operator === "prefix" ? subject.startsWith(target) : subject.endsWith(target);
    }
    case "equals-ignore-case":
      return text !== undefined && text.toLowerCase() === String(operand).toLowerCase();
    case "wildcard":
      return text !== undefined && wildcardRegex(String(operand)).test(text);
    case "numeric":
      return typeof value === "number" && numericHolds(operand as Json[], value);
    case "cidr":
      return text !== undefined && inCidr(String(operand), text);
    case "anything-but":
      if (isObject(operand)) return text !== undefined && !matchesValue(operand as Matcher, value);
      return !(Array.isArray(operand) ? operand : [operand]).some((excluded) => excluded === value);
    default:
      return false;
  }
}

function numericHolds(conditions: Json[], value: number): boolean {
  for (let index = 0; index < conditions.length; index += 2) {
    const bound = conditions[index + 1] as number;
    const holds = {
      "=": value === bound,
      "<": value < bound,
      "<=": value <= bound,
      ">": value > bound,
      ">=": value >= bound,
    }[conditions[index] as string];
    if (!holds) return false;
  }
  return true;
}

function wildcardRegex(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "s");
}

function parseCidr(cidr: string): { network: number; bits: number } | undefined {
  const match = cidr.match(/^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/);
  const address = match ? ipv4(match[1]!) : undefined;
  const bits = Number(match?.[2]);
  return address === undefined || bits > 32 ? undefined : { network: address, bits };
}

function ipv4(text: string): number | undefined {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255))
    return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function inCidr(cidr: string, text: string): boolean {
  const range = parseCidr(cidr);
  const address = ipv4(text);
  if (!range || address === undefined) return false;
  const mask = range.bits === 0 ? 0 : (~0 << (32 - range.bits)) >>> 0;
  return (address & mask) >>> 0 === (range.network & mask) >>> 0;
}
