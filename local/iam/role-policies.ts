// IAM operations on a role's permissions: its inline policies (validated, within IAM's size quota) and the
// managed policies attached to it (AWS's catalogue or the account's own; anything else does not exist).
import { QueryError, type QueryParams } from "../protocol/query.ts";
import type { QueryOperationSpec } from "./operation-table.ts";
import { policySize } from "./policy/validate.ts";
import {
  checkDocument,
  checkName,
  findRole,
  type IamContext,
  POLICY_NAME,
  page,
  roleResource,
} from "./roles.ts";

const POLICY_ARN = /^arn:aws:iam::(aws|\d{12}):policy\/(?:[\x21-\x7E]*\/)?([\w+=,.@-]+)$/;
const INLINE_QUOTA = 10_240;
const ATTACHED_QUOTA = 10;

export function rolePolicyOperations(iam: IamContext): Record<string, QueryOperationSpec> {
  const { store } = iam;
  const save = () => store.save();
  const onRole = (action: string) => (params: QueryParams) => ({
    action,
    resources: [roleResource(iam, params)],
    ...(params.get("PolicyArn") ? { context: { "iam:PolicyARN": params.get("PolicyArn")! } } : {}),
  });

  return {
    PutRolePolicy: {
      iam: onRole("iam:PutRolePolicy"),
      run(params) {
        const role = findRole(store, params);
        const name = checkName(params.required("PolicyName"), POLICY_NAME, "policyName");
        const document = checkDocument(params.required("PolicyDocument"), "inline");
        // The quota is on all of a role's inline policies together.
        let total = policySize(document);
        for (const [other, text] of role.inlinePolicies) if (other !== name) total += policySize(text);
        if (total > INLINE_QUOTA) {
          throw new QueryError(
            409,
            "LimitExceeded",
            `Maximum policy size of ${INLINE_QUOTA} bytes exceeded for role ${role.RoleName}`,
          );
        }
        role.inlinePolicies.set(name, document);
        save();
        return undefined;
      },
    },

    GetRolePolicy: {
      iam: onRole("iam:GetRolePolicy"),
      run(params) {
        const role = findRole(store, params);
        const name = params.required("PolicyName");
        const document = role.inlinePolicies.get(name);
        if (document === undefined) {
          throw new QueryError(404, "NoSuchEntity", `The role policy with name ${name} cannot be found.`);
        }
        return { RoleName: role.RoleName, PolicyName: name, PolicyDocument: encodeURIComponent(document) };
      },
    },

    DeleteRolePolicy: {
      iam: onRole("iam:DeleteRolePolicy"),
      run(params) {
        const role = findRole(store, params);
        const name = params.required("PolicyName");
        if (!role.inlinePolicies.delete(name)) {
          throw new QueryError(404, "NoSuchEntity", `The role policy with name ${name} cannot be found.`);
        }
        save();
        return undefined;
      },
    },

    ListRolePolicies: {
      iam: onRole("iam:ListRolePolicies"),
      run: (params) => page([...findRole(store, params).inlinePolicies.keys()].sort(), params, "PolicyNames"),
    },

    AttachRolePolicy: {
      iam: onRole("iam:AttachRolePolicy"),
      run(params) {
        const role = findRole(store, params);
        const arn = params.required("PolicyArn");
        const match = arn.match(POLICY_ARN);
        if (!match) throw new QueryError(400, "InvalidInput", `ARN ${arn} is not valid.`);
        if (!store.policyView(arn)) {
          throw new QueryError(404, "NoSuchEntity", `Policy ${arn} does not exist or is not attachable.`);
        }
        if (role.attachedPolicies.some((policy) => policy.PolicyArn === arn)) return undefined;
        if (role.attachedPolicies.length >= ATTACHED_QUOTA) {
          throw new QueryError(
            409,
            "LimitExceeded",
            `Cannot exceed quota for PoliciesPerRole: ${ATTACHED_QUOTA}`,
          );
        }
        role.attachedPolicies.push({ PolicyName: match[2]!, PolicyArn: arn });
        save();
        return undefined;
      },
    },

    DetachRolePolicy: {
      iam: onRole("iam:DetachRolePolicy"),
      run(params) {
        const role = findRole(store, params);
        const arn = params.required("PolicyArn");
        const index = role.attachedPolicies.findIndex((policy) => policy.PolicyArn === arn);
        if (index < 0) throw new QueryError(404, "NoSuchEntity", `Policy ${arn} was not found.`);
        role.attachedPolicies.splice(index, 1);
        save();
        return undefined;
      },
    },

    ListAttachedRolePolicies: {
      iam: onRole("iam:ListAttachedRolePolicies"),
      run: (params) => page(findRole(store, params).attachedPolicies, params, "AttachedPolicies"),
    },
  };
}
