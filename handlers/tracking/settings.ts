// The tracker's own settings, read from its function environment (setup writes them; phase B's CLI
// imports these names so both sides spell them once).
import { FUNCTION_ENV, requireEnv } from "../common/function-env.ts";

export const TRACKING_ENV = {
  /** `listing` (default: every event lists the bucket) or `incremental` (an index in DynamoDB). */
  mode: "S3SIZE_TRACKING",
  /** The per-object index table, required in incremental mode. */
  indexTable: "INDEX_TABLE",
} as const;

export const TRACKING_MODES = ["listing", "incremental"] as const;
export type TrackingMode = (typeof TRACKING_MODES)[number];

export const DEFAULT_INDEX_TABLE_NAME = "S3-object-size-index";

export interface TrackingSettings {
  mode: TrackingMode;
  historyTable: string;
  /** Set in incremental mode only. */
  indexTable?: string;
}

/** Reads and checks the settings; a wrong value is a deployment mistake, so it throws naming it. */
export function trackingSettings(env: NodeJS.ProcessEnv): TrackingSettings {
  const historyTable = requireEnv(FUNCTION_ENV.table, env);
  const raw = env[TRACKING_ENV.mode] || "listing";
  if (!TRACKING_MODES.includes(raw as TrackingMode)) {
    throw new Error(
      `environment variable ${TRACKING_ENV.mode} must be ${TRACKING_MODES.join(" or ")}, got "${raw}"`,
    );
  }
  const mode = raw as TrackingMode;
  if (mode === "listing") return { mode, historyTable };
  return { mode, historyTable, indexTable: requireEnv(TRACKING_ENV.indexTable, env) };
}
