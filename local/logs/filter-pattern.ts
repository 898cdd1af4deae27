// CloudWatch Logs filter patterns for unstructured events: plain terms and "quoted phrases" must all
// appear (case-sensitive), `-term` must not, and `?a ?b` matches events containing any of them.
// JSON and space-delimited patterns ({ $.x = 1 }, [a, b]) are not emulated: they match everything.

export type EventMatcher = (message: string) => boolean;

export function compileFilterPattern(pattern: string | undefined): EventMatcher {
  const text = pattern?.trim() ?? "";
  if (text === "" || text.startsWith("{") || text.startsWith("[")) return () => true;
  const required: string[] = [];
  const excluded: string[] = [];
  const anyOf: string[] = [];
  for (const match of text.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const term = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]!;
    if (match[1] === "-") excluded.push(term);
    else if (match[1] === "?") anyOf.push(term);
    else required.push(term);
  }
  return (message) =>
    required.every((term) => message.includes(term)) &&
    !excluded.some((term) => message.includes(term)) &&
    (anyOf.length === 0 || anyOf.some((term) => message.includes(term)));
}
