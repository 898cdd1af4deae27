// The dashboard function `s3size-web` (issue 12): its least-privilege policy and its configuration. It
// reads the history by Query, lists the tracked buckets, signs presigned POSTs under the upload prefix
// and deletes there, and looks at the failure queue and the tracker's errors alarm when they exist.

import { FUNCTION_ENV } from "../../handlers/common/function-env.ts";
import { GLOBAL_SIZE_INDEX } from "../../handlers/common/history.ts";
import {
  DEFAULT_REFRESH_SECONDS,
  DEFAULT_UPLOAD_MAX_BYTES,
  DEFAULT_UPLOAD_PREFIX,
  WEB_ENV,
} from "../../handlers/web/config.ts";
import type { StackNames } from "../config.ts";
import { arns, type ProvisionContext, partitionOf } from "./context.ts";
import { ensureVariables } from "./function-variables.ts";
import { getFunction } from "./functions.ts";
import { type PolicyDocument, trackedBucketsOf } from "./roles.ts";

type Where = Pick<ProvisionContext, "names" | "account" | "region">;

/** The failure queue and the tracker's errors alarm the dashboard shows (it leaves out what is not there). */
export function dashboardWatches(names: StackNames): { failureQueue: string; errorsAlarm: string } {
  return { failureQueue: names.failureQueue, errorsAlarm: names.errorsAlarm };
}

type WithState = Where & Partial<Pick<ProvisionContext, "settings" | "state">>;

/** The buckets the dashboard offers: every bucket the tracker serves, the data bucket first. */
export function dashboardBuckets(ctx: WithState): string[] {
  return trackedBucketsOf(ctx);
}

export function webPolicy(ctx: WithState): PolicyDocument {
  const arn = arns(ctx);
  const p = partitionOf(ctx.region);
  const { names, account, region } = ctx;
  const watches = dashboardWatches(names);
  const uploads = arn.object(names.dataBucket, `${DEFAULT_UPLOAD_PREFIX}*`);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "QueryHistory",
        Effect: "Allow",
        Action: ["dynamodb:Query"],
        Resource: [arn.table, arn.index(GLOBAL_SIZE_INDEX)],
      },
      {
        Sid: "ListTrackedBuckets",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: dashboardBuckets(ctx).map(arn.bucket),
      },
      // A presigned POST is authorized as its signer: the role must allow the PutObject it signs.
      {
        Sid: "UploadAndDelete",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: [uploads],
      },
      {
        Sid: "FailureQueueCount",
        Effect: "Allow",
        Action: ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
        Resource: [`arn:${p}:sqs:${region}:${account}:${watches.failureQueue}`],
      },
      {
        Sid: "ErrorsAlarmState",
        Effect: "Allow",
        Action: ["cloudwatch:DescribeAlarms"],
        Resource: [`arn:${p}:cloudwatch:${region}:${account}:alarm:${watches.errorsAlarm}`],
      },
      {
        Sid: "OwnLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [arn.logStreams("web")],
      },
    ],
  };
}

/** What the function reads from its environment (handlers/web/config.ts). */
export function webEnvironment(ctx: WithState): Record<string, string> {
  const { names } = ctx;
  const watches = dashboardWatches(names);
  return {
    [FUNCTION_ENV.table]: names.table,
    [FUNCTION_ENV.dataBucket]: names.dataBucket,
    [WEB_ENV.trackedBuckets]: dashboardBuckets(ctx).join(","),
    [WEB_ENV.uploadPrefix]: DEFAULT_UPLOAD_PREFIX,
    [WEB_ENV.uploadMaxBytes]: String(DEFAULT_UPLOAD_MAX_BYTES),
    [WEB_ENV.failureQueueName]: watches.failureQueue,
    [WEB_ENV.errorsAlarm]: watches.errorsAlarm,
    [WEB_ENV.refreshSeconds]: String(DEFAULT_REFRESH_SECONDS),
  };
}

/** After `track`/`untrack`: the dashboard offers the buckets now tracked (its role follows with the roles). */
export async function ensureDashboardBuckets(ctx: ProvisionContext): Promise<void> {
  if (!(await getFunction(ctx.clients.lambda, ctx.names.functions.web))) return; // setup makes it
  const buckets = dashboardBuckets(ctx).join(",");
  await ensureVariables(
    ctx,
    "web",
    { [WEB_ENV.trackedBuckets]: buckets },
    `show ${buckets} on the dashboard`,
  );
}
