// IAM for the local cloud: roles with trust policies, tags, inline and attached policies, persisted in
// iam.json; tells Lambda whether a role exists and has "propagated" yet (the realism delay).
import { randomInt } from "node:crypto";
import { join } from "node:path";
import {
  QueryError,
  type QueryOperation,
  type QueryParams,
  serveQuery,
  type XmlValue,
} from "./protocol/query.ts";
import { JsonFile } from "./state.ts";
import type { CloudContext, Service } from "./types.ts";

const NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^\/([\x21-\x7E]*\/)?$/;
const POLICY_ARN = /^arn:aws:iam::(aws|\d{12}):policy\/(?:[\x21-\x7E]*\/)?([\w+=,.@-]+)$/;

interface StoredRole {
  RoleName: string;
  RoleId: string;
  Path: string;
  Arn: string;
  CreateDate: string;
  /** The trust policy as sent (decoded); AWS hands it back URL-encoded. */
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: Array<{ Key: string; Value: string }>;
  inlinePolicies: Record<string, string>;
  attachedPolicies: Array<{ PolicyName: string; PolicyArn: string }>;
  /** When the role (or its trust policy) last changed: the propagation delay counts from here. */
  changedAt: number;
}

interface IamState {
  roles: Record<string, StoredRole>;
}

