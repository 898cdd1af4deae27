// IAM operations on managed policies: the account's own (created, versioned, deleted as IAM orders it) and
// AWS's catalogue (read-only), as GetPolicy, GetPolicyVersion and ListPolicies show them.
import { QueryError, type QueryParams, type XmlValue } from "../protocol/query.ts";
import { awsManagedPolicies, awsManagedPolicy } from "./managed.ts";
import type { QueryOperationSpec } from "./operation-table.ts";
import { policySize } from "./policy/validate.ts";
import { checkDocument, checkName, type IamContext, POLICY_NAME, page, readTags } from "./roles.ts";
import { isoSeconds, newUniqueId, type PolicyView, type StoredPolicy } from "./store.ts";

const PATH = /^\/([\x21-\x7E]*\/)?$/;
const MANAGED_QUOTA = 6_144;
const VERSIONS_QUOTA = 5;

function checkManagedSize(document: string): string {
  if (policySize(document) > MANAGED_QUOTA) {
    throw new QueryError(409, "LimitExceeded", `Cannot exceed quota for PolicySize: ${MANAGED_QUOTA}`);
  }
  return document;
}

export function policyOperations(iam: IamContext): Record<string, QueryOperationSpec> {
  const { ctx, store } = iam;
  const save = () => store.save();
  const onPolicy = (action: string) => (params: QueryParams) => ({
    action,
    resources: [params.get("PolicyArn") ?? "*"],
  });
  const customPolicy = (params: QueryParams): StoredPolicy => {
    const arn = params.required("PolicyArn");
    const policy = store.policies.get(arn);
    if (!policy) throw new QueryError(404, "NoSuchEntity", `Policy ${arn} was not found.`);
    return policy;
  };
  const renderPolicy = (policy: PolicyView): XmlValue => ({
    PolicyName: policy.PolicyName,
    PolicyId: policy.PolicyId,
    Arn: policy.Arn,
    Path: policy.Path,
    DefaultVersionId: policy.DefaultVersionId,
    AttachmentCount: store.attachmentCount(policy.Arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: policy.Description,
    CreateDate: policy.CreateDate,
    UpdateDate: policy.UpdateDate,
    Tags: policy.Tags && policy.Tags.length > 0 ? policy.Tags : undefined,
  });
  const renderVersion = (
    version: { VersionId: string; Document: string; CreateDate: string },
    isDefault: boolean,
  ) => ({
    Document: encodeURIComponent(version.Document),
    VersionId: version.VersionId,
    IsDefaultVersion: isDefault,
    CreateDate: version.CreateDate,
  });

  return {
    CreatePolicy: {
      iam: (params) => ({
        action: "iam:CreatePolicy",
        resources: [
          `arn:aws:iam::${ctx.accountId}:policy${params.get("Path") ?? "/"}${params.get("PolicyName") ?? ""}`,
        ],
      }),
      run(params) {
        const name = checkName(params.required("PolicyName"), POLICY_NAME, "policyName");
        const path = params.get("Path") ?? "/";
        if (!PATH.test(path))
          throw new QueryError(400, "ValidationError", `The specified value for path is invalid: ${path}`);
        const document = checkManagedSize(checkDocument(params.required("PolicyDocument"), "managed"));
        const lower = name.toLowerCase();
        if ([...store.policies.values()].some((policy) => policy.PolicyName.toLowerCase() === lower)) {
          throw new QueryError(
            409,
            "EntityAlreadyExists",
            `A policy called ${name} already exists. Duplicate names are not allowed.`,
          );
        }
        const now = isoSeconds();
        const policy: StoredPolicy = {
          PolicyName: name,
          PolicyId: newUniqueId("ANPA"),
          Arn: `arn:aws:iam::${ctx.accountId}:policy${path}${name}`,
          Path: path,
          CreateDate: now,
          UpdateDate: now,
          DefaultVersionId: "v1",
          versions: [{ VersionId: "v1", Document: document, CreateDate: now }],
          nextVersion: 2,
          Tags: readTags(params),
        };
        const description = params.get("Description");
        if (description !== undefined) policy.Description = description;
        store.policies.set(policy.Arn, policy);
        save();
        return { Policy: renderPolicy(policy) };
      },
    },

    GetPolicy: {
      iam: onPolicy("iam:GetPolicy"),
      run(params) {
        const arn = params.required("PolicyArn");
        const policy = store.policyView(arn);
        if (!policy) throw new QueryError(404, "NoSuchEntity", `Policy ${arn} was not found.`);
        return { Policy: renderPolicy(policy) };
      },
    },

    GetPolicyVersion: {
      iam: onPolicy("iam:GetPolicyVersion"),
      run(params) {
        const arn = params.required("PolicyArn");
        const versionId = params.required("VersionId");
        const managed = awsManagedPolicy(arn);
        if (managed && managed.DefaultVersionId === versionId) {
          const version = {
            VersionId: versionId,
            Document: JSON.stringify(managed.Document),
            CreateDate: managed.UpdateDate,
          };
          return { PolicyVersion: renderVersion(version, true) };
        }
        const policy = store.policies.get(arn);
        const version = policy?.versions.find((candidate) => candidate.VersionId === versionId);
        if (!policy || !version) {
          throw new QueryError(
            404,
            "NoSuchEntity",
            `Policy ${arn} version ${versionId} does not exist or is not attachable.`,
          );
        }
        return { PolicyVersion: renderVersion(version, version.VersionId === policy.DefaultVersionId) };
      },
    },

    ListPolicies: {
      iam: () => ({ action: "iam:ListPolicies", resources: ["*"] }),
      run(params) {
        const scope = params.get("Scope") ?? "All";
        const prefix = params.get("PathPrefix") ?? "/";
        const onlyAttached = params.get("OnlyAttached") === "true";
        const all: PolicyView[] = [
          ...(scope === "Local" ? [] : awsManagedPolicies()),
          ...(scope === "AWS" ? [] : [...store.policies.values()]),
        ];
        const listed = all
          .filter((policy) => policy.Path.startsWith(prefix))
          .filter((policy) => !onlyAttached || store.attachmentCount(policy.Arn) > 0)
          .sort((a, b) => a.PolicyName.localeCompare(b.PolicyName));
        return page(listed.map(renderPolicy), params, "Policies");
      },
    },

    DeletePolicy: {
      iam: onPolicy("iam:DeletePolicy"),
      run(params) {
        const policy = customPolicy(params);
        if (store.attachmentCount(policy.Arn) > 0) {
          throw new QueryError(409, "DeleteConflict", "Cannot delete a policy attached to entities.");
        }
        if (policy.versions.length > 1) {
          throw new QueryError(
            409,
            "DeleteConflict",
            "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
          );
        }
        store.policies.delete(policy.Arn);
        save();
        return undefined;
      },
    },

    CreatePolicyVersion: {
      iam: onPolicy("iam:CreatePolicyVersion"),
      run(params) {
        const policy = customPolicy(params);
        const document = checkManagedSize(checkDocument(params.required("PolicyDocument"), "managed"));
        if (policy.versions.length >= VERSIONS_QUOTA) {
          throw new QueryError(
            409,
            "LimitExceeded",
            "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
          );
        }
        const version = { VersionId: `v${policy.nextVersion}`, Document: document, CreateDate: isoSeconds() };
        policy.nextVersion += 1;
        policy.versions.push(version);
        if (params.get("SetAsDefault") === "true") policy.DefaultVersionId = version.VersionId;
        policy.UpdateDate = version.CreateDate;
        save();
        return { PolicyVersion: renderVersion(version, policy.DefaultVersionId === version.VersionId) };
      },
    },

    ListPolicyVersions: {
      iam: onPolicy("iam:ListPolicyVersions"),
      run(params) {
        const policy = customPolicy(params);
        const versions = [...policy.versions].reverse().map((version) => {
          const { Document: _document, ...rest } = renderVersion(
            version,
            version.VersionId === policy.DefaultVersionId,
          );
          return rest;
        });
        return page(versions, params, "Versions");
      },
    },

    DeletePolicyVersion: {
      iam: onPolicy("iam:DeletePolicyVersion"),
      run(params) {
        const policy = customPolicy(params);
        const versionId = params.required("VersionId");
        if (versionId === policy.DefaultVersionId) {
          throw new QueryError(409, "DeleteConflict", "Cannot delete the default version of a policy.");
        }
        const index = policy.versions.findIndex((version) => version.VersionId === versionId);
        if (index < 0)
          throw new QueryError(
            404,
            "NoSuchEntity",
            `Policy ${policy.Arn} version ${versionId} does not exist.`,
          );
        policy.versions.splice(index, 1);
        save();
        return undefined;
      },
    },

    SetDefaultPolicyVersion: {
      iam: onPolicy("iam:SetDefaultPolicyVersion"),
      run(params) {
        const policy = customPolicy(params);
        const versionId = params.required("VersionId");
        if (!policy.versions.some((version) => version.VersionId === versionId)) {
          throw new QueryError(
            404,
            "NoSuchEntity",
            `Policy ${policy.Arn} version ${versionId} does not exist.`,
          );
        }
        policy.DefaultVersionId = versionId;
        save();
        return undefined;
      },
    },

    ListEntitiesForPolicy: {
      iam: onPolicy("iam:ListEntitiesForPolicy"),
      run(params) {
        const arn = params.required("PolicyArn");
        if (!store.policyView(arn)) throw new QueryError(404, "NoSuchEntity", `Policy ${arn} was not found.`);
        const roles = [...store.roles.values()]
          .filter((role) => role.attachedPolicies.some((attached) => attached.PolicyArn === arn))
          .map((role) => ({ RoleName: role.RoleName, RoleId: role.RoleId }));
        return { PolicyGroups: [], PolicyUsers: [], PolicyRoles: roles, IsTruncated: false };
      },
    },
  };
}
