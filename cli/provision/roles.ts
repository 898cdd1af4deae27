// One role per function with exactly the permissions of SPEC §5 as an inline policy: no `*` action,
// no Scan, every resource an ARN of the stack. A role with the stack's name but not its tag is refused.
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  type Role,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { BUCKET_SIZE_INDEX, GLOBAL_SIZE_INDEX } from "../../handlers/common/history.ts";
import { trackerStatements } from "../../handlers/tracking/role-statements.ts";
import { FUNCTION_KEYS, type FunctionKey, STACK_TAG_KEY } from "../config.ts";
import { UserError } from "../errors.ts";
import {
  arns,
  change,
  hasStackTag,
  type ProvisionContext,
  partitionOf,
  read,
  readIfExists,
  tagList,
} from "./context.ts";
import { webPolicy } from "./web-function.ts";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export const ASSUME_ROLE_POLICY = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

/** The demo's two keys, the only objects the driver may touch. */
export const DRIVER_KEYS = ["assignment1.txt", "assignment2.txt"];

export const policyName = (ctx: ProvisionContext, key: FunctionKey) => `${ctx.names.functions[key]}-policy`;

/**
 * The inline policy of each function's role (SPEC §5). The tracker's comes from the tracker's own
 * `trackerStatements` (by mode, for the data bucket and every bucket `track` added); without settings
 * or state, listing mode and the data bucket alone.
 */
export function rolePolicies(
  ctx: Pick<ProvisionContext, "names" | "account" | "region"> &
    Partial<Pick<ProvisionContext, "settings" | "state">>,
): Record<FunctionKey, PolicyDocument> {
  const arn = arns(ctx);
  const { dataBucket, plotBucket } = ctx.names;
  const logs = (key: FunctionKey): PolicyStatement => ({
    Sid: "OwnLogGroup",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [arn.logStreams(key)],
  });
  const document = (...statements: PolicyStatement[]): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: statements,
  });
  return {
    "size-tracking": document(
      ...trackerStatements({
        mode: ctx.settings?.tracking ?? "listing",
        partition: partitionOf(ctx.region),
        region: ctx.region,
        account: ctx.account,
        historyTable: ctx.names.table,
        indexTable: ctx.names.indexTable,
        buckets: trackedBucketsOf(ctx),
      }),
      logs("size-tracking"),
      ...trackerMessagingStatements(ctx),
    ),
    plotting: document(
      {
        Sid: "QueryHistory",
        Effect: "Allow",
        Action: ["dynamodb:Query"],
        Resource: [arn.table, arn.index(BUCKET_SIZE_INDEX), arn.index(GLOBAL_SIZE_INDEX)],
      },
      {
        Sid: "WritePlot",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: [arn.object(plotBucket, "plot")],
      },
      logs("plotting"),
    ),
    driver: document(
      {
        Sid: "DemoObjects",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: DRIVER_KEYS.map((key) => arn.object(dataBucket, key)),
      },
      {
        // The demo measures the bucket before its first put: it expects that plus 18, 27, 0 and 2.
        Sid: "MeasureDataBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [arn.bucket(dataBucket)],
      },
      { Sid: "QueryHistory", Effect: "Allow", Action: ["dynamodb:Query"], Resource: [arn.table] },
      logs("driver"),
    ),
    web: webPolicy(ctx),
  };
}

/** Every bucket the tracker serves: the data bucket, then those `track` added (state.json). */
export function trackedBucketsOf(
  ctx: Pick<ProvisionContext, "names"> & Partial<Pick<ProvisionContext, "state">>,
): string[] {
  return [ctx.names.dataBucket, ...(ctx.state?.tracked ?? []).filter((b) => b !== ctx.names.dataBucket)];
}

/**
 * The tracker's grants for issue 11: it publishes each change and failure to the topic, and Lambda sends
 * its failed events to the queue with the tracker's role (so the role needs it, as AWS requires).
 */
