// Incremental mode's scheduled reconciliation: an EventBridge rule on the default bus (daily unless
// --reconcile-schedule says otherwise) whose target is the tracker, and the permission for EventBridge
// to invoke it from that rule only. The schedule's event reconciles every bucket the index tracks.
// In listing mode (no index) setup removes them, as teardown does.
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { STACK_TAG_KEY } from "../config.ts";
import { isAccessDenied, UserError } from "../errors.ts";
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
import { ensureInvokePermission, getFunction, removeInvokePermission } from "./functions.ts";

const TARGET_ID = "s3size-size-tracking";

const PERMISSION_ID = "s3size-reconcile-schedule";

export function reconcileRuleArn(ctx: Pick<ProvisionContext, "names" | "account" | "region">): string {
  return `arn:${partitionOf(ctx.region)}:events:${ctx.region}:${ctx.account}:rule/${ctx.names.reconcileRule}`;
}

async function describeRule(ctx: ProvisionContext) {
  return readIfExists(() =>
    ctx.clients.events.send(new DescribeRuleCommand({ Name: ctx.names.reconcileRule })),
  );
}

async function ruleIsOurs(ctx: ProvisionContext, arn: string): Promise<boolean> {
  const { Tags } = await read(() =>
    ctx.clients.events.send(new ListTagsForResourceCommand({ ResourceARN: arn })),
  );
  return hasStackTag(Tags, ctx.names.stack);
}

export async function ensureReconcileSchedule(ctx: ProvisionContext): Promise<void> {
  // Listing mode needs no EventBridge: credentials without it must not stop setup or status.
  if (ctx.settings.tracking !== "incremental") return removeSchedule(ctx, { quietWhenDenied: true });
  const { events } = ctx.clients;
  const name = ctx.names.reconcileRule;
  const ruleArn = reconcileRuleArn(ctx);
  const rule = await describeRule(ctx);
  if (rule && !(await ruleIsOurs(ctx, rule.Arn ?? ruleArn))) {
    throw new UserError(
      `EventBridge rule ${name} exists but is not part of stack ${ctx.names.stack} (no tag ${STACK_TAG_KEY}=${ctx.names.stack})`,
      "choose another prefix with S3SIZE_FUNCTION_PREFIX",
    );
  }
  if (!rule || rule.ScheduleExpression !== ctx.settings.reconcileSchedule || rule.State !== "ENABLED") {
    await change(ctx, `schedule ${name} (${ctx.settings.reconcileSchedule})`, () =>
      events.send(
        new PutRuleCommand({
          Name: name,
          ScheduleExpression: ctx.settings.reconcileSchedule,
          State: "ENABLED",
          Description: `s3size: reconcile the object index with a listing (stack ${ctx.names.stack})`,
          Tags: tagList(ctx.names),
        }),
      ),
    );
  }
  // The tracker must exist for the permission; in a dry run it may not yet.
  if (!ctx.dryRun || (await getFunction(ctx.clients.lambda, ctx.names.functions["size-tracking"]))) {
    await ensureInvokePermission(ctx, "size-tracking", {
      statementId: PERMISSION_ID,
      principal: "events.amazonaws.com",
      sourceArn: ruleArn,
    });
  } else {
    ctx.changes.push(`let events.amazonaws.com invoke ${ctx.names.functions["size-tracking"]}`);
  }
  const targets = rule
    ? ((await read(() => events.send(new ListTargetsByRuleCommand({ Rule: name })))).Targets ?? [])
    : [];
  const trackerArn = arns(ctx).function("size-tracking");
  const ours = targets.find((target) => target.Id === TARGET_ID);
  // No Input: the schedule's own event ("Scheduled Event") reconciles every bucket the index tracks.
  if (ours?.Arn === trackerArn && ours.Input === undefined && targets.length === 1) return;
  await change(ctx, `target ${name} at ${ctx.names.functions["size-tracking"]}`, () =>
    events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: TARGET_ID, Arn: trackerArn }] })),
  );
}

export function destroyReconcileSchedule(ctx: ProvisionContext): Promise<void> {
  return removeSchedule(ctx, { quietWhenDenied: false });
}

async function removeSchedule(ctx: ProvisionContext, options: { quietWhenDenied: boolean }): Promise<void> {
  const { events } = ctx.clients;
  const name = ctx.names.reconcileRule;
  let rule: Awaited<ReturnType<typeof describeRule>>;
  try {
    rule = await describeRule(ctx);
  } catch (error) {
    // Credentials without EventBridge (a stack that never tracked incrementally) can still tear down.
    if (!isAccessDenied(error)) throw error;
    if (!options.quietWhenDenied) {
      ctx.notes.push(
        `could not look for the EventBridge rule ${name} (EventBridge denied DescribeRule); if an incremental setup made it, delete it and its target yourself`,
      );
    }
    return;
  }
  if (rule) {
    if (!(await ruleIsOurs(ctx, rule.Arn ?? reconcileRuleArn(ctx)))) {
      ctx.notes.push(
        `left EventBridge rule ${name}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`,
      );
      return;
    }
    const { Targets } = await read(() => events.send(new ListTargetsByRuleCommand({ Rule: name })));
    const ids = (Targets ?? []).map((target) => target.Id!).filter(Boolean);
    if (ids.length > 0) {
      // EventBridge refuses to delete a rule that still has targets.
      await change(ctx, `remove the targets of ${name}`, () =>
        events.send(new RemoveTargetsCommand({ Rule: name, Ids: ids })),
      );
      ctx.changes.pop();
    }
    await change(ctx, `delete schedule ${name}`, () => events.send(new DeleteRuleCommand({ Name: name })));
  }
  if (await getFunction(ctx.clients.lambda, ctx.names.functions["size-tracking"])) {
    await removeInvokePermission(ctx, "size-tracking", PERMISSION_ID);
  }
}
