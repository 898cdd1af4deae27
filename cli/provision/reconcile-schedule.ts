// Incremental mode's scheduled reconciliation: an EventBridge rule on the default bus (daily unless
// --reconcile-schedule says otherwise) whose target is the tracker, and the permission for EventBridge
// to invoke it from that rule only. The schedule's event reconciles every bucket the index tracks.
// In listing mode (no index) setup removes them, as teardown does.
import { PutRuleCommand } from "@aws-sdk/client-eventbridge";
import { isAccessDenied } from "../errors.ts";
import { change, type ProvisionContext, tagList } from "./context.ts";
import { ensureInvokePermission, getFunction, removeInvokePermission } from "./functions.ts";
import {
  deleteStackRule,
  type FoundRule,
  findStackRule,
  isTrackerTarget,
  listRuleTargets,
  putTrackerTarget,
  refuseForeignRule,
  stackRuleArn,
} from "./stack-rules.ts";

const TARGET_ID = "s3size-size-tracking";

const PERMISSION_ID = "s3size-reconcile-schedule";

export function reconcileRuleArn(ctx: Pick<ProvisionContext, "names" | "account" | "region">): string {
  return stackRuleArn(ctx, ctx.names.reconcileRule);
}

export async function ensureReconcileSchedule(ctx: ProvisionContext): Promise<void> {
  // Listing mode needs no EventBridge: credentials without it must not stop setup or status.
  if (ctx.settings.tracking !== "incremental") return removeSchedule(ctx, { quietWhenDenied: true });
  const name = ctx.names.reconcileRule;
  const found = await findStackRule(ctx, name);
  refuseForeignRule(ctx, name, found);
  const rule = found?.rule;
  if (!rule || rule.ScheduleExpression !== ctx.settings.reconcileSchedule || rule.State !== "ENABLED") {
    await change(ctx, `schedule ${name} (${ctx.settings.reconcileSchedule})`, () =>
      ctx.clients.events.send(
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
      sourceArn: reconcileRuleArn(ctx),
    });
  } else {
    ctx.changes.push(`let events.amazonaws.com invoke ${ctx.names.functions["size-tracking"]}`);
  }
  // No Input: the schedule's own event ("Scheduled Event") reconciles every bucket the index tracks.
  const targets = rule ? await listRuleTargets(ctx, name) : [];
  if (targets.length === 1 && isTrackerTarget(ctx, targets, TARGET_ID)) return;
  await putTrackerTarget(ctx, name, TARGET_ID);
}

export function destroyReconcileSchedule(ctx: ProvisionContext): Promise<void> {
  return removeSchedule(ctx, { quietWhenDenied: false });
}

async function removeSchedule(ctx: ProvisionContext, options: { quietWhenDenied: boolean }): Promise<void> {
  const name = ctx.names.reconcileRule;
  let found: FoundRule | undefined;
  try {
    found = await findStackRule(ctx, name);
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
  if (found) {
    await deleteStackRule(ctx, name, found);
    if (!found.ours) return;
  }
  if (await getFunction(ctx.clients.lambda, ctx.names.functions["size-tracking"])) {
    await removeInvokePermission(ctx, "size-tracking", PERMISSION_ID);
  }
}