export function trackerMessagingStatements(
  ctx: Pick<ProvisionContext, "names" | "account" | "region">,
): PolicyStatement[] {
  const arn = arns(ctx);
  return [
    { Sid: "PublishEvents", Effect: "Allow", Action: ["sns:Publish"], Resource: [arn.topic] },
    { Sid: "SendFailures", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [arn.failureQueue] },
  ];
}

/** IAM returns policy documents URL-encoded; compare them as data, not text. */
export function samePolicy(stored: string | undefined, wanted: object): boolean {
  if (!stored) return false;
  try {
    return canonical(JSON.parse(decodeURIComponent(stored))) === canonical(wanted);
  } catch {
    return false;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export async function getRole(iam: IAMClient, name: string): Promise<Role | undefined> {
  return (await readIfExists(() => iam.send(new GetRoleCommand({ RoleName: name }))))?.Role;
}

async function roleIsOurs(iam: IAMClient, role: Role, stack: string): Promise<boolean> {
  if (role.Tags) return hasStackTag(role.Tags, stack);
  const { Tags } = await read(() => iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName })));
  return hasStackTag(Tags, stack);
}

export async function ensureRoles(ctx: ProvisionContext): Promise<void> {
  const policies = rolePolicies(ctx);
  for (const key of FUNCTION_KEYS) await ensureRole(ctx, key, policies[key]);
}

async function ensureRole(ctx: ProvisionContext, key: FunctionKey, policy: PolicyDocument): Promise<void> {
  const { iam } = ctx.clients;
  const name = ctx.names.roles[key];
  const role = await getRole(iam, name);
  if (!role) {
    await change(ctx, `create role ${name}`, () =>
      iam.send(
        new CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: JSON.stringify(ASSUME_ROLE_POLICY),
          Description: `s3size ${key} function (stack ${ctx.names.stack})`,
          Tags: tagList(ctx.names),
        }),
      ),
    );
  } else {
    if (!(await roleIsOurs(iam, role, ctx.names.stack))) {
      throw new UserError(
        `role ${name} exists but is not part of stack ${ctx.names.stack} (no tag ${STACK_TAG_KEY}=${ctx.names.stack})`,
        "choose another prefix with S3SIZE_FUNCTION_PREFIX or another stack name with S3SIZE_STACK",
      );
    }
    if (!samePolicy(role.AssumeRolePolicyDocument, ASSUME_ROLE_POLICY)) {
      await change(ctx, `let Lambda assume ${name}`, () =>
        iam.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: name,
            PolicyDocument: JSON.stringify(ASSUME_ROLE_POLICY),
          }),
        ),
      );
    }
  }
  const stored = role ? await inlinePolicy(iam, name, policyName(ctx, key)) : undefined;
  if (!samePolicy(stored, policy)) {
    await change(ctx, `${stored ? "update" : "attach"} policy of ${name}`, () =>
      iam.send(
        new PutRolePolicyCommand({
          RoleName: name,
          PolicyName: policyName(ctx, key),
          PolicyDocument: JSON.stringify(policy),
        }),
      ),
    );
  }
}

export async function inlinePolicy(
  iam: IAMClient,
  role: string,
  policy: string,
): Promise<string | undefined> {
  const found = await readIfExists(() =>
    iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policy })),
  );
  return found?.PolicyDocument;
}

export async function destroyRoles(ctx: ProvisionContext): Promise<void> {
  const { iam } = ctx.clients;
  for (const key of [...FUNCTION_KEYS].reverse()) {
    const name = ctx.names.roles[key];
    const role = await getRole(iam, name);
    if (!role) continue;
    if (!(await roleIsOurs(iam, role, ctx.names.stack))) {
      ctx.notes.push(`left role ${name}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`);
      continue;
    }
    // IAM refuses to delete a role that still has inline policies.
    const { PolicyNames } = await read(() => iam.send(new ListRolePoliciesCommand({ RoleName: name })));
    for (const policy of PolicyNames ?? []) {
      await change(ctx, `remove policy ${policy}`, () =>
        iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy })),
      );
      ctx.changes.pop();
    }
    await change(ctx, `delete role ${name}`, () => iam.send(new DeleteRoleCommand({ RoleName: name })));
  }
}
