// size-tracking Lambda: turns what invokes it into history records. S3 notifications and EventBridge
// object events are tracked in the mode its environment names (listing: every event lists the bucket;
// incremental: an index in DynamoDB, O(1) requests per event); a schedule or an
// {"action":"reconcile"} payload reconciles the index with a listing. One structured log line per
// outcome says what it cost. Throws on failure so the platform retries.
import { randomUUID } from "node:crypto";
import { type AwsClients, awsClients } from "./common/clients.ts";
import type { HistoryRecord } from "./common/history.ts";
import { describeError, type TrackingContext, withFreshTally } from "./tracking/context.ts";
import { applyChange, type IncrementalOutcome } from "./tracking/incremental-mode.ts";
import { type ListingOutcome, trackByListing } from "./tracking/listing-mode.ts";
import { notifyTopic, type Publish, type RecordedChange, snsPublish } from "./tracking/notify.ts";
import { bucketsToMeasure, type ObjectChange, objectChanges } from "./tracking/object-events.ts";
import {
  BASELINE_EVENT,
  type BaselineOutcome,
  baselineBucket,
  bucketIsVersioned,
  SEEDING_LEASE_MS,
} from "./tracking/object-index/baseline.ts";
import { type DriftReport, reconcileBucket } from "./tracking/object-index/reconcile.ts";
import {
  type MaintenanceRequest,
  maintenanceRequest,
  trackedBuckets,
} from "./tracking/object-index/registry.ts";
import { RequestTally } from "./tracking/request-tally.ts";
import { trackingSettings } from "./tracking/settings.ts";

export interface TrackingDeps {
  clients: () => AwsClients;
  env: NodeJS.ProcessEnv;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
  /** Publishes to the stack's topic (issue 11); tests record instead. */
  publish: Publish;
}

export type TrackingOutcome =
  | ListingOutcome
  | IncrementalOutcome
  | ({ outcome: "reconciled" } & DriftReport)
  | ({ action: "baseline"; bucket: string } & BaselineOutcome);

export interface TrackingResult {
  records: HistoryRecord[];
  outcomes: TrackingOutcome[];
}

/** The Lambda context's request id names who runs a baseline; tests and scripts get a fresh one. */
interface InvocationContext {
  awsRequestId?: string;
}

export function createTrackingHandler(overrides: Partial<TrackingDeps> = {}) {
  const deps: TrackingDeps = {
    clients: awsClients,
    env: process.env,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
    publish: snsPublish,
    ...overrides,
  };
  return async (event: unknown, invocation?: InvocationContext): Promise<TrackingResult> => {
    const settings = trackingSettings(deps.env);
    const { s3, dynamodb } = deps.clients();
    const context: TrackingContext = {
      s3,
      dynamodb,
      settings,
      now: deps.now,
      sleep: deps.sleep,
      tally: new RequestTally(),
    };
    const owner = invocation?.awsRequestId ?? `invocation-${randomUUID()}`;
    const maintenance = maintenanceRequest(event);
    const work = maintenance
      ? await maintenanceWork(context, maintenance, owner)
      : objectWork(context, objectChanges(event), owner);
    if (work.length === 0)
      deps.log(JSON.stringify({ level: "info", message: "event names no object change" }));
    const settled = await Promise.allSettled(work.map((unit) => unit.run()));
    const outcomes: TrackingOutcome[] = [];
    const failures: string[] = [];
    const failed: Array<{ bucket: string; error: string }> = [];
    settled.forEach((result, i) => {
      if (result.status === "fulfilled") {
        for (const { outcome, requests } of result.value) {
          outcomes.push(outcome);
          deps.log(JSON.stringify({ level: "info", ...logFields(outcome), mode: settings.mode, requests }));
        }
      } else {
        failures.push(`${work[i]!.bucket} (${describeError(result.reason)})`);
        failed.push({ bucket: work[i]!.bucket, error: describeError(result.reason) });
        deps.log(
          JSON.stringify({ level: "error", bucket: work[i]!.bucket, error: describeError(result.reason) }),
        );
      }
    });
    // After the records are stored, before a failure is thrown: the topic hears of both.
    const recorded = outcomes.flatMap(recordedChange);
    await notifyTopic({ ...deps, event, recorded, failures: failed });
    if (failures.length > 0) throw new Error(`size tracking failed for ${failures.join(", ")}`);
    return { records: outcomes.flatMap(recordOf), outcomes };
  };
}

interface WorkUnit {
  bucket: string;
  /** Runs the bucket's work, giving each outcome with the requests it took. */
  run(): Promise<Array<{ outcome: TrackingOutcome; requests: ReturnType<RequestTally["summary"]> }>>;
}

