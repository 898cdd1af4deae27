// IAM role operations: roles with their trust policies and tags, validated and worded as IAM answers.
import { QueryError, type QueryParams, type XmlValue } from "../protocol/query.ts";
import type { CloudContext } from "../types.ts";
import type { QueryOperationSpec } from "./operation-table.ts";
import { MalformedPolicy, policySize, validatePolicy } from "./policy/validate.ts";
import type { PolicyReport } from "./report.ts";
import { type IamStore, isoSeconds, newUniqueId, type StoredRole } from "./store.ts";

export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
export const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^\/([\x21-\x7E]*\/)?$/;
const TRUST_POLICY_QUOTA = 2048;

export interface IamContext {
  ctx: CloudContext;
  store: IamStore;
  report: PolicyReport;
}

export function validationError(value: string, field: string, pattern: RegExp): QueryError {
  return new QueryError(
    400,
    "ValidationError",
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
  );
}

export function checkName(value: string, pattern: RegExp, field: string): string {
  if (!pattern.test(value)) throw validationError(value, field, pattern);
  return value;
}

/** MalformedPolicyDocument with IAM's message for the first problem of a document. */
export function checkDocument(text: string, kind: "inline" | "managed" | "trust", store?: IamStore): string {
  try {
    validatePolicy(text, kind, (arn) => Boolean(store?.roleByArn(arn)));
  } catch (error) {
    if (error instanceof MalformedPolicy) throw new QueryError(400, "MalformedPolicyDocument", error.message);
    throw error;
  }
  return text;
}

function checkTrustPolicy(text: string, store: IamStore): string {
  checkDocument(text, "trust", store);
  if (policySize(text) > TRUST_POLICY_QUOTA) {
    throw new QueryError(
      409,
      "LimitExceeded",
      `Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_QUOTA}`,
    );
  }
  return text;
}

export function readTags(params: QueryParams, name = "Tags"): Array<{ Key: string; Value: string }> {
  return params.structList(name).map((tag) => ({ Key: tag.Key ?? "", Value: tag.Value ?? "" }));
}

export function findRole(store: IamStore, params: QueryParams): StoredRole {
  const name = params.required("RoleName");
  const role = store.role(name);
  if (!role) throw new QueryError(404, "NoSuchEntity", `The role with name ${name} cannot be found.`);
  return role;
}

/** The role's ARN for authorization: the stored one (with its path), or what it would be. */
export function roleResource(iam: IamContext, params: QueryParams): string {
  const name = params.get("RoleName") ?? "";
  return (
    iam.store.role(name)?.Arn ?? `arn:aws:iam::${iam.ctx.accountId}:role${params.get("Path") ?? "/"}${name}`
  );
}

function renderRole(role: StoredRole, report: PolicyReport): XmlValue {
  const lastUsed = report.lastUsed(role.RoleName);
  return {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: role.CreateDate,
    AssumeRolePolicyDocument: encodeURIComponent(role.AssumeRolePolicyDocument),
    Description: role.Description,
    MaxSessionDuration: role.MaxSessionDuration,
    Tags: role.Tags.length > 0 ? role.Tags : undefined,
    RoleLastUsed: lastUsed
      ? { LastUsedDate: isoSeconds(new Date(lastUsed.at)), Region: lastUsed.region }
      : {},
  };
}

function checkMaxSession(value: number | undefined): number | undefined {
  if (value !== undefined && (value < 3600 || value > 43200)) {
    throw new QueryError(
      400,
      "ValidationError",
      "MaxSessionDuration must be between 3600 and 43200 seconds.",
    );
  }
  return value;
}

/** IAM's Marker/MaxItems paging; the marker is the offset of the next item. */
export function page(items: XmlValue[], params: QueryParams, field: string): XmlValue {
  const start = Number(params.get("Marker") ?? 0) || 0;
  const size = params.integer("MaxItems") ?? 100;
  const slice = items.slice(start, start + size);
  const truncated = start + size < items.length;
  return { [field]: slice, IsTruncated: truncated, Marker: truncated ? String(start + size) : undefined };
}

