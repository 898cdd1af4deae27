// A function's resource policy (AddPermission, GetPolicy, RemovePermission) and its tags, with their IAM
// requirements. Tag operations name the function by its full ARN under /2017-03-31/tags/.
import { LambdaError } from "./errors.ts";
import { functionArn } from "./functions.ts";
import { findFunction } from "./lookup.ts";
import { type Call, functionPath, type LambdaOperation, onFunction } from "./operation.ts";
import { checkRevision } from "./operations.ts";
import { type AddPermissionInput, buildStatement, policyDocument } from "./permissions.ts";
import { invalidParameter } from "./validation.ts";

const tagsPath = /^\/2017-03-31\/tags\/([^/]+)\/?$/;

/** The tag operations' resource is the ARN in the path, in the request's region. */
const taggedFunction = (call: Call) => findFunction(call.deps.store, call.params[0] ?? "", call.region);
const onTaggedFunction = (action: string) => (call: Call) => [{ action, resources: [call.params[0] ?? "*"] }];

export const policyOperations: LambdaOperation[] = [
  {
    name: "AddPermission",
    method: "POST",
    path: functionPath("/policy"),
    iam: onFunction("lambda:AddPermission"),
    run: (call) => {
      const record = call.record();
      const permission = call.body() as AddPermissionInput & { RevisionId?: string };
      checkRevision(record, permission.RevisionId);
      if (!permission.StatementId || !permission.Action || !permission.Principal) {
        throw invalidParameter("StatementId, Action and Principal are required.");
      }
      if (record.policy.some((statement) => statement.Sid === permission.StatementId)) {
        throw new LambdaError(
          409,
          "ResourceConflictException",
          `The statement id (${permission.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        );
      }
      const statement = buildStatement(permission, functionArn(record));
      record.policy.push(statement);
      call.deps.store.touch(record, "policy");
      return { status: 201, body: { Statement: JSON.stringify(statement) } };
    },
  },
  {
    name: "GetPolicy",
    method: "GET",
    path: functionPath("/policy"),
    iam: onFunction("lambda:GetPolicy"),
    run: (call) => {
      const record = call.record();
      if (record.policy.length === 0) {
        throw new LambdaError(404, "ResourceNotFoundException", "The resource you requested does not exist.");
      }
      return { status: 200, body: { Policy: policyDocument(record.policy), RevisionId: record.revisionId } };
    },
  },
  {
    name: "RemovePermission",
    method: "DELETE",
    path: functionPath("/policy/([^/]+)"),
    iam: onFunction("lambda:RemovePermission"),
    run: (call) => {
      const record = call.record();
      const sid = call.params[1] ?? "";
      checkRevision(record, call.req.query.get("RevisionId") ?? undefined);
      const index = record.policy.findIndex((statement) => statement.Sid === sid);
      if (index < 0) {
        throw new LambdaError(
          404,
          "ResourceNotFoundException",
          `Statement ${sid} is not found in resource policy.`,
        );
      }
      record.policy.splice(index, 1);
      call.deps.store.touch(record, "policy");
      return { status: 204 };
    },
  },
  {
    name: "ListTags",
    method: "GET",
    path: tagsPath,
    iam: onTaggedFunction("lambda:ListTags"),
    run: (call) => ({ status: 200, body: { Tags: taggedFunction(call).tags } }),
  },
  {
    name: "TagResource",
    method: "POST",
    path: tagsPath,
    iam: onTaggedFunction("lambda:TagResource"),
    run: (call) => {
      const record = taggedFunction(call);
      Object.assign(record.tags, (call.body().Tags as Record<string, string> | undefined) ?? {});
      call.deps.store.touch(record, "tags");
      return { status: 204 };
    },
  },
  {
    name: "UntagResource",
    method: "DELETE",
    path: tagsPath,
    iam: onTaggedFunction("lambda:UntagResource"),
    run: (call) => {
      const record = taggedFunction(call);
      for (const key of call.req.query.getAll("tagKeys")) delete record.tags[key];
      call.deps.store.touch(record, "tags");
      return { status: 204 };
    },
  },
];
