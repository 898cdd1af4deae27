// A role's part of the local cloud's IAM policy report, as `s3size policy` concludes it: what its sessions
// used and were granted, what was denied (with IAM's words), what it is granted and never used, and the
// least-privilege policy its uses call for. AWS's console shows "Last accessed"; this is the local cloud's.
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { html, type SafeHtml } from "../../../handlers/common/html.ts";
import { analyzeRole } from "../../iam/analysis.ts";
import { type PolicyDocument, readPolicy } from "../../iam/policy/document.ts";
import type { PolicyReportDocument } from "../../iam/report.ts";
import { jsonBlock, keyValues, prettyJson, table, time } from "../ui.ts";

/** The default versions of a role's attached managed policies, by name. */
async function attachedDocuments(
  iam: IAMClient,
  RoleName: string,
): Promise<Array<{ name: string; document: PolicyDocument }>> {
  const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }));
  return Promise.all(
    AttachedPolicies.map(async (attached) => {
      const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: attached.PolicyArn }));
      const { PolicyVersion } = await iam.send(
        new GetPolicyVersionCommand({ PolicyArn: attached.PolicyArn, VersionId: Policy?.DefaultVersionId }),
      );
      return {
        name: attached.PolicyName ?? attached.PolicyArn ?? "",
        document: readPolicy(prettyJson(PolicyVersion?.Document ?? "{}")),
      };
    }),
  );
}

export async function policyReportSection(
  iam: IAMClient,
  roleName: string,
  inline: Array<{ name: string; text: string | undefined }>,
  report: PolicyReportDocument | undefined,
): Promise<SafeHtml> {
  if (!report) return html`<p class="empty">The local cloud runs without IAM, so it keeps no report.</p>`;
  const usage = report.roles.find((role) => role.roleName.toLowerCase() === roleName.toLowerCase());
  const policies = [
    ...inline
      .filter((policy) => policy.text)
      .map((policy) => ({ name: policy.name, document: readPolicy(prettyJson(policy.text!)) })),
    ...(await attachedDocuments(iam, roleName)),
  ];
  const analysis = analyzeRole(roleName, usage, policies);
  const used = analysis.usedAndGranted.length + analysis.usedButDenied.length > 0;
  return html`${keyValues([
    ["IAM enforcement", report.mode],
    [
      "Last used",
      usage?.lastUsed ? html`${time(usage.lastUsed.at)} in ${usage.lastUsed.region}` : "Not used yet",
    ],
  ])}
${table({
  caption: `Used and granted (${analysis.usedAndGranted.length})`,
  headers: ["Action", "Resource", "Uses", "Last used"],
  rows: analysis.usedAndGranted.map((entry) => [
    entry.action,
    entry.resource,
    String(entry.allowed),
    time(entry.lastUsed),
  ]),
  empty: "No allowed use recorded yet.",
})}
${table({
  caption: `Denied (${analysis.usedButDenied.length})`,
  headers: ["Action", "Resource", "Denials", "Last denial"],
  rows: analysis.usedButDenied.map((entry) => [
    entry.action,
    entry.resource,
    String(entry.denied),
    entry.lastDenial,
  ]),
  empty: "Nothing was denied.",
})}
${table({
  caption: `Granted, never used (${analysis.grantedButUnused.length})`,
  headers: ["Policy", "Action", "Resource"],
  rows: analysis.grantedButUnused.map((grant) => [grant.policy, grant.action, grant.resource]),
  empty: "Every grant was used.",
})}
${analysis.truncated ? html`<p class="hint">More resources were used than the report keeps; they count under <code>*</code>.</p>` : ""}
${used ? html`<h3>Least-privilege policy for what it used</h3>${jsonBlock(analysis.suggestedPolicy, "Least-privilege policy")}` : ""}`;
}
