// `s3size track <bucket>`: attaches the tracker to an existing bucket — the role may list that bucket
// (and no other new one), S3 may invoke the tracker for it, its notification configuration gains our
// entry beside its others — then writes a baseline record from one listing (seeding the index in
// incremental mode). Attached before the baseline so no change made meanwhile is missed.

import { TRACKING_ENV } from "../../handlers/tracking/settings.ts";
import { validateBucketName } from "../aws-names.ts";
import { httpStatusOf, UserError } from "../errors.ts";
import { bucketExists } from "../provision/buckets.ts";
import type { ProvisionContext } from "../provision/context.ts";
import { getFunction } from "../provision/functions.ts";
import { ensureRoles } from "../provision/roles.ts";
import { attachTrigger, detachTrigger } from "../provision/trigger.ts";
import { ensureDashboardBuckets } from "../provision/web-function.ts";
import type { Session } from "../session.ts";
import { type Baseline, baseline, baselineOwner, trackingContext } from "../tracking.ts";
import { countOf } from "./setup.ts";
import type { CommandSpec } from "./types.ts";

/**
 * The stack must exist (its tracker and role) before another bucket can be attached to it, and track in
 * the mode this command was given: an index seeded for a tracker that lists (or the reverse) would
 * be work nobody reads.
 */
export async function requireSetUp(session: Session): Promise<void> {
  await session.account();
  const state = session.loadState();
  if (!state.completed.notifications) {
    throw new UserError("the stack is not set up yet (no tracker to attach)", "run s3size setup first");
  }
  const tracker = (await session.names()).functions["size-tracking"];
  const deployed = await getFunction(session.clients.lambda, tracker);
  if (!deployed) throw new UserError(`function ${tracker} does not exist`, "run s3size setup first");
  const mode = deployed.Configuration?.Environment?.Variables?.[TRACKING_ENV.mode] ?? "listing";
  if (mode !== session.settings.tracking) {
    throw new UserError(
      `the stack tracks in ${mode} mode, not ${session.settings.tracking}`,
      `run s3size setup --tracking ${session.settings.tracking} to switch, or use --tracking ${mode} (S3SIZE_TRACKING)`,
    );
  }
}

export async function runTrack(
  session: Session,
  bucket: string,
): Promise<{ bucket: string; baseline?: Baseline; alreadyTracked: boolean }> {
  const { output } = session;
  validateBucketName(bucket, "the bucket to track");
  await requireSetUp(session);
  const names = await session.names();
  if (bucket === names.plotBucket) {
    throw new UserError(
      `${bucket} is the stack's plot bucket`,
      "the plot is written there on every chart: tracking it would chart the charts; track another bucket",
    );
  }
  const state = session.loadState();
  const ctx = await session.provisionContext(state, false);
  if (!(await reachableBucket(session, bucket))) {
    throw new UserError(
      `bucket ${bucket} does not exist`,
      "check the name (and --region), or create it first",
    );
  }
  const alreadyTracked = bucket === names.dataBucket || (state.tracked ?? []).includes(bucket);
  if (bucket !== names.dataBucket && !alreadyTracked) {
    // Recorded first: a crash after any change below still leaves untrack and teardown able to undo it.
    state.tracked = [...(state.tracked ?? []), bucket];
    session.store.save(state);
  }
  await output.step(`let the tracker's role list ${bucket}`, async (update) => {
    ctx.progress = update;
    await ensureRoles(ctx);
    await ensureDashboardBuckets(ctx);
  });
  try {
    await output.step(`attach the tracker to ${bucket}`, async (update) => {
      ctx.progress = update;
      await attachTrigger(ctx, bucket);
    });
  } catch (error) {
    // Refused (say, by the bucket's own configuration): leave nothing half-attached behind, so the
    // next setup does not trip over it. A crash instead leaves the record, which untrack follows.
    if (!alreadyTracked) await undoTrack(session, ctx, bucket);
    throw error;
  }
  const context = trackingContext(session.clients, session.settings, names);
  const result = await output.step(
    `baseline of ${bucket} (${session.settings.tracking} mode)`,
    () => baseline(context, bucket, baselineOwner(names.stack)),
    describeBaseline,
  );
  return { bucket, baseline: result, alreadyTracked };
}

/** Whether the bucket exists; one this account cannot read is no bucket to track (not a name clash). */
async function reachableBucket(session: Session, bucket: string): Promise<boolean> {
  try {
    return await bucketExists(session.clients.s3, bucket);
  } catch (error) {
    if (httpStatusOf((error as { cause?: unknown }).cause) !== 403) throw error;
    throw new UserError(
      `cannot read bucket ${bucket}: it belongs to another account, or your credentials may not list it`,
      "track a bucket of this account that you may list (only its owner can change its notifications)",
      { cause: error },
    );
  }
}

async function undoTrack(session: Session, ctx: ProvisionContext, bucket: string): Promise<void> {
  await detachTrigger(ctx, bucket);
  ctx.state.tracked = (ctx.state.tracked ?? []).filter((name) => name !== bucket);
  session.store.save(ctx.state);
  await ensureRoles(ctx);
  await ensureDashboardBuckets(ctx);
}

export function describeBaseline(result: Baseline): string {
  switch (result.outcome) {
    case "recorded":
      return `${result.record.totalSize} bytes in ${countOf(result.record.objectCount, "object")}`;
    case "already-baselined":
      return `indexed already: ${result.total.totalSize} bytes in ${countOf(result.total.objectCount, "object")}`;
    case "superseded":
      return `${result.totalSize} bytes in ${countOf(result.objectCount, "object")}; an event's later listing holds the record`;
    case "in-progress":
      return `another baseline runs since ${new Date(result.since).toISOString()} (${result.owner})`;
  }
}

export const trackCommand: CommandSpec = {
  changesStack: true,
  argument: {
    name: "<bucket>",
    description: "an existing bucket to track (it, its objects and settings stay yours)",
  },
  async run(session, _options, bucket) {
    const report = await runTrack(session, bucket!);
    session.output.result(report, () => {
      session.output.line(
        `${bucket} is tracked${report.alreadyTracked ? " (it was already)" : ""}: s3size history --bucket ${bucket}`,
      );
    });
    if (report.baseline?.outcome === "in-progress") {
      throw new UserError(
        `another baseline of ${bucket} is running (${report.baseline.owner})`,
        "the tracker is attached; run s3size track again once it has finished, or after 16 minutes to take it over",
      );
    }
    return 0;
  },
};
