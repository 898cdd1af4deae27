// Which path a tracked bucket's object events take to the tracker (--trigger): the bucket's own
// notification (S3 invokes the tracker) or EventBridge (the bucket sends its events to the default bus,
// a rule there invokes the tracker). A switch prepares the new path, flips the bucket's configuration in
// one call, then removes the old path: events may arrive twice for a moment, never not at all.
import {
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
} from "@aws-sdk/client-s3";
import type { Settings, Trigger } from "../config.ts";
import { isAccessDenied, isNotFound } from "../errors.ts";
import type { StackState } from "../state.ts";
import { bucketExists } from "./buckets.ts";
import { change, type ProvisionContext } from "./context.ts";
import { destroyEventRule, ensureEventRule } from "./event-rule.ts";
import { getFunction, removeInvokePermission } from "./functions.ts";
import {
  attachTracker,
  destroyNotifications,
  detachTracker,
  isOurs,
  mergeNotifications,
  readNotifications,
  s3PermissionId,
} from "./notifications.ts";
import { trackedBucketsOf } from "./roles.ts";

/** The trigger asked for (flag, S3SIZE_TRIGGER, .env), else the one the stack has, else notification. */
export function stackTrigger(
  settings: Pick<Settings, "trigger">,
  state: Pick<StackState, "trigger">,
): Trigger {
  return settings.trigger ?? state.trigger ?? "notification";
}

/** The buckets whose events the trigger brings to the tracker: the data bucket and those `track` added. */
export function triggeredBuckets(ctx: ProvisionContext): string[] {
  return trackedBucketsOf(ctx);
}

/** The configuration with EventBridge delivery on and our notification entry gone; the rest kept. */
export function withEventBridge(
  existing: NotificationConfiguration,
  isOursEntry: Parameters<typeof mergeNotifications>[1],
): NotificationConfiguration {
  return { ...mergeNotifications(existing, isOursEntry), EventBridgeConfiguration: {} };
}

/** The configuration without EventBridge delivery; the rest kept. */
export function withoutEventBridge(existing: NotificationConfiguration): NotificationConfiguration {
  const { EventBridgeConfiguration: _, ...rest } = existing;
  return mergeNotifications(rest, () => false);
}

async function notificationsOf(ctx: ProvisionContext, bucket: string): Promise<NotificationConfiguration> {
  if (ctx.dryRun && !(await bucketExists(ctx.clients.s3, bucket))) return {};
  return readNotifications(ctx, bucket);
}

/**
 * Makes a bucket send its events to EventBridge instead of notifying the tracker, in one
 * PutBucketNotificationConfiguration. EventBridge delivery is a switch of the whole bucket that other
 * tools may rely on: s3size records that it turned it on, and only then ever turns it off.
 */
export async function sendToEventBridge(ctx: ProvisionContext, bucket: string): Promise<void> {
  const existing = await notificationsOf(ctx, bucket);
  const entries = existing.LambdaFunctionConfigurations ?? [];
  const alreadyOn = existing.EventBridgeConfiguration !== undefined;
  if (alreadyOn && !entries.some((entry) => isOurs(ctx, entry))) return;
  if (!alreadyOn && !ctx.dryRun) {
    // Recorded before the call, so a crash right after it still leaves it ours to turn off.
    ctx.state.eventBridgeEnabled = [...new Set([...(ctx.state.eventBridgeEnabled ?? []), bucket])];
    ctx.saveState();
  }
  await change(ctx, `send the events of ${bucket} to EventBridge`, () =>
    ctx.clients.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: withEventBridge(existing, (entry) => isOurs(ctx, entry)),
      }),
    ),
  );
}

