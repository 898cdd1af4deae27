// The dashboard function's settings, read once from its environment: what setup gives it, with the
// defaults a stack without failure queue or alarm still works with ("not configured" on the page).
import { FUNCTION_ENV } from "../common/function-env.ts";
import { bucketNameProblem } from "../plotting/params.ts";

/** The dashboard's own environment variables (setup sets them in phase B of issue 12). */
export const WEB_ENV = {
  /** Comma-separated: every bucket the stack tracks; the data bucket when absent. */
  trackedBuckets: "TRACKED_BUCKETS",
  /** Uploads land under this key prefix, which the presigned POST's policy enforces. */
  uploadPrefix: "UPLOAD_PREFIX",
  uploadMaxBytes: "UPLOAD_MAX_BYTES",
  failureQueueUrl: "FAILURE_QUEUE_URL",
  /** The failure queue by name (setup's way: its URL is looked up, and a queue not there is not shown). */
  failureQueueName: "FAILURE_QUEUE_NAME",
  errorsAlarm: "ERRORS_ALARM_NAME",
  refreshSeconds: "DASHBOARD_REFRESH_SECONDS",
} as const;

export const DEFAULT_UPLOAD_PREFIX = "uploads/";
export const DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
/** S3's own limit for one POST Object upload. */
export const S3_POST_LIMIT_BYTES = 5 * 1024 ** 3;
export const DEFAULT_REFRESH_SECONDS = 5;

export interface WebConfig {
  table: string;
  dataBucket: string;
  /** The data bucket first, then the other tracked buckets. */
  trackedBuckets: string[];
  uploadPrefix: string;
  uploadMaxBytes: number;
  failureQueueUrl?: string;
  failureQueueName?: string;
  errorsAlarm?: string;
  refreshSeconds: number;
}

/** A deployment mistake in the environment: the function fails loudly (a 500 with this message). */
export class WebConfigError extends Error {
  override readonly name = "WebConfigError";
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WebConfigError(
      `environment variable ${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

export function readWebConfig(env: NodeJS.ProcessEnv): WebConfig {
  const table = env[FUNCTION_ENV.table];
  const dataBucket = env[FUNCTION_ENV.dataBucket];
  if (!table) throw new WebConfigError(`environment variable ${FUNCTION_ENV.table} is not set`);
  if (!dataBucket) throw new WebConfigError(`environment variable ${FUNCTION_ENV.dataBucket} is not set`);
  const listed = (env[WEB_ENV.trackedBuckets] ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const trackedBuckets = [dataBucket, ...listed.filter((name) => name !== dataBucket)];
  for (const bucket of trackedBuckets) {
    const problem = bucketNameProblem(bucket);
    if (problem)
      throw new WebConfigError(`tracked bucket "${bucket}" is not a valid bucket name: ${problem}`);
  }
  const uploadPrefix = env[WEB_ENV.uploadPrefix] || DEFAULT_UPLOAD_PREFIX;
  // A prefix that is not a folder ("up") would let the policy's starts-with match "upgrade.txt" too.
  const folders = uploadPrefix.split("/").slice(0, -1);
  if (
    !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(uploadPrefix) ||
    folders.some((folder) => folder === "." || folder === "..")
  ) {
    throw new WebConfigError(
      `environment variable ${WEB_ENV.uploadPrefix} must be a folder-like key prefix ending in "/" (e.g. "uploads/"), got "${uploadPrefix}"`,
    );
  }
  const failureQueueUrl = env[WEB_ENV.failureQueueUrl] || undefined;
  const failureQueueName = env[WEB_ENV.failureQueueName] || undefined;
  const errorsAlarm = env[WEB_ENV.errorsAlarm] || undefined;
  return {
    table,
    dataBucket,
    trackedBuckets,
    uploadPrefix,
    uploadMaxBytes: integer(env, WEB_ENV.uploadMaxBytes, DEFAULT_UPLOAD_MAX_BYTES, 1, S3_POST_LIMIT_BYTES),
    refreshSeconds: integer(env, WEB_ENV.refreshSeconds, DEFAULT_REFRESH_SECONDS, 2, 3600),
    ...(failureQueueUrl ? { failureQueueUrl } : {}),
    ...(failureQueueName ? { failureQueueName } : {}),
    ...(errorsAlarm ? { errorsAlarm } : {}),
  };
}
