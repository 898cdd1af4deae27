// The EventBridge route to the tracker (--trigger eventbridge): the tracker's invoke permission for
// events.amazonaws.com scoped to the rule's ARN, a rule on the default bus matching the tracked buckets'
// Object Created / Object Deleted events, and the tracker as its target. Removed in the reverse order.
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  type DescribeRuleCommandOutput,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from "@aws-sdk/client-eventbridge";
import { STACK_TAG_KEY, type StackNames } from "../config.ts";
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
import { ensureInvokePermission, getFunction, removeInvokePermission } from "./functions.ts";

export const EVENTS_PERMISSION_ID = "s3size-events-invoke";
/** The tracker's id among the rule's targets (a user may add others, e.g. a queue to watch the events). */
export const TRACKER_TARGET_ID = "size-tracking";

/** As long as the tracker's role name, so the function prefix's limit (aws-names.ts) keeps it within 64. */
export const eventRuleName = (names: StackNames) => `${names.functions["size-tracking"]}-rule`;

/** Rules on the default bus are `rule/<name>` (no bus in the ARN). */
export function eventRuleArn(ctx: Pick<ProvisionContext, "names" | "account" | "region">): string {
  return `arn:${partitionOf(ctx.region)}:events:${ctx.region}:${ctx.account}:rule/${eventRuleName(ctx.names)}`;
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

async function describeRule(ctx: ProvisionContext): Promise<DescribeRuleCommandOutput | undefined> {
  const Name = eventRuleName(ctx.names);
  return readIfExists(() => ctx.clients.events.send(new DescribeRuleCommand({ Name })));
}

async function isStackRule(ctx: ProvisionContext, arn: string): Promise<boolean> {
  const { Tags } = await read(() =>
    ctx.clients.events.send(new ListTagsForResourceCommand({ ResourceARN: arn })),
  );
  return hasStackTag(Tags, ctx.names.stack);
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

/**
 * Routes the buckets' S3 events to the tracker through the default bus. The buckets must send their
 * events to EventBridge as well (EventBridgeConfiguration in their notification configuration); with
 * no bucket to track the rule has nothing to match (an empty list is not a valid pattern) and goes.
 */
export async function ensureEventRule(ctx: ProvisionContext, buckets: string[]): Promise<void> {
  if (buckets.length === 0) return destroyEventRule(ctx);
  const { events } = ctx.clients;
  const Name = eventRuleName(ctx.names);
  const ruleArn = eventRuleArn(ctx);
  const trackerArn = arns(ctx).function("size-tracking");
  const current = await describeRule(ctx);
  // Someone else's rule of that name must not get to invoke the tracker: refuse before the permission.
  if (current && !(await isStackRule(ctx, current.Arn ?? ruleArn))) {
    throw new UserError(
      `EventBridge rule ${Name} exists but is not part of stack ${ctx.names.stack} (no tag ${STACK_TAG_KEY}=${ctx.names.stack})`,
      "choose another prefix with S3SIZE_FUNCTION_PREFIX or another stack name with S3SIZE_STACK",
    );
  }
  // The permission before the target: EventBridge invokes the target as soon as it is in place.
  await ensureInvokePermission(ctx, "size-tracking", {
    statementId: EVENTS_PERMISSION_ID,
    principal: "events.amazonaws.com",
    sourceArn: ruleArn,
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
      events.send(
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
  const targets = current ? await listTargets(ctx) : [];
  const ours = targets.find((target) => target.Id === TRACKER_TARGET_ID);
  const targetUpToDate =
    ours?.Arn === trackerArn &&
    ours.Input === undefined &&
    ours.InputPath === undefined &&
    ours.InputTransformer === undefined;
  if (!targetUpToDate) {
    const result = await change(
      ctx,
      `make ${ctx.names.functions["size-tracking"]} the target of ${Name}`,
      () =>
        events.send(
          new PutTargetsCommand({ Rule: Name, Targets: [{ Id: TRACKER_TARGET_ID, Arn: trackerArn }] }),
        ),
    );
    if (result) failedEntries(`make the tracker the target of ${Name}`, result);
  }
}

async function listTargets(ctx: ProvisionContext): Promise<Target[]> {
  const targets: Target[] = [];
  let NextToken: string | undefined;
  do {
    const page = await read(() =>
      ctx.clients.events.send(new ListTargetsByRuleCommand({ Rule: eventRuleName(ctx.names), NextToken })),
    );
    targets.push(...(page.Targets ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return targets;
}

/** The rule's targets (a rule with targets cannot be deleted), the rule, then the tracker's permission. */
export async function destroyEventRule(ctx: ProvisionContext): Promise<void> {
  const { events } = ctx.clients;
  const Name = eventRuleName(ctx.names);
  const current = await describeRule(ctx);
  if (current && !(await isStackRule(ctx, current.Arn ?? eventRuleArn(ctx)))) {
    ctx.notes.push(
      `left EventBridge rule ${Name}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`,
    );
  } else if (current) {
    const ids = (await listTargets(ctx)).map((target) => target.Id!);
    if (ids.length > 0) {
      const result = await change(ctx, `remove the targets of EventBridge rule ${Name}`, () =>
        events.send(new RemoveTargetsCommand({ Rule: Name, Ids: ids })),
      );
      if (result) failedEntries(`remove the targets of ${Name}`, result);
    }
    await change(ctx, `delete EventBridge rule ${Name}`, () => events.send(new DeleteRuleCommand({ Name })));
  }
  if (await getFunction(ctx.clients.lambda, ctx.names.functions["size-tracking"])) {
    await removeInvokePermission(ctx, "size-tracking", EVENTS_PERMISSION_ID);
  }
}
