// S3 → size-tracking: the permission for S3 to invoke the tracker (scoped to the data bucket and the
// account), then our entry in the bucket's notification configuration, merged with whatever else is there.
import {
  GetBucketNotificationConfigurationCommand,
  type LambdaFunctionConfiguration,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
} from "@aws-sdk/client-s3";
import { isNotFound } from "../errors.ts";
import { bucketExists } from "./buckets.ts";
import { arns, change, type ProvisionContext, read } from "./context.ts";
import { ensureInvokePermission, getFunction, removeInvokePermission } from "./functions.ts";

export const S3_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"];
export const S3_PERMISSION_ID = "s3size-s3-invoke";

export const notificationId = (ctx: ProvisionContext) => `s3size-${ctx.names.stack}-size-tracking`;

/** Our configuration, either by its id or by pointing at our function (a copy made by another tool). */
export function isOurs(ctx: ProvisionContext, entry: LambdaFunctionConfiguration): boolean {
  return entry.Id === notificationId(ctx) || entry.LambdaFunctionArn === arns(ctx).function("size-tracking");
}

export async function readNotifications(
  ctx: ProvisionContext,
  bucket = ctx.names.dataBucket,
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

export async function ensureNotifications(ctx: ProvisionContext): Promise<void> {
  const bucket = ctx.names.dataBucket;
  await ensureInvokePermission(ctx, "size-tracking", {
    statementId: S3_PERMISSION_ID,
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
    ctx.dryRun && !(await bucketExists(ctx.clients.s3, bucket)) ? {} : await readNotifications(ctx);
  const current = (existing.LambdaFunctionConfigurations ?? []).filter((entry) => isOurs(ctx, entry));
  const upToDate =
    current.length === 1 &&
    current[0]!.Id === ours.Id &&
    current[0]!.LambdaFunctionArn === ours.LambdaFunctionArn &&
    [...(current[0]!.Events ?? [])].sort().join() === [...S3_EVENTS].sort().join() &&
    !current[0]!.Filter;
  if (upToDate) return;
  await change(ctx, `notify ${ctx.names.functions["size-tracking"]} of changes in ${bucket}`, () =>
    ctx.clients.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: mergeNotifications(existing, (entry) => isOurs(ctx, entry), ours),
      }),
    ),
  );
}

export async function destroyNotifications(ctx: ProvisionContext): Promise<void> {
  const bucket = ctx.names.dataBucket;
  if (await bucketExists(ctx.clients.s3, bucket)) {
    try {
      const existing = await readNotifications(ctx);
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
    await removeInvokePermission(ctx, "size-tracking", S3_PERMISSION_ID);
  }
}