export function roleOperations(iam: IamContext): Record<string, QueryOperationSpec> {
  const { ctx, store, report } = iam;
  const onRole = (action: string) => (params: QueryParams) => ({
    action,
    resources: [roleResource(iam, params)],
  });
  const save = () => store.save();

  return {
    CreateRole: {
      iam: onRole("iam:CreateRole"),
      run(params) {
        const name = checkName(params.required("RoleName"), ROLE_NAME, "roleName");
        const path = params.get("Path") ?? "/";
        if (!PATH.test(path) || path.length > 512) {
          throw new QueryError(400, "ValidationError", `The specified value for path is invalid: ${path}`);
        }
        if (store.role(name)) {
          throw new QueryError(409, "EntityAlreadyExists", `Role with name ${name} already exists.`);
        }
        const document = checkTrustPolicy(params.required("AssumeRolePolicyDocument"), store);
        const now = new Date();
        const role: StoredRole = {
          RoleName: name,
          RoleId: newUniqueId("AROA"),
          Path: path,
          Arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
          CreateDate: isoSeconds(now),
          AssumeRolePolicyDocument: document,
          MaxSessionDuration: checkMaxSession(params.integer("MaxSessionDuration")) ?? 3600,
          Tags: readTags(params),
          inlinePolicies: new Map(),
          attachedPolicies: [],
          changedAt: now.getTime(),
        };
        const description = params.get("Description");
        if (description !== undefined) role.Description = description;
        store.roles.set(name.toLowerCase(), role);
        report.forget(name);
        save();
        return { Role: renderRole(role, report) };
      },
    },

    GetRole: {
      iam: onRole("iam:GetRole"),
      run: (params) => ({ Role: renderRole(findRole(store, params), report) }),
    },

    ListRoles: {
      iam: () => ({ action: "iam:ListRoles", resources: ["*"] }),
      run(params) {
        const prefix = params.get("PathPrefix") ?? "/";
        const roles = [...store.roles.values()]
          .filter((role) => role.Path.startsWith(prefix))
          .sort((a, b) => a.RoleName.localeCompare(b.RoleName));
        return page(
          roles.map((role) => renderRole(role, report)),
          params,
          "Roles",
        );
      },
    },

    DeleteRole: {
      iam: onRole("iam:DeleteRole"),
      run(params) {
        const role = findRole(store, params);
        if (role.inlinePolicies.size > 0) {
          throw new QueryError(409, "DeleteConflict", "Cannot delete entity, must delete policies first.");
        }
        if (role.attachedPolicies.length > 0) {
          throw new QueryError(
            409,
            "DeleteConflict",
            "Cannot delete entity, must detach all policies first.",
          );
        }
        store.roles.delete(role.RoleName.toLowerCase());
        save();
        return undefined;
      },
    },

    UpdateAssumeRolePolicy: {
      iam: onRole("iam:UpdateAssumeRolePolicy"),
      run(params) {
        const role = findRole(store, params);
        role.AssumeRolePolicyDocument = checkTrustPolicy(params.required("PolicyDocument"), store);
        // AWS's trust policy changes take time to reach Lambda too.
        role.changedAt = Date.now();
        save();
        return undefined;
      },
    },

    UpdateRole: {
      iam: onRole("iam:UpdateRole"),
      run(params) {
        const role = findRole(store, params);
        const description = params.get("Description");
        if (description !== undefined) role.Description = description;
        const maxSession = checkMaxSession(params.integer("MaxSessionDuration"));
        if (maxSession !== undefined) role.MaxSessionDuration = maxSession;
        save();
        return {};
      },
    },

    UpdateRoleDescription: {
      iam: onRole("iam:UpdateRoleDescription"),
      run(params) {
        const role = findRole(store, params);
        role.Description = params.required("Description");
        save();
        return { Role: renderRole(role, report) };
      },
    },

    TagRole: {
      iam: onRole("iam:TagRole"),
      run(params) {
        const role = findRole(store, params);
        const tags = role.Tags.map((tag) => ({ ...tag }));
        for (const tag of readTags(params)) {
          const existing = tags.find((candidate) => candidate.Key === tag.Key);
          if (existing) existing.Value = tag.Value;
          else tags.push(tag);
        }
        if (tags.length > 50) throw new QueryError(409, "LimitExceeded", "A role can have at most 50 tags.");
        role.Tags = tags;
        save();
        return undefined;
      },
    },

    UntagRole: {
      iam: onRole("iam:UntagRole"),
      run(params) {
        const role = findRole(store, params);
        const keys = new Set(params.list("TagKeys"));
        role.Tags = role.Tags.filter((tag) => !keys.has(tag.Key));
        save();
        return undefined;
      },
    },

    ListRoleTags: {
      iam: onRole("iam:ListRoleTags"),
      run: (params) => page(findRole(store, params).Tags, params, "Tags"),
    },
  };
}