/** RoleId as AWS shapes it: AROA and 17 uppercase letters or digits. */
export function newRoleId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let id = "AROA";
  for (let index = 0; index < 17; index += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

/** Policy documents are JSON objects; AWS rejects anything else as MalformedPolicyDocument. */
function checkPolicyDocument(document: string): string {
  try {
    const parsed = JSON.parse(document) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return document;
  } catch {
    // reported below
  }
  throw new QueryError(400, "MalformedPolicyDocument", "Syntax errors in policy.");
}

function checkName(value: string, pattern: RegExp, field: string): string {
  if (!pattern.test(value)) {
    throw new QueryError(
      400,
      "ValidationError",
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
  return value;
}

function renderRole(role: StoredRole): XmlValue {
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
    RoleLastUsed: {},
  };
}

function readTags(params: QueryParams, name = "Tags"): Array<{ Key: string; Value: string }> {
  return params.structList(name).map((tag) => ({ Key: tag.Key ?? "", Value: tag.Value ?? "" }));
}

export async function createIamService(ctx: CloudContext): Promise<Service> {
  const file = new JsonFile<IamState>(join(ctx.dataDir, "iam.json"), () => ({ roles: {} }));
  const state = file.load();
  const save = () => file.save(state);

  const findRole = (params: QueryParams): StoredRole => {
    const name = params.required("RoleName");
    const role = state.roles[name];
    if (!role) throw new QueryError(404, "NoSuchEntity", `The role with name ${name} cannot be found.`);
    return role;
  };

  ctx.iam = {
    roleStatus(roleArn) {
      const role = Object.values(state.roles).find((candidate) => candidate.Arn === roleArn);
      if (!role) return "missing";
      return Date.now() - role.changedAt < ctx.realism.iamPropagationMs ? "propagating" : "ready";
    },
  };

  const operations: Record<string, QueryOperation> = {
    CreateRole(params) {
      const name = checkName(params.required("RoleName"), ROLE_NAME, "roleName");
      const path = params.get("Path") ?? "/";
      if (!PATH.test(path) || path.length > 512) {
        throw new QueryError(400, "ValidationError", `The specified value for path is invalid: ${path}`);
      }
      const document = checkPolicyDocument(params.required("AssumeRolePolicyDocument"));
      if (state.roles[name]) {
        throw new QueryError(409, "EntityAlreadyExists", `Role with name ${name} already exists.`);
      }
      const maxSession = params.integer("MaxSessionDuration") ?? 3600;
      if (maxSession < 3600 || maxSession > 43200) {
        throw new QueryError(
          400,
          "ValidationError",
          "MaxSessionDuration must be between 3600 and 43200 seconds.",
        );
      }
      const now = new Date();
      const role: StoredRole = {
        RoleName: name,
        RoleId: newRoleId(),
        Path: path,
        Arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
        CreateDate: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
        AssumeRolePolicyDocument: document,
        MaxSessionDuration: maxSession,
        Tags: readTags(params),
        inlinePolicies: {},
        attachedPolicies: [],
        changedAt: now.getTime(),
      };
      const description = params.get("Description");
      if (description !== undefined) role.Description = description;
      state.roles[name] = role;
      save();
      return { Role: renderRole(role) };
    },

    GetRole(params) {
      return { Role: renderRole(findRole(params)) };
    },

    ListRoles(params) {
      const prefix = params.get("PathPrefix") ?? "/";
      const roles = Object.values(state.roles)
        .filter((role) => role.Path.startsWith(prefix))
        .sort((a, b) => a.RoleName.localeCompare(b.RoleName));
      return page(roles.map(renderRole), params, "Roles");
    },

    DeleteRole(params) {
      const role = findRole(params);
      if (Object.keys(role.inlinePolicies).length > 0 || role.attachedPolicies.length > 0) {
        throw new QueryError(409, "DeleteConflict", "Cannot delete entity, must delete policies first.");
      }
      delete state.roles[role.RoleName];
      save();
      return undefined;
    },

    UpdateAssumeRolePolicy(params) {
      const role = findRole(params);
      role.AssumeRolePolicyDocument = checkPolicyDocument(params.required("PolicyDocument"));
      // AWS's trust policy changes take time to reach Lambda too.
      role.changedAt = Date.now();
      save();
      return undefined;
    },

    UpdateRole(params) {
      const role = findRole(params);
      const description = params.get("Description");
      if (description !== undefined) role.Description = description;
      const maxSession = params.integer("MaxSessionDuration");
      if (maxSession !== undefined) role.MaxSessionDuration = maxSession;
      save();
      return {};
    },

    TagRole(params) {
      const role = findRole(params);
      for (const tag of readTags(params)) {
        const existing = role.Tags.find((candidate) => candidate.Key === tag.Key);
        if (existing) existing.Value = tag.Value;
        else role.Tags.push(tag);
      }
      if (role.Tags.length > 50)
        throw new QueryError(409, "LimitExceeded", "A role can have at most 50 tags.");
      save();
      return undefined;
    },

    UntagRole(params) {
      const role = findRole(params);
      const keys = new Set(params.list("TagKeys"));
      role.Tags = role.Tags.filter((tag) => !keys.has(tag.Key));
      save();
      return undefined;
    },

    ListRoleTags(params) {
      return page(findRole(params).Tags, params, "Tags");
    },

    PutRolePolicy(params) {
      const role = findRole(params);
      const name = checkName(params.required("PolicyName"), POLICY_NAME, "policyName");
      role.inlinePolicies[name] = checkPolicyDocument(params.required("PolicyDocument"));
      save();
      return undefined;
    },

    GetRolePolicy(params) {
      const role = findRole(params);
      const name = params.required("PolicyName");
      const document = role.inlinePolicies[name];
      if (document === undefined) {
        throw new QueryError(404, "NoSuchEntity", `The role policy with name ${name} cannot be found.`);
      }
      return { RoleName: role.RoleName, PolicyName: name, PolicyDocument: encodeURIComponent(document) };
    },

    DeleteRolePolicy(params) {
      const role = findRole(params);
      const name = params.required("PolicyName");
      if (role.inlinePolicies[name] === undefined) {
        throw new QueryError(404, "NoSuchEntity", `The role policy with name ${name} cannot be found.`);
      }
      delete role.inlinePolicies[name];
      save();
      return undefined;
    },

    ListRolePolicies(params) {
      return page(Object.keys(findRole(params).inlinePolicies).sort(), params, "PolicyNames");
    },

    AttachRolePolicy(params) {
      const role = findRole(params);
      const arn = params.required("PolicyArn");
      const match = arn.match(POLICY_ARN);
      if (!match) throw new QueryError(400, "InvalidInput", `ARN ${arn} is not valid.`);
      if (!role.attachedPolicies.some((policy) => policy.PolicyArn === arn)) {
        role.attachedPolicies.push({ PolicyName: match[2]!, PolicyArn: arn });
        save();
      }
      return undefined;
    },

    DetachRolePolicy(params) {
      const role = findRole(params);
      const arn = params.required("PolicyArn");
      const index = role.attachedPolicies.findIndex((policy) => policy.PolicyArn === arn);
      if (index < 0) throw new QueryError(404, "NoSuchEntity", `Policy ${arn} was not found.`);
      role.attachedPolicies.splice(index, 1);
      save();
      return undefined;
    },

    ListAttachedRolePolicies(params) {
      return page(findRole(params).attachedPolicies, params, "AttachedPolicies");
    },
  };

  return {
    name: "iam",
    handle: (req, res) => serveQuery(req, res, NAMESPACE, operations),
  };
}

/** IAM's Marker/MaxItems paging; the marker is the offset of the next item. */
function page(items: XmlValue[], params: QueryParams, field: string): XmlValue {
  const start = Number(params.get("Marker") ?? 0) || 0;
  const size = params.integer("MaxItems") ?? 100;
  const slice = items.slice(start, start + size);
  const truncated = start + size < items.length;
  return { [field]: slice, IsTruncated: truncated, Marker: truncated ? String(start + size) : undefined };
}