/** Turns EventBridge delivery off again where s3size turned it on; elsewhere it stays as the owner set it. */
export async function stopSendingToEventBridge(ctx: ProvisionContext, bucket: string): Promise<void> {
  if (!(ctx.state.eventBridgeEnabled ?? []).includes(bucket)) return;
  if (await bucketExists(ctx.clients.s3, bucket)) {
    try {
      const existing = await readNotifications(ctx, bucket);
      if (existing.EventBridgeConfiguration !== undefined) {
        await change(ctx, `stop sending the events of ${bucket} to EventBridge`, () =>
          ctx.clients.s3.send(
            new PutBucketNotificationConfigurationCommand({
              Bucket: bucket,
              NotificationConfiguration: withoutEventBridge(existing),
            }),
          ),
        );
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  if (ctx.dryRun) return;
  ctx.state.eventBridgeEnabled = (ctx.state.eventBridgeEnabled ?? []).filter((name) => name !== bucket);
  ctx.saveState();
}

async function removeS3Permission(ctx: ProvisionContext, bucket: string): Promise<void> {
  if (await getFunction(ctx.clients.lambda, ctx.names.functions["size-tracking"]))
    await removeInvokePermission(ctx, "size-tracking", s3PermissionId(ctx, bucket));
}

/**
 * Brings one bucket's events to the tracker by the stack's trigger (`track`, and setup for each
 * tracked bucket): its notification, or its EventBridge delivery with the rule naming every tracked
 * bucket (the caller has recorded the bucket as tracked already).
 */
export async function attachTrigger(ctx: ProvisionContext, bucket: string): Promise<void> {
  if (stackTrigger(ctx.settings, ctx.state) === "notification") return attachTracker(ctx, bucket);
  await ensureEventRule(ctx, triggeredBuckets(ctx));
  await sendToEventBridge(ctx, bucket);
  await removeS3Permission(ctx, bucket);
}

/** Undoes `attachTrigger` for one bucket (`untrack`); the rule keeps naming the other buckets. */
export async function detachTrigger(ctx: ProvisionContext, bucket: string): Promise<void> {
  await stopSendingToEventBridge(ctx, bucket);
  await detachTracker(ctx, bucket);
  if (stackTrigger(ctx.settings, ctx.state) === "eventbridge")
    await ensureEventRule(
      ctx,
      triggeredBuckets(ctx).filter((name) => name !== bucket),
    );
}

/**
 * Setup's step: the chosen trigger in place for the data bucket, the other one's pieces gone. Tracked
 * buckets are the next step's (which reports and repairs their drift), except in a switch: those still
 * on the old path switch here too, so the old path goes only once every bucket is on the new one.
 */
export async function ensureTrigger(ctx: ProvisionContext): Promise<void> {
  const trigger = stackTrigger(ctx.settings, ctx.state);
  const usedEventBridge = usesEventBridge(ctx.state);
  if (!ctx.dryRun && ctx.state.trigger !== trigger) {
    // Recorded first: a crash part-way through a switch is finished by the next setup, flag or not.
    ctx.state.trigger = trigger;
    ctx.saveState();
  }
  const data = ctx.names.dataBucket;
  const tracked: string[] = [];
  for (const bucket of triggeredBuckets(ctx).filter((name) => name !== data)) {
    if (await bucketExists(ctx.clients.s3, bucket)) tracked.push(bucket);
  }
  if (trigger === "eventbridge") {
    await ensureEventRule(ctx, triggeredBuckets(ctx));
    const switching: string[] = [];
    for (const bucket of tracked) if (await notifiesTracker(ctx, bucket)) switching.push(bucket);
    for (const bucket of [data, ...switching]) await sendToEventBridge(ctx, bucket);
    for (const bucket of [data, ...switching]) await removeS3Permission(ctx, bucket);
    return;
  }
  const switching = tracked.filter((bucket) => (ctx.state.eventBridgeEnabled ?? []).includes(bucket));
  for (const bucket of [data, ...switching]) await attachTracker(ctx, bucket);
  for (const bucket of [...(ctx.state.eventBridgeEnabled ?? [])]) await stopSendingToEventBridge(ctx, bucket);
  await destroyEventRuleIfAllowed(ctx, usedEventBridge);
}

/**
 * Notifications need no EventBridge: credentials without it must not stop setup, status or teardown
 * of a stack that never used it. A stack that did must be able to remove its rule: then it is an error.
 */
async function destroyEventRuleIfAllowed(ctx: ProvisionContext, usedEventBridge: boolean): Promise<void> {
  try {
    await destroyEventRule(ctx);
  } catch (error) {
    if (usedEventBridge || !isAccessDenied(error)) throw error;
  }
}

async function notifiesTracker(ctx: ProvisionContext, bucket: string): Promise<boolean> {
  const { LambdaFunctionConfigurations: entries = [] } = await readNotifications(ctx, bucket);
  return entries.some((entry) => isOurs(ctx, entry));
}

/**
 * Teardown's step (after the tracked buckets' own): both paths removed, whichever the stack used (a
 * crash may have left some of each), on every bucket where s3size turned EventBridge delivery on.
 */
export async function destroyTrigger(ctx: ProvisionContext): Promise<void> {
  for (const bucket of [...(ctx.state.eventBridgeEnabled ?? [])]) await stopSendingToEventBridge(ctx, bucket);
  await destroyNotifications(ctx);
  await destroyEventRuleIfAllowed(ctx, usesEventBridge(ctx.state));
}

/** The stack uses EventBridge, or a switch away from it has not finished turning delivery off. */
function usesEventBridge(state: StackState): boolean {
  return state.trigger === "eventbridge" || (state.eventBridgeEnabled ?? []).length > 0;
}
