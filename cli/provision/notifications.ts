// S3 → size-tracking: the permission for S3 to invoke the tracker (scoped to one bucket and the
// account), then our entry in that bucket's notification configuration, merged with whatever else is
// there. `attachTracker`/`detachTracker` serve the data bucket (a setup step) and every bucket
// `s3size track` adds: the same two calls, undone exactly.
import {
  GetBucketNotificationConfigurationCommand,
  type LambdaFunctionConfiguration,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
} from "@aws-sdk/client-s3";
import { awsErrorName, isNotFound, UserError } from "../errors.ts";
import { bucketExists } from "./buckets.ts";
import { arns, change, type ProvisionContext, read } from "./context.ts";
import { ensureInvokePermission, getFunction, removeInvokePermission } from "./functions.ts";

export const S3_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"];
const S3_PERMISSION_ID = "s3size-s3-invoke";

export const notificationId = (ctx: ProvisionContext) => `s3size-${ctx.names.stack}-size-tracking`;

/**
 * One resource-policy statement per bucket (a statement has one SourceArn). The data bucket keeps the
 * id it always had; bucket names (3–63 of a-z 0-9 . -) fit the id's pattern and its 100 characters.
 */
export function s3PermissionId(ctx: Pick<ProvisionContext, "names">, bucket: string): string {
  return bucket === ctx.names.dataBucket ? S3_PERMISSION_ID : `${S3_PERMISSION_ID}-${bucket}`;
}

/** Our configuration, either by its id or by pointing at our function (a copy made by another tool). */
export function isOurs(ctx: ProvisionContext, entry: LambdaFunctionConfiguration): boolean {
  return entry.Id === notificationId(ctx) || entry.LambdaFunctionArn === arns(ctx).function("size-tracking");
}

export async function readNotifications(
  ctx: ProvisionContext,
  bucket: string,
): Promise<NotificationConfiguration> {
  const { $metadata: _, ...configuration } = await read(() =>
    ctx.clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket })),
  );
  return configuration;
}

/** The bucket's configuration with our entry replaced by `ours` (or removed when undefined); the rest kept. */
export function mergeNotifications(
  existing: NotificationConfiguration,
  isOursEntry: (entry: LambdaFunctionConfiguration) => boolean,
  ours?: LambdaFunctionConfiguration,
): NotificationConfiguration {
  const others = (existing.LambdaFunctionConfigurations ?? []).filter((entry) => !isOursEntry(entry));
  const merged: NotificationConfiguration = {
    ...existing,
    LambdaFunctionConfigurations: ours ? [...others, ours] : others,
  };
  for (const key of Object.keys(merged) as Array<keyof NotificationConfiguration>) {
    const value = merged[key];
    if (Array.isArray(value) && value.length === 0) delete merged[key];
  }
  return merged;
}

/**
 * Attaches the tracker to a bucket: S3 may invoke it for this bucket only (SourceArn and
 * SourceAccount), then the bucket notifies it of every creation and removal, beside the bucket's other
 * configurations. Changes nothing when both are in place.
 */
export async function attachTracker(ctx: ProvisionContext, bucket: string): Promise<void> {
  await ensureInvokePermission(ctx, "size-tracking", {
    statementId: s3PermissionId(ctx, bucket),
    principal: "s3.amazonaws.com",
    sourceArn: arns(ctx).bucket(bucket),
    sourceAccount: ctx.account,
  });
  const ours: LambdaFunctionConfiguration = {
    Id: notificationId(ctx),
    LambdaFunctionArn: arns(ctx).function("size-tracking"),
    Events: S3_EVENTS as LambdaFunctionConfiguration["Events"],
  };
  const existing =
    ctx.dryRun && !(await bucketExists(ctx.clients.s3, bucket)) ? {} : await readNotifications(ctx, bucket);
  const current = (existing.LambdaFunctionConfigurations ?? []).filter((entry) => isOurs(ctx, entry));
  const upToDate =
    current.length === 1 &&
    current[0]!.Id === ours.Id &&
    current[0]!.LambdaFunctionArn === ours.LambdaFunctionArn &&
    [...(current[0]!.Events ?? [])].sort().join() === [...S3_EVENTS].sort().join() &&
    !current[0]!.Filter;
  if (upToDate) return;
  try {
    await change(ctx, `notify ${ctx.names.functions["size-tracking"]} of changes in ${bucket}`, () =>
      ctx.clients.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: mergeNotifications(existing, (entry) => isOurs(ctx, entry), ours),
        }),
      ),
    );
  } catch (error) {
    const rivals = overlappingConfigurations(existing, (entry) => isOurs(ctx, entry));
    if (awsErrorName(error) === "InvalidArgument" && rivals.length > 0) {
      throw new UserError(
        `${bucket} already sends object creations or removals to ${rivals.join(", ")}: S3 refuses a second configuration for the same events`,
        "S3 allows one destination per event type and prefix: send them to an SNS topic or EventBridge that both can follow, or narrow that configuration with a prefix or suffix",
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * The bucket's other configurations that take some of our events with any prefix or suffix (ours has
 * none, so every filter overlaps it): S3 refuses the merged configuration because of them.
 */
export function overlappingConfigurations(
  existing: NotificationConfiguration,
  isOursEntry: (entry: LambdaFunctionConfiguration) => boolean,
): string[] {
  const takesOurs = (events: string[] | undefined) =>
    (events ?? []).some((event) => /^s3:Object(Created|Removed):/.test(event) || event === "s3:*");
  const entries: Array<{ Id?: string; Events?: string[]; arn?: string }> = [
    ...(existing.LambdaFunctionConfigurations ?? [])
      .filter((entry) => !isOursEntry(entry))
      .map((entry) => ({ ...entry, arn: entry.LambdaFunctionArn })),
    ...(existing.QueueConfigurations ?? []).map((entry) => ({ ...entry, arn: entry.QueueArn })),
    ...(existing.TopicConfigurations ?? []).map((entry) => ({ ...entry, arn: entry.TopicArn })),
  ];
  return entries
    .filter((entry) => takesOurs(entry.Events))
    .map((entry) => (entry.Id ? `${entry.arn} (configuration ${entry.Id})` : String(entry.arn)));
}

/**
 * Detaches the tracker from a bucket: removes exactly our notification entry (the bucket's other
 * configurations stay) and the permission for that bucket. A missing bucket or function is no error.
 */
export async function detachTracker(ctx: ProvisionContext, bucket: string): Promise<void> {
  if (await bucketExists(ctx.clients.s3, bucket)) {
    try {
      const existing = await readNotifications(ctx, bucket);
      if ((existing.LambdaFunctionConfigurations ?? []).some((entry) => isOurs(ctx, entry))) {
        await change(ctx, `remove the notification of ${bucket}`, () =>
          ctx.clients.s3.send(
            new PutBucketNotificationConfigurationCommand({
              Bucket: bucket,
              NotificationConfiguration: mergeNotifications(existing, (entry) => isOurs(ctx, entry)),
            }),
          ),
        );
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  if (await getFunction(ctx.clients.lambda, ctx.names.functions["size-tracking"])) {
    await removeInvokePermission(ctx, "size-tracking", s3PermissionId(ctx, bucket));
  }
}

export function ensureNotifications(ctx: ProvisionContext): Promise<void> {
  return attachTracker(ctx, ctx.names.dataBucket);
}

export function destroyNotifications(ctx: ProvisionContext): Promise<void> {
  return detachTracker(ctx, ctx.names.dataBucket);
}
