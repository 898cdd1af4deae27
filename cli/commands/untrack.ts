// `s3size untrack <bucket>`: undoes exactly what `track` did — our notification entry (the bucket's
// others stay), the invoke permission for that bucket, the role's grant on it, and in incremental mode
// the bucket's index items. Never the bucket, its objects or its history.
import { validateBucketName } from "../aws-names.ts";
import { UserError } from "../errors.ts";
import { ensureRoles } from "../provision/roles.ts";
import { detachTrigger } from "../provision/trigger.ts";
import { ensureDashboardBuckets } from "../provision/web-function.ts";
import { forget, trackingContext } from "../tracking.ts";
import { requireSetUp } from "./track.ts";
import type { CommandSpec } from "./types.ts";

export const untrackCommand: CommandSpec = {
  changesStack: true,
  argument: {
    name: "<bucket>",
    description: "a bucket s3size track attached (the bucket and its history stay)",
  },
  async run(session, _options, bucket) {
    const { output } = session;
    validateBucketName(bucket!, "the bucket to untrack");
    await requireSetUp(session);
    const names = await session.names();
    if (bucket === names.dataBucket) {
      throw new UserError(
        `${bucket} is the stack's data bucket: the demo needs it tracked`,
        "s3size teardown removes the whole stack",
      );
    }
    const state = session.loadState();
    if (!(state.tracked ?? []).includes(bucket!)) {
      throw new UserError(
        `${bucket} is not tracked by this stack`,
        "s3size status lists the tracked buckets",
      );
    }
    const ctx = await session.provisionContext(state, false);
    await output.step(`detach the tracker from ${bucket}`, async (update) => {
      ctx.progress = update;
      await detachTrigger(ctx, bucket!);
    });
    state.tracked = (state.tracked ?? []).filter((name) => name !== bucket);
    session.store.save(state);
    await output.step(`take ${bucket} out of the tracker's role`, async (update) => {
      ctx.progress = update;
      await ensureRoles(ctx);
      await ensureDashboardBuckets(ctx);
    });
    const context = trackingContext(session.clients, session.settings, names);
    const forgotten = await output.step(
      `forget ${bucket}'s index`,
      () => forget(context, bucket!),
      (items) =>
        session.settings.tracking === "incremental" ? `${items} index items` : "no index in listing mode",
    );
    output.result({ bucket, indexItemsDeleted: forgotten, changes: ctx.changes }, () =>
      output.line(`${bucket} is no longer tracked; the bucket, its objects and its history are untouched`),
    );
    return 0;
  },
};
