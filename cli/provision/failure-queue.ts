// The failure queue (SPEC §1b): where Lambda puts a tracker event that still failed after its retries
// (the on-failure destination), holding the original event and the error until `s3size failures`
// redrives or purges it. Kept 14 days, SQS's longest, so a failure over a holiday is still there.
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { STACK_TAG_KEY } from "../config.ts";
import { awsErrorName, isNotFound, UserError } from "../errors.ts";
import { type RetryCondition, withRetry } from "../retry.ts";
import { change, hasStackTag, type ProvisionContext, read, stackTags } from "./context.ts";

/** The attributes setup keeps: 14 days' retention, encrypted at rest with SQS's own keys. */
export const FAILURE_QUEUE_ATTRIBUTES: Record<string, string> = {
  MessageRetentionPeriod: "1209600",
  SqsManagedSseEnabled: "true",
};

export function isQueueMissing(error: unknown): boolean {
  const name = awsErrorName(error) ?? "";
  return ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"].includes(name) || isNotFound(error);
}

export const isQueueDeletedRecently: RetryCondition = (error) =>
  ["QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently"].includes(awsErrorName(error) ?? "");

/** The queue's URL, or undefined when there is no queue of that name. */
export async function failureQueueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await read(() => sqs.send(new GetQueueUrlCommand({ QueueName: name })))).QueueUrl;
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw error;
  }
}

async function queueIsOurs(ctx: ProvisionContext, url: string): Promise<boolean> {
  const { Tags } = await read(() => ctx.clients.sqs.send(new ListQueueTagsCommand({ QueueUrl: url })));
  return hasStackTag(Tags, ctx.names.stack);
}

function notOurs(ctx: ProvisionContext): string {
  return `queue ${ctx.names.failureQueue}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`;
}

/** Refuses, before setup changes anything, a queue of the stack's name that another owner made. */
export async function checkFailureQueue(ctx: ProvisionContext, knownUrl?: string): Promise<void> {
  const url = knownUrl ?? (await failureQueueUrl(ctx.clients.sqs, ctx.names.failureQueue));
  if (!url || (await queueIsOurs(ctx, url))) return;
  throw new UserError(
    `${notOurs(ctx)}, so setup will not send the tracker's failures there`,
    "choose another name with --failure-queue (S3SIZE_FAILURE_QUEUE), or tag it if it is this stack's",
  );
}

export async function ensureFailureQueue(ctx: ProvisionContext): Promise<void> {
  const { sqs } = ctx.clients;
  const name = ctx.names.failureQueue;
  const url = await failureQueueUrl(sqs, name);
  if (!url) {
    // A teardown and a setup in the same minute meet SQS's rule: a deleted queue's name stays taken 60 s.
    await change(ctx, `create queue ${name}`, () =>
      withRetry(
        () =>
          sqs.send(
            new CreateQueueCommand({
              QueueName: name,
              Attributes: FAILURE_QUEUE_ATTRIBUTES,
              tags: stackTags(ctx.names),
            }),
          ),
        {
          when: [isQueueDeletedRecently],
          attempts: 16,
          baseDelayMs: 1000,
          maxDelayMs: 5000,
          onRetry: () =>
            ctx.progress(`SQS keeps a deleted queue's name for 60 s: waiting to create ${name} again`),
        },
      ),
    );
    return;
  }
  await checkFailureQueue(ctx, url);
  const { Attributes = {} } = await read(() =>
    sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: Object.keys(FAILURE_QUEUE_ATTRIBUTES) as never,
      }),
    ),
  );
  const current = Attributes as Record<string, string>;
  const drift = Object.entries(FAILURE_QUEUE_ATTRIBUTES).filter(([key, value]) => current[key] !== value);
  if (drift.length > 0) {
    await change(ctx, `set ${drift.map(([key]) => key).join(", ")} of queue ${name}`, () =>
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: Object.fromEntries(drift) })),
    );
  }
}

export async function destroyFailureQueue(ctx: ProvisionContext): Promise<void> {
  const { sqs } = ctx.clients;
  const url = await failureQueueUrl(sqs, ctx.names.failureQueue);
  if (!url) return;
  if (!(await queueIsOurs(ctx, url))) {
    ctx.notes.push(`left ${notOurs(ctx)}`);
    return;
  }
  try {
    await change(ctx, `delete queue ${ctx.names.failureQueue}`, () =>
      sqs.send(new DeleteQueueCommand({ QueueUrl: url })),
    );
  } catch (error) {
    if (!isQueueMissing(error)) throw error;
  }
}

/** How many failed events the queue holds (visible or being looked at); undefined without a queue. */
export async function failureQueueDepth(sqs: SQSClient, name: string): Promise<number | undefined> {
  const url = await failureQueueUrl(sqs, name);
  if (!url) return undefined;
  const { Attributes = {} } = await read(() =>
    sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    ),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}
