// What the stack's EventBridge rules on the default bus share (the EventBridge trigger and incremental
// mode's reconciliation schedule): their ARN, finding one and telling whether it is the stack's, its
// targets, making the tracker a target, and removing a rule with its targets.
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  type DescribeRuleCommandOutput,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from "@aws-sdk/client-eventbridge";
import { STACK_TAG_KEY } from "../config.ts";
import { UserError } from "../errors.ts";
import {
  arns,
  change,
  hasStackTag,
  type ProvisionContext,
  partitionOf,
  read,
  readIfExists,
} from "./context.ts";

/** Rules on the default bus are `rule/<name>` (no bus in the ARN). */
export function stackRuleArn(ctx: Pick<ProvisionContext, "account" | "region">, name: string): string {
  return `arn:${partitionOf(ctx.region)}:events:${ctx.region}:${ctx.account}:rule/${name}`;
}

export interface FoundRule {
  rule: DescribeRuleCommandOutput;
  /** Whether it carries the stack's tag: someone else's rule of that name is never changed. */
  ours: boolean;
}

export async function findStackRule(ctx: ProvisionContext, name: string): Promise<FoundRule | undefined> {
  const rule = await readIfExists(() => ctx.clients.events.send(new DescribeRuleCommand({ Name: name })));
  if (!rule) return undefined;
  const { Tags } = await read(() =>
    ctx.clients.events.send(
      new ListTagsForResourceCommand({ ResourceARN: rule.Arn ?? stackRuleArn(ctx, name) }),
    ),
  );
  return { rule, ours: hasStackTag(Tags, ctx.names.stack) };
}

/** Refuses a rule of the stack's name that is not the stack's, before anything lets it invoke the tracker. */
export function refuseForeignRule(ctx: ProvisionContext, name: string, found: FoundRule | undefined): void {
  if (found && !found.ours) {
    throw new UserError(
      `EventBridge rule ${name} exists but is not part of stack ${ctx.names.stack} (no tag ${STACK_TAG_KEY}=${ctx.names.stack})`,
      "choose another prefix with S3SIZE_FUNCTION_PREFIX or another stack name with S3SIZE_STACK",
    );
  }
}

export async function listRuleTargets(ctx: ProvisionContext, name: string): Promise<Target[]> {
  const targets: Target[] = [];
  let NextToken: string | undefined;
  do {
    const page = await read(() =>
      ctx.clients.events.send(new ListTargetsByRuleCommand({ Rule: name, NextToken })),
    );
    targets.push(...(page.Targets ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return targets;
}

/** Whether the rule's target `id` is the tracker itself, with the rule's own event as its input. */
export function isTrackerTarget(ctx: ProvisionContext, targets: Target[], id: string): boolean {
  const ours = targets.find((target) => target.Id === id);
  return (
    ours?.Arn === arns(ctx).function("size-tracking") &&
    ours.Input === undefined &&
    ours.InputPath === undefined &&
    ours.InputTransformer === undefined
  );
}

export async function putTrackerTarget(ctx: ProvisionContext, name: string, id: string): Promise<void> {
  const Arn = arns(ctx).function("size-tracking");
  const result = await change(ctx, `make ${ctx.names.functions["size-tracking"]} the target of ${name}`, () =>
    ctx.clients.events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: id, Arn }] })),
  );
  if (result) failedEntries(`make the tracker the target of ${name}`, result);
}

/** The rule's targets (EventBridge refuses to delete a rule that has any), then the rule. */
export async function deleteStackRule(ctx: ProvisionContext, name: string, found: FoundRule): Promise<void> {
  if (!found.ours) {
    ctx.notes.push(
      `left EventBridge rule ${name}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`,
    );
    return;
  }
  const { events } = ctx.clients;
  const ids = (await listRuleTargets(ctx, name)).map((target) => target.Id!).filter(Boolean);
  if (ids.length > 0) {
    const result = await change(ctx, `remove the targets of EventBridge rule ${name}`, () =>
      events.send(new RemoveTargetsCommand({ Rule: name, Ids: ids })),
    );
    if (result) failedEntries(`remove the targets of ${name}`, result);
  }
  await change(ctx, `delete EventBridge rule ${name}`, () =>
    events.send(new DeleteRuleCommand({ Name: name })),
  );
}

/** PutTargets and RemoveTargets answer 200 with the entries they could not do. */
function failedEntries(
  what: string,
  result: { FailedEntryCount?: number; FailedEntries?: Array<{ ErrorCode?: string; ErrorMessage?: string }> },
): void {
  if (!result.FailedEntryCount) return;
  const first = result.FailedEntries?.[0];
  throw new UserError(
    `EventBridge could not ${what}: ${first?.ErrorCode ?? "error"} ${first?.ErrorMessage ?? ""}`.trim(),
    "fix the cause and run s3size setup again",
  );
}
