// What `s3size policy` concludes for one role from its policies and its report: uses granted, uses denied,
// grants never used, and the least-privilege policy its uses call for. Plain functions of plain data.
import type { PolicyDocument } from "./policy/document.ts";
import { actionMatches, globMatch } from "./policy/match.ts";
import type { RoleUsage, UsageEntry } from "./report.ts";

export interface Grant {
  policy: string;
  sid?: string;
  /** An action pattern of an Allow statement, or "NotAction: …" for a statement granting by exclusion. */
  action: string;
  resource: string;
}

export interface RoleAnalysis {
  role: string;
  usedAndGranted: UsageEntry[];
  usedButDenied: UsageEntry[];
  grantedButUnused: Grant[];
  /** Uses past the report's per-role bound were counted together, so some resources are not listed. */
  truncated: boolean;
  suggestedPolicy: {
    Version: "2012-10-17";
    Statement: Array<{ Sid: string; Effect: "Allow"; Action: string[]; Resource: string[] }>;
  };
}

/** A pattern with policy variables is compared as if each variable were a wildcard. */
const loosely = (pattern: string) => pattern.replace(/\$\{[^}]*\}/g, "*");

/** Every (action, resource) an Allow statement grants, as the report can be checked against. */
export function grantsOf(policies: Array<{ name: string; document: PolicyDocument }>): Grant[] {
  const grants: Grant[] = [];
  for (const { name, document } of policies) {
    for (const statement of document.statements) {
      if (statement.effect !== "Allow") continue;
      const actions = statement.action ?? [`NotAction: ${(statement.notAction ?? []).join(", ")}`];
      const resources = statement.resource ?? [`NotResource: ${(statement.notResource ?? []).join(", ")}`];
      for (const action of actions) {
        for (const resource of resources) {
          grants.push({ policy: name, ...(statement.sid ? { sid: statement.sid } : {}), action, resource });
        }
      }
    }
  }
  return grants;
}

function grantCovers(grant: Grant, entry: UsageEntry): boolean {
  const action = grant.action.startsWith("NotAction: ")
    ? !grant.action
        .slice(11)
        .split(", ")
        .some((pattern) => actionMatches(pattern, entry.action))
    : actionMatches(grant.action, entry.action);
  if (!action) return false;
  if (grant.resource.startsWith("NotResource: ")) {
    return !grant.resource
      .slice(13)
      .split(", ")
      .some((pattern) => globMatch(loosely(pattern), entry.resource));
  }
  return entry.resource === "*" || globMatch(loosely(grant.resource), entry.resource);
}

/** How a used resource appears in a suggested policy: a log stream as its group's streams. */
function suggestedResource(resource: string): string {
  const stream = resource.match(/^(arn:aws[\w-]*:logs:[^:]+:\d+:log-group:.+?):log-stream:.*$/);
  return stream ? `${stream[1]}:*` : resource;
}

/** Objects of one bucket: beyond a handful of keys, the bucket's objects as a whole. */
const OBJECT_KEYS_LISTED = 10;

function suggestPolicy(entries: UsageEntry[]): RoleAnalysis["suggestedPolicy"] {
  const resourcesByAction = new Map<string, Set<string>>();
  for (const entry of entries) {
    const resources = resourcesByAction.get(entry.action) ?? new Set<string>();
    resources.add(suggestedResource(entry.resource));
    resourcesByAction.set(entry.action, resources);
  }
  for (const [action, resources] of resourcesByAction) {
    const byBucket = new Map<string, string[]>();
    for (const resource of resources) {
      const object = resource.match(/^(arn:aws[\w-]*:s3:::[^/]+)\/.+$/);
      if (object) byBucket.set(object[1]!, [...(byBucket.get(object[1]!) ?? []), resource]);
    }
    for (const [bucket, objects] of byBucket) {
      if (objects.length <= OBJECT_KEYS_LISTED) continue;
      for (const object of objects) resources.delete(object);
      resources.add(`${bucket}/*`);
    }
    if (resources.has("*")) resourcesByAction.set(action, new Set(["*"]));
  }
  // Actions on the very same resources share a statement.
  const statements = new Map<string, { actions: string[]; resources: string[] }>();
  for (const [action, resources] of [...resourcesByAction].sort(([a], [b]) => a.localeCompare(b))) {
    const list = [...resources].sort();
    const key = list.join("\n");
    const statement = statements.get(key) ?? { actions: [], resources: list };
    statement.actions.push(action);
    statements.set(key, statement);
  }
  const counters = new Map<string, number>();
  return {
    Version: "2012-10-17",
    Statement: [...statements.values()].map(({ actions, resources }) => {
      const service = actions[0]!.split(":")[0]!.replace(/[^A-Za-z0-9]/g, "");
      const count = (counters.get(service) ?? 0) + 1;
      counters.set(service, count);
      const sid = `${service.charAt(0).toUpperCase()}${service.slice(1)}${count > 1 ? count : ""}`;
      return { Sid: sid, Effect: "Allow" as const, Action: actions, Resource: resources };
    }),
  };
}

export function analyzeRole(
  role: string,
  usage: RoleUsage | undefined,
  policies: Array<{ name: string; document: PolicyDocument }>,
): RoleAnalysis {
  const entries = usage?.entries ?? [];
  const grants = grantsOf(policies);
  return {
    role,
    usedAndGranted: entries.filter((entry) => entry.allowed > 0),
    usedButDenied: entries.filter((entry) => entry.denied > 0),
    grantedButUnused: grants.filter(
      (grant) => !entries.some((entry) => entry.allowed > 0 && grantCovers(grant, entry)),
    ),
    truncated: usage?.overflowed ?? false,
    suggestedPolicy: suggestPolicy(entries),
  };
}
