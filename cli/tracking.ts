// The tracker's maintenance work run by the CLI itself, with the user's credentials: a bucket's
// baseline (`track`), a reconciliation (`reconcile`) and forgetting a bucket (`untrack`). The same
// handler code the tracker runs, in-process rather than through an invocation, because a baseline or a
// reconciliation of a large bucket outlasts the function's timeout (a million objects: minutes of
// listing and seeding), and because in-process a baseline cut short resumes at once under the same
// owner instead of waiting out the lease a vanished invocation holds.
import { hostname } from "node:os";
import type { HistoryRecord } from "../handlers/common/history.ts";
import type { TrackingContext } from "../handlers/tracking/context.ts";
import { trackByListing } from "../handlers/tracking/listing-mode.ts";
import {
  BASELINE_EVENT,
  type BaselineOutcome,
  baselineBucket,
  bucketIsVersioned,
} from "../handlers/tracking/object-index/baseline.ts";
import type { BucketTotal } from "../handlers/tracking/object-index/items.ts";
import { type DriftReport, reconcileBucket } from "../handlers/tracking/object-index/reconcile.ts";
import { forgetBucket, trackedBuckets } from "../handlers/tracking/object-index/registry.ts";
import { readTotal } from "../handlers/tracking/object-index/total-record.ts";
import { RequestTally } from "../handlers/tracking/request-tally.ts";
import type { AwsClients } from "./aws-clients.ts";
import type { Settings, StackNames } from "./config.ts";
import { awsErrorName, UserError } from "./errors.ts";

export function trackingContext(
  clients: Pick<AwsClients, "s3" | "dynamodb">,
  settings: Pick<Settings, "tracking">,
  names: Pick<StackNames, "table" | "indexTable">,
): TrackingContext {
  return {
    s3: clients.s3,
    dynamodb: clients.dynamodb,
    settings:
      settings.tracking === "incremental"
        ? { mode: "incremental", historyTable: names.table, indexTable: names.indexTable }
        : { mode: "listing", historyTable: names.table },
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    tally: new RequestTally(),
  };
}

/** Who runs a baseline: stable per machine and stack, so a `track` run again resumes its own. */
export function baselineOwner(stack: string): string {
  return `s3size-cli:${hostname()}:${stack}`;
}

export type Baseline =
  | { outcome: "recorded"; record: HistoryRecord; seededItems?: number }
  | { outcome: "already-baselined"; total: BucketTotal }
  | { outcome: "in-progress"; owner: string; since: number };

/**
 * One listing's record of the bucket (listing mode), or the index seeded from one listing and its
 * record (incremental mode). Listing mode's record may be superseded by an event's later listing:
 * that record is then the baseline.
 */
export async function baseline(context: TrackingContext, bucket: string, owner: string): Promise<Baseline> {
  if (context.settings.mode === "listing") {
    const versioned = await bucketIsVersioned(context, bucket);
    const outcome = await trackByListing(context, {
      bucket,
      versioned,
      trigger: { eventName: BASELINE_EVENT },
    });
    if (outcome.outcome === "recorded") return outcome;
    return {
      outcome: "recorded",
      record: {
        bucketName: bucket,
        timestamp: outcome.listingStartedAt,
        recordedAt: new Date(outcome.listingStartedAt).toISOString(),
        ...outcome.totals,
      },
    };
  }
  const outcome: BaselineOutcome = await baselineBucket(context, bucket, owner);
  return outcome;
}

export function requireIncremental(context: TrackingContext, command: string): void {
  if (context.settings.mode !== "incremental") {
    throw new UserError(
      `${command} needs incremental tracking: listing mode keeps no index to compare with a listing`,
      "run s3size setup --tracking incremental (or S3SIZE_TRACKING=incremental) first",
    );
  }
}

export async function reconcile(
  context: TrackingContext,
  owner: string,
  bucket?: string,
): Promise<DriftReport[]> {
  requireIncremental(context, "reconcile");
  const buckets = bucket ? [bucket] : await trackedBuckets(context);
  const reports: DriftReport[] = [];
  for (const name of buckets) reports.push(await reconcileBucket(context, name, owner));
  return reports;
}

/** Incremental mode: the index forgets the bucket (tracking it again starts from a fresh baseline). */
export async function forget(context: TrackingContext, bucket: string): Promise<number> {
  if (context.settings.mode !== "incremental") return 0;
  try {
    return await forgetBucket(context, bucket);
  } catch (error) {
    // No index table: nothing to forget.
    if (awsErrorName(error) === "ResourceNotFoundException") return 0;
    throw error;
  }
}

/** Incremental mode: the buckets in the index and each one's running total, for `status`. */
export async function indexTotals(
  context: TrackingContext,
): Promise<Array<{ bucket: string; total?: BucketTotal }>> {
  if (context.settings.mode !== "incremental") return [];
  const buckets = await trackedBuckets(context);
  return Promise.all(buckets.map(async (bucket) => ({ bucket, total: await readTotal(context, bucket) })));
}
