// `s3size policy`: for each of the stack's roles, what its functions used and were granted, used and were
// denied, and were granted but never used, with a least-privilege policy for what they used. The uses come
// from the local cloud's IAM report; AWS keeps no such record, so against AWS the command says so.
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { analyzeRole, type RoleAnalysis } from "../../local/iam/analysis.ts";
import { type PolicyDocument, readPolicy } from "../../local/iam/policy/document.ts";
import type { PolicyReportDocument } from "../../local/iam/report.ts";
import { isNotFound, UserError } from "../errors.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./types.ts";

const ONLY_LOCAL_HINT = "run it with --local, or --endpoint-url pointing at a running `s3size local`";

async function fetchReport(endpoint: string | undefined): Promise<PolicyReportDocument> {
  if (!endpoint) {
    throw new UserError(
      "the policy report exists only on the local cloud: AWS does not record each permission a role used",
      ONLY_LOCAL_HINT,
    );
  }
  let response: Response;
  try {
    response = await fetch(new URL("/_s3size/iam/report", endpoint), { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new UserError(`cannot reach ${endpoint} for the IAM report`, "is the local cloud running?", {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new UserError(
      `${endpoint} keeps no IAM policy report (it is not an s3size local cloud)`,
      ONLY_LOCAL_HINT,
    );
  }
  return (await response.json()) as PolicyReportDocument;
}

/** The role's inline policies and the default versions of its attached ones, or undefined if it is missing. */
async function rolePolicies(
  iam: IAMClient,
  role: string,
): Promise<Array<{ name: string; document: PolicyDocument }> | undefined> {
  const policies: Array<{ name: string; document: PolicyDocument }> = [];
  try {
    const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: role }));
    for (const name of PolicyNames) {
      const { PolicyDocument: text } = await iam.send(
        new GetRolePolicyCommand({ RoleName: role, PolicyName: name }),
      );
      policies.push({ name, document: readPolicy(decodeURIComponent(text ?? "{}")) });
    }
    const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }));
    for (const attached of AttachedPolicies) {
      const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: attached.PolicyArn }));
      const { PolicyVersion } = await iam.send(
        new GetPolicyVersionCommand({ PolicyArn: attached.PolicyArn, VersionId: Policy?.DefaultVersionId }),
      );
      policies.push({
        name: attached.PolicyName ?? attached.PolicyArn ?? "",
        document: readPolicy(decodeURIComponent(PolicyVersion?.Document ?? "{}")),
      });
    }
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return policies;
}

function printRole(session: Session, analysis: RoleAnalysis & { exists: boolean }): void {
  const { output } = session;
  output.line(`role ${analysis.role}`);
  if (!analysis.exists) {
    output.line("  does not exist: run s3size setup first");
    output.line();
    return;
  }
  const rows = [
    ...analysis.usedAndGranted.map((entry) => [
      "used, granted",
      entry.action,
      entry.resource,
      String(entry.allowed),
    ]),
    ...analysis.usedButDenied.map((entry) => [
      "used, DENIED",
      entry.action,
      entry.resource,
      String(entry.denied),
    ]),
    ...analysis.grantedButUnused.map((grant) => ["granted, unused", grant.action, grant.resource, "0"]),
  ];
  if (rows.length === 0) output.line("  no use recorded yet and nothing granted");
  else output.table(["", "action", "resource", "uses"], rows, [false, false, false, true]);
  for (const entry of analysis.usedButDenied) output.line(`  denied: ${entry.lastDenial ?? entry.action}`);
  if (analysis.truncated)
    output.line("  (more resources were used than the report keeps; they count under `*`)");
  if (analysis.usedAndGranted.length + analysis.usedButDenied.length === 0) {
    output.line("  no use recorded yet: run s3size demo --local, then this again");
  } else {
    output.line("  least-privilege policy for what it used:");
    for (const line of JSON.stringify(analysis.suggestedPolicy, null, 2).split("\n"))
      output.line(`    ${line}`);
  }
  output.line();
}

export const policyCommand: CommandSpec = {
  options: [{ flags: "--role <name>", description: "only this role (default: the stack's function roles)" }],
  async run(session, options) {
    await session.connect();
    const report = await fetchReport(session.endpoint);
    const names = await session.names();
    const roles = options.role ? [String(options.role)] : Object.values(names.roles);
    const analyses: Array<RoleAnalysis & { exists: boolean }> = [];
    for (const role of roles) {
      const policies = await rolePolicies(session.clients.iam, role);
      const usage = report.roles.find((candidate) => candidate.roleName.toLowerCase() === role.toLowerCase());
      analyses.push({ ...analyzeRole(role, usage, policies ?? []), exists: policies !== undefined });
    }
    session.output.result({ mode: report.mode, roles: analyses }, () => {
      session.output.line(`IAM enforcement on the local cloud: ${report.mode} (S3SIZE_LOCAL_IAM)`);
      session.output.line();
      for (const analysis of analyses) printRole(session, analysis);
    });
    return 0;
  },
};
