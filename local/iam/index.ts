// IAM for the local cloud: roles, inline and managed policies (validated as IAM validates them), role
// sessions, and the authorizer every service asks through `authorize()`, with the policy report it keeps.
import { serveQuery } from "../protocol/query.ts";
import type { CloudContext, Service } from "../types.ts";
import { Authorizer } from "./authorizer.ts";
import { authorizedOperations } from "./operation-table.ts";
import { policyOperations } from "./policies.ts";
import { PolicyReport, registerReport } from "./report.ts";
import { rolePolicyOperations } from "./role-policies.ts";
import { roleOperations } from "./roles.ts";
import { SessionStore } from "./sessions.ts";
import { IamStore } from "./store.ts";

const NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";
/** Lambda refreshes an environment's credentials long before this; no local environment lives longer. */
const LAMBDA_SESSION_SECONDS = 12 * 3600;

/** What STS shares with IAM: the roles, the sessions and the authorizer. */
export interface IamInternals {
  store: IamStore;
  sessions: SessionStore;
  authorizer: Authorizer;
}

const internals = new WeakMap<CloudContext, IamInternals>();

export function iamInternals(ctx: CloudContext): IamInternals {
  const found = internals.get(ctx);
  if (!found) throw new Error("IAM must start before the services that use its sessions");
  return found;
}

export async function createIamService(ctx: CloudContext): Promise<Service> {
  const store = new IamStore(ctx.dataDir);
  const sessions = new SessionStore(ctx.dataDir);
  const report = new PolicyReport(ctx.dataDir);
  const authorizer = new Authorizer(ctx, store, sessions, report);
  internals.set(ctx, { store, sessions, authorizer });
  registerReport(ctx, report);

  ctx.iam = {
    roleStatus(roleArn) {
      const role = store.roleByArn(roleArn);
      if (!role) return "missing";
      return Date.now() - role.changedAt < ctx.realism.iamPropagationMs ? "propagating" : "ready";
    },
    authorize: (req, requirement) => authorizer.authorize(req, requirement),
    evaluateRole: (roleArn, requirement) => authorizer.evaluateRole(roleArn, requirement),
    issueRoleSession(roleArn, sessionName) {
      const role = store.roleByArn(roleArn);
      if (!role) throw new Error(`The role ${roleArn} does not exist`);
      return sessions.issue(role, sessionName, ctx.accountId, LAMBDA_SESSION_SECONDS).credentials;
    },
  };

  const iam = { ctx, store, report };
  const operations = authorizedOperations(ctx, {
    ...roleOperations(iam),
    ...rolePolicyOperations(iam),
    ...policyOperations(iam),
  });
  return {
    name: "iam",
    handle: (req, res) => serveQuery(req, res, NAMESPACE, operations),
    async close() {
      report.flush();
    },
  };
}
