// Which deployed resource and method a request path reaches, as API Gateway chooses: literal parts before
// `{param}` before greedy `{proxy+}`, the exact method before ANY.
import type { StoredMethod, StoredResource } from "./model.ts";

export interface RouteMatch {
  resource: StoredResource;
  method: StoredMethod;
  pathParameters: Record<string, string>;
}

/** How well one template part matched: higher wins when two resources fit the same path. */
const LITERAL = 3;
const PARAMETER = 2;
const GREEDY = 1;

function matchResource(
  template: string,
  segments: string[],
): { score: number[]; parameters: Record<string, string> } | undefined {
  const parts = template.split("/").filter(Boolean);
  const parameters: Record<string, string> = {};
  const score: number[] = [];
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index]!;
    const greedy = part.match(/^\{(.+)\+\}$/);
    if (greedy) {
      // `{proxy+}` swallows one or more remaining segments, and must be last.
      if (index !== parts.length - 1 || segments.length <= index) return undefined;
      parameters[greedy[1]!] = segments.slice(index).join("/");
      score.push(GREEDY);
      return { score, parameters };
    }
    const segment = segments[index];
    if (segment === undefined) return undefined;
    const parameter = part.match(/^\{(.+)\}$/);
    if (parameter) {
      parameters[parameter[1]!] = segment;
      score.push(PARAMETER);
    } else if (part === segment) {
      score.push(LITERAL);
    } else {
      return undefined;
    }
  }
  return segments.length === parts.length ? { score, parameters } : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** `path` is the decoded request path below the stage, starting with "/". */
export function matchRoute(
  resources: StoredResource[],
  path: string,
  httpMethod: string,
): RouteMatch | undefined {
  const segments = path.split("/").filter(Boolean);
  let best: { resource: StoredResource; score: number[]; parameters: Record<string, string> } | undefined;
  for (const resource of resources) {
    const matched = matchResource(resource.path, segments);
    if (matched && (!best || compareScores(matched.score, best.score) > 0)) {
      best = { resource, ...matched };
    }
  }
  if (!best) return undefined;
  const methods = best.resource.resourceMethods;
  const method = methods[httpMethod.toUpperCase()] ?? methods.ANY;
  if (!method) return undefined;
  return { resource: best.resource, method, pathParameters: best.parameters };
}
