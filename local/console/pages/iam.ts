// IAM as the AWS console shows it: the roles, and one role's trust relationships, permissions policies
// (inline, with their documents, and attached managed ones) and tags. IAM is global: no region applies.
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  type Role,
} from "@aws-sdk/client-iam";
import { html } from "../../../handlers/common/html.ts";
import { allPages, settle, shown } from "../outcome.ts";
import { type ConsolePage, type PageRequest, requiredParam } from "../page.ts";
import {
  consoleHref,
  jsonBlock,
  keyValues,
  link,
  prettyJson,
  resourceCrumbs,
  section,
  table,
  tagsTable,
  time,
} from "../ui.ts";
import { policyReportSection } from "./iam-report.ts";

/** Who may assume a role, in one line: the trust policy's principals. */
export function trustedEntities(document: string | undefined): string {
  if (!document) return "";
  try {
    const parsed = JSON.parse(prettyJson(document)) as {
      Statement?: Array<{ Principal?: Record<string, string | string[]> | string }>;
    };
    const principals = (parsed.Statement ?? []).flatMap((statement) =>
      typeof statement.Principal === "string"
        ? [statement.Principal]
        : Object.values(statement.Principal ?? {}).flatMap((value) =>
            Array.isArray(value) ? value : [value],
          ),
    );
    return principals.join(", ");
  } catch {
    return "";
  }
}

export async function rolesPage(request: PageRequest): Promise<ConsolePage> {
  const iam = request.clients(request.region).iam;
  const roles = await allPages(
    () => iam.send(new ListRolesCommand({})),
    (Marker) => iam.send(new ListRolesCommand({ Marker })),
    (page) => ({ items: page.Roles, token: page.IsTruncated ? page.Marker : undefined }),
  );
  return {
    title: "Roles",
    breadcrumbs: [{ label: "IAM" }],
    body: html`<p class="hint">IAM is global: roles are the same in every region.</p>${table({
      caption: `Roles (${roles.length})`,
      headers: ["Role name", "Trusted entities", "Creation time"],
      rows: roles.map((role: Role) => [
        link(consoleHref("iam/role", { name: role.RoleName, region: request.region }), role.RoleName),
        trustedEntities(role.AssumeRolePolicyDocument),
        time(role.CreateDate),
      ]),
      empty: "No roles.",
    })}`,
  };
}

export async function rolePage(request: PageRequest): Promise<ConsolePage> {
  const RoleName = requiredParam(request, "name");
  const iam = request.clients(request.region).iam;
  const { Role: role = {} as Role } = await iam.send(new GetRoleCommand({ RoleName }));
  const [inlineNames, attached, tags] = await Promise.all([
    settle(
      allPages(
        () => iam.send(new ListRolePoliciesCommand({ RoleName })),
        (Marker) => iam.send(new ListRolePoliciesCommand({ RoleName, Marker })),
        (page) => ({ items: page.PolicyNames, token: page.IsTruncated ? page.Marker : undefined }),
      ),
    ),
    settle(
      allPages(
        () => iam.send(new ListAttachedRolePoliciesCommand({ RoleName })),
        (Marker) => iam.send(new ListAttachedRolePoliciesCommand({ RoleName, Marker })),
        (page) => ({ items: page.AttachedPolicies, token: page.IsTruncated ? page.Marker : undefined }),
      ),
    ),
    settle(iam.send(new ListRoleTagsCommand({ RoleName }))),
  ]);
  const inline = inlineNames.ok
    ? await Promise.all(
        inlineNames.value.map(async (PolicyName) => ({
          name: PolicyName,
          document: await settle(iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))),
        })),
      )
    : [];

  const report = await settle(
    policyReportSection(
      iam,
      RoleName,
      inline.map((policy) => ({
        name: policy.name,
        text: policy.document.ok ? policy.document.value.PolicyDocument : undefined,
      })),
      request.iamReport(),
    ),
  );

  const body = html`${section(
    "summary",
    "Summary",
    keyValues([
      ["ARN", role.Arn],
      ["Creation date", time(role.CreateDate)],
      ["Description", role.Description],
      [
        "Maximum session duration",
        role.MaxSessionDuration === undefined ? undefined : `${role.MaxSessionDuration / 3600} hour(s)`,
      ],
      ["Path", role.Path],
    ]),
  )}
${section(
  "permissions",
  "Permissions policies",
  html`${shown(attached, "attached policies", (policies) =>
    table({
      caption: `Attached managed policies (${policies.length})`,
      headers: ["Policy name", "Type", "ARN"],
      rows: policies.map((policy) => [
        policy.PolicyName,
        policy.PolicyArn?.startsWith("arn:aws:iam::aws:") ? "AWS managed" : "Customer managed",
        policy.PolicyArn,
      ]),
      empty: "No managed policies attached.",
    }),
  )}
${shown(inlineNames, "inline policies", (names) =>
  names.length === 0
    ? html`<p class="empty">No inline policies.</p>`
    : html`<h3>Inline policies (${names.length})</h3>${inline.map(
        (policy) =>
          html`<h4>${policy.name} <span class="muted">(Customer inline)</span></h4>${shown(
            policy.document,
            `the policy ${policy.name}`,
            (value) => jsonBlock(value.PolicyDocument ?? "", `Policy ${policy.name}`),
          )}`,
      )}`,
)}`,
)}
${section(
  "policy-report",
  "Policy report",
  shown(report, "the policy report", (value) => value),
  "What this role's sessions did on the local cloud (s3size policy prints the same).",
)}
${section(
  "trust",
  "Trust relationships",
  html`${keyValues([["Trusted entities", trustedEntities(role.AssumeRolePolicyDocument)]])}${jsonBlock(
    role.AssumeRolePolicyDocument ?? "",
    "Trust policy",
  )}`,
)}
${section(
  "tags",
  "Tags",
  shown(tags, "tags", (value) => tagsTable(value.Tags)),
)}`;
  return {
    title: RoleName,
    breadcrumbs: resourceCrumbs({ label: "IAM", page: "iam" }, { label: "Roles" }, RoleName, request.region),
    body,
  };
}
