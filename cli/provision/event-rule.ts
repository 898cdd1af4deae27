// The EventBridge route to the tracker (--trigger eventbridge): the tracker's invoke permission for
// events.amazonaws.com scoped to the rule's ARN, a rule on the default bus matching the tracked buckets'
// Object Created / Object Deleted events, and the tracker as its target. Removed in the reverse order.
import { PutRuleCommand } from "@aws-sdk/client-eventbridge";
import type { StackNames } from "../config.ts";
import { change, type ProvisionContext, tagList } from "./context.ts";
import { ensureInvokePermission, getFunction, removeInvokePermission } from "./functions.ts";
import {
  deleteStackRule,
  findStackRule,
  isTrackerTarget,
  listRuleTargets,
  putTrackerTarget,
  refuseForeignRule,
  stackRuleArn,
} from "./stack-rules.ts";

export const EVENTS_PERMISSION_ID = "s3size-events-invoke";
/** The tracker's id among the rule's targets (a user may add others, e.g. a queue to watch the events). */
export const TRACKER_TARGET_ID = "size-tracking";

/** As long as the tracker's role name, so the function prefix's limit (aws-names.ts) keeps it within 64. */
export const eventRuleName = (names: StackNames) => `${names.functions["size-tracking"]}-rule`;

export function eventRuleArn(ctx: Pick<ProvisionContext, "names" | "account" | "region">): string {
  return stackRuleArn(ctx, eventRuleName(ctx.names));
}

/**
 * What S3 sends to EventBridge for the tracked buckets' creations and deletions (overwrites are
 * "Object Created" too). Sorted, so the same buckets always give the same pattern and a second setup
 * finds nothing to change.
 */
export function trackingEventPattern(buckets: string[]) {
  return {
    source: ["aws.s3"],
    "detail-type": ["Object Created", "Object Deleted"],
    detail: { bucket: { name: [...new Set(buckets)].sort() } },
  };
}

/** The same JSON whatever the order of its keys: EventBridge may answer with the pattern reformatted. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function samePattern(current: string | undefined, wanted: object): boolean {
  if (current === undefined) return false;
  try {
    return canonical(JSON.parse(current)) === canonical(wanted);
  } catch {
    return false;
  }
}

const description = (ctx: ProvisionContext) =>
  `s3size: S3 object events of the tracked buckets → ${ctx.names.functions["size-tracking"]} (stack ${ctx.names.stack})`;

/**
 * Routes the buckets' S3 events to the tracker through the default bus. The buckets must send their
 * events to EventBridge as well (EventBridgeConfiguration in their notification configuration); with
 * no bucket to track the rule has nothing to match (an empty list is not a valid pattern) and goes.
 */
export async function ensureEventRule(ctx: ProvisionContext, buckets: string[]): Promise<void> {
  if (buckets.length === 0) return destroyEventRule(ctx);
  const Name = eventRuleName(ctx.names);
  const found = await findStackRule(ctx, Name);
  // Someone else's rule of that name must not get to invoke the tracker: refuse before the permission.
  refuseForeignRule(ctx, Name, found);
  const current = found?.rule;
  // The permission before the target: EventBridge invokes the target as soon as it is in place.
  await ensureInvokePermission(ctx, "size-tracking", {
    statementId: EVENTS_PERMISSION_ID,
    principal: "events.amazonaws.com",
    sourceArn: eventRuleArn(ctx),
  });
  const pattern = trackingEventPattern(buckets);
  const upToDate =
    current &&
    samePattern(current.EventPattern, pattern) &&
    current.State === "ENABLED" &&
    current.Description === description(ctx) &&
    !current.ScheduleExpression;
  if (!upToDate) {
    await change(ctx, `${current ? "update" : "create"} EventBridge rule ${Name}`, () =>
      ctx.clients.events.send(
        new PutRuleCommand({
          Name,
          EventPattern: JSON.stringify(pattern),
          State: "ENABLED",
          Description: description(ctx),
          // PutRule sets tags only when it creates the rule (an update ignores them).
          Tags: tagList(ctx.names),
        }),
      ),
    );
  }
  const targets = current ? await listRuleTargets(ctx, Name) : [];
  if (!isTrackerTarget(ctx, targets, TRACKER_TARGET_ID)) await putTrackerTarget(ctx, Name, TRACKER_TARGET_ID);
}

/** The rule's targets (a rule with targets cannot be deleted), the rule, then the tracker's permission. */
export async function destroyEventRule(ctx: ProvisionContext): Promise<void> {
  const Name = eventRuleName(ctx.names);
  const found = await findStackRule(ctx, Name);
  if (found) await deleteStackRule(ctx, Name, found);
  if (await getFunction(ctx.clients.lambda, ctx.names.functions["size-tracking"])) {
    await removeInvokePermission(ctx, "size-tracking", EVENTS_PERMISSION_ID);
  }
}
