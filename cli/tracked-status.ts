// What `status` says about tracking: the mode, the buckets the tracker serves (the data bucket and
// those `track` added), and in incremental mode each one's running total in the index.
import { countOf } from "./commands/setup.ts";
import { awsErrorName } from "./errors.ts";
import { trackedBucketsOf } from "./provision/roles.ts";
import type { Session } from "./session.ts";
import type { StackState } from "./state.ts";
import { indexTotals, trackingContext } from "./tracking.ts";

export interface TrackingStatus {
  mode: "listing" | "incremental";
  buckets: Array<{ bucket: string; totalSize?: number; objectCount?: number; baselineRunning?: boolean }>;
  reconcileSchedule?: string;
}

/** The same, as lines for a person. */
export function trackingLines(status: TrackingStatus, dataBucket: string): string[] {
  return [
    `tracking: ${status.mode} mode${status.reconcileSchedule ? `, reconciled on ${status.reconcileSchedule}` : ""}`,
    ...status.buckets.map((entry) => {
      const role = entry.bucket === dataBucket ? " (data bucket)" : "";
      const size =
        entry.totalSize === undefined
          ? ""
          : `: ${entry.totalSize} bytes in ${countOf(entry.objectCount ?? 0, "object")}${entry.baselineRunning ? " (baseline running)" : ""}`;
      return `  tracked bucket ${entry.bucket}${role}${size}`;
    }),
  ];
}

export async function trackedBucketsStatus(session: Session, state: StackState): Promise<TrackingStatus> {
  const names = await session.names();
  const { tracking, reconcileSchedule } = session.settings;
  const totals = new Map<string, { totalSize: number; objectCount: number; seeding: boolean }>();
  if (tracking === "incremental") {
    try {
      const context = trackingContext(session.clients, session.settings, names);
      for (const { bucket, total } of await indexTotals(context)) {
        if (total) totals.set(bucket, { ...total, seeding: Boolean(total.seeding) });
      }
    } catch (error) {
      // No index table yet: the steps below report it missing.
      if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
    }
  }
  const buckets = trackedBucketsOf({ names, state }).map((bucket) => {
    const total = totals.get(bucket);
    return total
      ? { bucket, totalSize: total.totalSize, objectCount: total.objectCount, baselineRunning: total.seeding }
      : { bucket };
  });
  return {
    mode: tracking,
    buckets,
    ...(tracking === "incremental" ? { reconcileSchedule } : {}),
  };
}
