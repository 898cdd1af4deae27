// Wildcards and policy variables as IAM matches them: `*` any run of characters (across `:` and `/`), `?`
// one character, `${aws:username}` the request's value (`${*}`, `${?}`, `${$}` the literal characters).

/** Request context: condition key (any case) → value(s). */
export type RequestContext = Map<string, string | string[]>;

const compiled = new Map<string, RegExp>();
const CACHE_LIMIT = 5000;

const escapeRegex = (text: string) => text.replace(/[.+^${}()|[\]\\*?]/g, "\\$&");

function globSource(pattern: string): string {
  let source = "";
  for (const char of pattern) {
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else source += escapeRegex(char);
  }
  return source;
}

function compile(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? "i" : "c"}${pattern}`;
  let regex = compiled.get(key);
  if (!regex) {
    regex = new RegExp(`^${globSource(pattern)}$`, ignoreCase ? "i" : "");
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(key, regex);
  }
  return regex;
}

/** Whether `value` matches a pattern with `*`/`?` wildcards (no variables). */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?")) {
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  return compile(pattern, ignoreCase).test(value);
}

/** Actions match case-insensitively: "S3:getobject" grants s3:GetObject. */
export const actionMatches = (pattern: string, action: string) => globMatch(pattern, action, true);

export function contextValue(context: RequestContext, key: string): string | string[] | undefined {
  return context.get(key.toLowerCase());
}

const VARIABLE = /\$\{([^}]*)\}/g;

/**
 * Splits a pattern into literal text (from variables) and wildcard text, or undefined when it names a
 * variable the request does not have (the element then matches nothing, as in IAM).
 */
function substitute(
  pattern: string,
  context: RequestContext,
): Array<{ text: string; literal: boolean }> | undefined {
  const parts: Array<{ text: string; literal: boolean }> = [];
  let last = 0;
  for (const match of pattern.matchAll(VARIABLE)) {
    parts.push({ text: pattern.slice(last, match.index), literal: false });
    last = match.index + match[0].length;
    const inner = match[1]!.trim();
    if (inner === "*" || inner === "?" || inner === "$") {
      parts.push({ text: inner, literal: true });
      continue;
    }
    const withDefault = inner.match(/^([^,]+?)\s*,\s*'([^']*)'$/);
    const name = withDefault ? withDefault[1]! : inner;
    const value = contextValue(context, name);
    const single = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
    if (single === undefined) {
      if (!withDefault) return undefined;
      parts.push({ text: withDefault[2]!, literal: true });
    } else {
      parts.push({ text: single, literal: true });
    }
  }
  parts.push({ text: pattern.slice(last), literal: false });
  return parts;
}

/**
 * Matches a value against a policy pattern, resolving policy variables when the document's version
 * allows them. Used for Resource/NotResource and the String and Arn condition operators.
 */
export function patternMatch(
  pattern: string,
  value: string,
  options: { variables: boolean; context: RequestContext; ignoreCase?: boolean; wildcards?: boolean },
): boolean {
  const wildcards = options.wildcards ?? true;
  if (!options.variables || !pattern.includes("${")) {
    if (!wildcards) {
      return options.ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
    }
    return globMatch(pattern, value, options.ignoreCase);
  }
  const parts = substitute(pattern, options.context);
  if (!parts) return false;
  const source = parts
    .map((part) => (part.literal || !wildcards ? escapeRegex(part.text) : globSource(part.text)))
    .join("");
  return new RegExp(`^${source}$`, options.ignoreCase ? "i" : "").test(value);
}

/** ArnLike/ArnEquals: each of the six colon-separated parts is matched on its own, wildcards allowed. */
export function arnMatch(pattern: string, arn: string, variables: boolean, context: RequestContext): boolean {
  const patternParts = splitArn(pattern);
  const arnParts = splitArn(arn);
  if (!patternParts || !arnParts) return false;
  return patternParts.every((part, index) => patternMatch(part, arnParts[index]!, { variables, context }));
}

/** "arn:partition:service:region:account:resource" (the resource may itself hold colons). */
function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return arn === "*" ? ["*", "*", "*", "*", "*", "*"] : undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}