function objectWork(context: TrackingContext, changes: ObjectChange[], owner: string): WorkUnit[] {
  if (context.settings.mode === "listing") {
    return bucketsToMeasure(changes).map((target) => ({
      bucket: target.bucket,
      run: async () => {
        const own = withFreshTally(context);
        return [{ outcome: await trackByListing(own, target), requests: own.tally.summary() }];
      },
    }));
  }
  // Incremental: a bucket's changes in the order the event carries them; buckets side by side.
  const byBucket = new Map<string, ObjectChange[]>();
  for (const change of changes) byBucket.set(change.bucket, [...(byBucket.get(change.bucket) ?? []), change]);
  return [...byBucket].map(([bucket, bucketChanges]) => ({
    bucket,
    run: async () => {
      const done = [];
      for (const change of bucketChanges) {
        const own = withFreshTally(context);
        let outcome = await applyChange(own, change);
        // A bucket the index has never seen (its first event lists it once, then is applied on top),
        // or one whose baseline stopped half-way (resumed where it stopped).
        const abandoned =
          outcome.outcome === "applied-during-baseline" &&
          context.now() - (outcome.seedingSince ?? 0) >= SEEDING_LEASE_MS;
        if (outcome.outcome === "needs-baseline" || abandoned) {
          const baseline = await baselineBucket(own, bucket, owner);
          if (baseline.outcome === "recorded") {
            done.push({
              outcome: { action: "baseline" as const, bucket, ...baseline },
              requests: own.tally.summary(),
            });
          }
          if (outcome.outcome === "needs-baseline") outcome = await applyChange(own, change);
        }
        done.push({ outcome, requests: own.tally.summary() });
      }
      return done;
    },
  }));
}

async function maintenanceWork(
  context: TrackingContext,
  request: MaintenanceRequest,
  owner: string,
): Promise<WorkUnit[]> {
  if (context.settings.mode === "listing") {
    // No index to reconcile; a baseline is one listing's record.
    if (request.action !== "baseline" || !request.bucket) {
      throw new Error(
        "reconciliation needs incremental tracking (S3SIZE_TRACKING=incremental): listing mode keeps no index",
      );
    }
    const bucket = request.bucket;
    return [
      {
        bucket,
        run: async () => {
          const own = withFreshTally(context);
          const versioned = await bucketIsVersioned(own, bucket);
          const outcome = await trackByListing(own, {
            bucket,
            versioned,
            trigger: { eventName: BASELINE_EVENT },
          });
          return [{ outcome, requests: own.tally.summary() }];
        },
      },
    ];
  }
  const buckets = request.bucket ? [request.bucket] : await trackedBuckets(context);
  return buckets.map((bucket) => ({
    bucket,
    run: async () => {
      const own = withFreshTally(context);
      if (request.action === "baseline") {
        const outcome = await baselineBucket(own, bucket, owner);
        return [
          { outcome: { action: "baseline" as const, bucket, ...outcome }, requests: own.tally.summary() },
        ];
      }
      const report = await reconcileBucket(own, bucket, owner);
      return [{ outcome: { outcome: "reconciled" as const, ...report }, requests: own.tally.summary() }];
    },
  }));
}

function recordedChange(outcome: TrackingOutcome): RecordedChange[] {
  return recordOf(outcome).map((record) => ({
    record,
    ...("previousTotal" in outcome && outcome.previousTotal !== undefined
      ? { previousTotal: outcome.previousTotal }
      : {}),
  }));
}

function recordOf(outcome: TrackingOutcome): HistoryRecord[] {
  if ("record" in outcome && outcome.record) return [outcome.record];
  return [];
}

/** The log line's fields: a record's whole content, or what happened instead. */
function logFields(outcome: TrackingOutcome): Record<string, unknown> {
  if ("action" in outcome) {
    return outcome.outcome === "recorded"
      ? {
          message: "recorded bucket size",
          baseline: true,
          seededItems: outcome.seededItems,
          ...outcome.record,
        }
      : { message: `baseline ${outcome.outcome}`, bucket: outcome.bucket };
  }
  switch (outcome.outcome) {
    case "recorded":
      return {
        message: "recorded bucket size",
        ...outcome.record,
        ...("attempts" in outcome ? { attempts: outcome.attempts } : {}),
      };
    case "superseded":
      return {
        message: "listing superseded by a later one; not recorded",
        bucketName: outcome.bucket,
        trigger: outcome.trigger,
        listingStartedAt: new Date(outcome.listingStartedAt).toISOString(),
        newestRecordAt: new Date(outcome.newestRecordAt).toISOString(),
        ...outcome.totals,
      };
    case "ignored":
      return {
        message: "event ignored",
        reason: outcome.reason,
        bucketName: outcome.bucket,
        trigger: outcome.trigger,
        attempts: outcome.attempts,
      };
    case "applied-during-baseline":
      return {
        message: "applied while the bucket's baseline runs; no record yet",
        bucketName: outcome.bucket,
        trigger: outcome.trigger,
      };
    case "needs-baseline":
      return { message: "bucket has no baseline", bucketName: outcome.bucket };
    case "reconciled": {
      const { outcome: _, ...report } = outcome;
      return { message: "reconciled", ...report };
    }
  }
}

export const handler = createTrackingHandler();
