// The tracker's asynchronous invocation configuration: how often Lambda retries a failed S3 event, how
// old an event may get, and the on-failure destination, the failure queue. Without it Lambda retries
// twice and drops the event, and nobody is told.
import {
  DeleteFunctionEventInvokeConfigCommand,
  type FunctionEventInvokeConfig,
  GetFunctionEventInvokeConfigCommand,
  PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { awsErrorName, isNotFound } from "../errors.ts";
import { isConflict, isThrottle, type RetryCondition, withRetry } from "../retry.ts";
import { arns, change, hasStackTag, type ProvisionContext, readIfExists } from "./context.ts";
import { getFunction } from "./functions.ts";

export interface WantedInvokeConfig {
  MaximumRetryAttempts: number;
  MaximumEventAgeInSeconds: number;
  DestinationConfig: { OnFailure: { Destination: string } };
}

export function wantedInvokeConfig(ctx: ProvisionContext): WantedInvokeConfig {
  return {
    MaximumRetryAttempts: ctx.settings.trackerRetries,
    MaximumEventAgeInSeconds: ctx.settings.trackerMaxEventAgeSeconds,
    DestinationConfig: { OnFailure: { Destination: arns(ctx).failureQueue } },
  };
}

/** The fields that differ from what setup wants (empty when the configuration is as wanted). */
export function invokeConfigDrift(
  current: FunctionEventInvokeConfig | undefined,
  wanted: WantedInvokeConfig,
): string[] {
  if (!current) return ["missing"];
  const drift: string[] = [];
  if (current.MaximumRetryAttempts !== wanted.MaximumRetryAttempts) drift.push("MaximumRetryAttempts");
  if (current.MaximumEventAgeInSeconds !== wanted.MaximumEventAgeInSeconds)
    drift.push("MaximumEventAgeInSeconds");
  if (current.DestinationConfig?.OnFailure?.Destination !== wanted.DestinationConfig.OnFailure.Destination)
    drift.push("OnFailure");
  // An on-success destination someone added would send every record there too: setup owns this config.
  if (current.DestinationConfig?.OnSuccess?.Destination) drift.push("OnSuccess");
  return drift;
}

/**
 * Lambda checks that the execution role may send to the destination, and answers a role whose new
 * policy IAM has not propagated yet with the same words as one that lacks it: retried for a while.
 */
export const isDestinationNotYetAllowed: RetryCondition = (error) =>
  awsErrorName(error) === "InvalidParameterValueException" &&
  /destination ARN .* is invalid/i.test(String((error as Error).message));

export async function currentInvokeConfig(
  ctx: ProvisionContext,
): Promise<FunctionEventInvokeConfig | undefined> {
  return readIfExists(() =>
    ctx.clients.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: ctx.names.functions["size-tracking"] }),
    ),
  );
}

export async function ensureFailureDestination(ctx: ProvisionContext): Promise<void> {
  const wanted = wantedInvokeConfig(ctx);
  const drift = invokeConfigDrift(await currentInvokeConfig(ctx), wanted);
  if (drift.length === 0) return;
  const name = ctx.names.functions["size-tracking"];
  const what =
    drift[0] === "missing"
      ? `send ${name}'s failed events to ${ctx.names.failureQueue} after ${wanted.MaximumRetryAttempts} retries`
      : `update ${drift.join(", ")} of ${name}'s asynchronous invocation`;
  await change(ctx, what, () =>
    withRetry(
      () =>
        ctx.clients.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, ...wanted })),
      { when: [isDestinationNotYetAllowed, isThrottle, isConflict], attempts: 12, maxDelayMs: 4000 },
    ),
  );
}

export async function destroyFailureDestination(ctx: ProvisionContext): Promise<void> {
  const name = ctx.names.functions["size-tracking"];
  const fn = await getFunction(ctx.clients.lambda, name);
  // Another stack's function of that name is left as it is (functions.ts notes it).
  if (!fn || !hasStackTag(fn.Tags, ctx.names.stack)) return;
  if (!(await currentInvokeConfig(ctx))) return;
  try {
    await change(ctx, `remove ${name}'s asynchronous invocation configuration`, () =>
      ctx.clients.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name })),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
