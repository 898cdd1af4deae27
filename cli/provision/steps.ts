// The setup order of SPEC §2, each step with its ensure and its destroy; teardown walks it backwards.
import { destroyAlarm, ensureAlarm } from "./alarm.ts";
import { destroyApi, ensureApi } from "./api.ts";
import { checkBuckets, destroyBuckets, ensureBuckets } from "./buckets.ts";
import type { ProvisionContext } from "./context.ts";
import { destroyDashboardCors, ensureDashboardCors } from "./dashboard-cors.ts";
import { destroyDriverEnv, ensureDriverEnv } from "./driver-env.ts";
import { destroyFailureDestination, ensureFailureDestination } from "./failure-destination.ts";
import { checkFailureQueue, destroyFailureQueue, ensureFailureQueue } from "./failure-queue.ts";
import { destroyFunctions, ensureFunctions } from "./functions.ts";
import { destroyIndexTable, ensureIndexTable } from "./index-table.ts";
import { destroyLogGroups, ensureLogGroups } from "./log-groups.ts";
import { destroyReconcileSchedule, ensureReconcileSchedule } from "./reconcile-schedule.ts";
import { destroyRoles, ensureRoles } from "./roles.ts";
import { checkTable, destroyTable, ensureTable } from "./table.ts";
import { checkTopic, destroyTopic, ensureTopic } from "./topic.ts";
import { destroyTrackedBuckets, ensureTrackedBuckets } from "./tracked-buckets.ts";
import { destroyTrigger, ensureTrigger } from "./trigger.ts";

export interface Step {
  name: string;
  label: string;
  ensure(ctx: ProvisionContext): Promise<void>;
  destroy(ctx: ProvisionContext): Promise<void>;
}

/** The account step (GetCallerIdentity) runs before these, since the default names depend on it. */
export const STEPS: Step[] = [
  { name: "buckets", label: "buckets", ensure: ensureBuckets, destroy: destroyBuckets },
  { name: "table", label: "history table", ensure: ensureTable, destroy: destroyTable },
  { name: "index-table", label: "object index table", ensure: ensureIndexTable, destroy: destroyIndexTable },
  // Before the roles and functions that name them; the destination and alarm once the tracker exists.
  { name: "topic", label: "notification topic", ensure: ensureTopic, destroy: destroyTopic },
  { name: "failure-queue", label: "failure queue", ensure: ensureFailureQueue, destroy: destroyFailureQueue },
  { name: "roles", label: "roles and policies", ensure: ensureRoles, destroy: destroyRoles },
  { name: "log-groups", label: "log groups", ensure: ensureLogGroups, destroy: destroyLogGroups },
  { name: "functions", label: "functions", ensure: ensureFunctions, destroy: destroyFunctions },
  {
    name: "failure-destination",
    label: "tracker's retries and failure destination",
    ensure: ensureFailureDestination,
    destroy: destroyFailureDestination,
  },
  { name: "alarm", label: "tracker errors alarm", ensure: ensureAlarm, destroy: destroyAlarm },
  {
    name: "notifications",
    label: "S3 events → tracker",
    ensure: ensureTrigger,
    destroy: destroyTrigger,
  },
  {
    name: "tracked-buckets",
    label: "tracked buckets",
    ensure: ensureTrackedBuckets,
    destroy: destroyTrackedBuckets,
  },
  {
    name: "reconcile-schedule",
    label: "reconciliation schedule",
    ensure: ensureReconcileSchedule,
    destroy: destroyReconcileSchedule,
  },
  { name: "api", label: "REST API", ensure: ensureApi, destroy: destroyApi },
  { name: "driver-env", label: "driver's API URL", ensure: ensureDriverEnv, destroy: destroyDriverEnv },
  {
    name: "dashboard-cors",
    label: "dashboard uploads (CORS)",
    ensure: ensureDashboardCors,
    destroy: destroyDashboardCors,
  },
];

/** Reads that refuse bad input before the first change, so a refused setup leaves nothing behind. */
export async function preflight(ctx: ProvisionContext): Promise<void> {
  await checkBuckets(ctx);
  await checkTable(ctx);
  await checkTopic(ctx);
  await checkFailureQueue(ctx);
}

export const STEP_NAMES = ["account", ...STEPS.map((step) => step.name)];
