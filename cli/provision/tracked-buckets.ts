// The buckets `s3size track` added (state.json's `tracked`): setup keeps the tracker attached to each
// (repairing drift, as for the data bucket), status reports them, teardown detaches it from each and
// leaves the buckets, their objects and their history alone. The role's grants follow the same list
// (roles.ts), so a bucket is listed only while it is tracked.
import { bucketExists } from "./buckets.ts";
import type { ProvisionContext } from "./context.ts";
import { detachTracker } from "./notifications.ts";
import { attachTrigger, stopSendingToEventBridge } from "./trigger.ts";

export function trackedBuckets(ctx: Pick<ProvisionContext, "state">): string[] {
  return ctx.state.tracked ?? [];
}

export async function ensureTrackedBuckets(ctx: ProvisionContext): Promise<void> {
  for (const bucket of trackedBuckets(ctx)) {
    if (!(await bucketExists(ctx.clients.s3, bucket))) {
      ctx.notes.push(`tracked bucket ${bucket} no longer exists: s3size untrack ${bucket} forgets it`);
      continue;
    }
    await attachTrigger(ctx, bucket);
  }
}

export async function destroyTrackedBuckets(ctx: ProvisionContext): Promise<void> {
  // The rule goes with the notifications step after this one: no need to narrow it bucket by bucket.
  for (const bucket of trackedBuckets(ctx)) {
    await stopSendingToEventBridge(ctx, bucket);
    await detachTracker(ctx, bucket);
  }
}
