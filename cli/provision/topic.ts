// The stack's SNS topic (SPEC §1b): the tracker publishes each recorded change and each failure to it,
// the Errors alarm notifies it, and `--notify-email` subscribes an address (AWS mails a link to confirm).
// The address is remembered in state.json, so a later setup without the flag keeps the subscription;
// subscriptions someone added by hand are left alone.
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  type Subscription,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { STACK_TAG_KEY } from "../config.ts";
import { isNotFound, UserError } from "../errors.ts";
import { arns, change, hasStackTag, type ProvisionContext, read, readIfExists, tagList } from "./context.ts";

/** The name emails come from ("s3size <no-reply@sns.amazonaws.com>"). */
export const TOPIC_DISPLAY_NAME = "s3size";

/** What ListSubscriptions shows for an address that has not clicked the link yet. */
const PENDING_ARNS = ["PendingConfirmation", "pending confirmation"];

export interface EmailSubscriptionState {
  address: string;
  /** pending: AWS mailed the link and waits for the click; missing: not subscribed (setup would). */
  state: "pending" | "confirmed" | "missing";
  subscriptionArn?: string;
}

async function topicAttributes(ctx: ProvisionContext): Promise<Record<string, string> | undefined> {
  const found = await readIfExists(() =>
    ctx.clients.sns.send(new GetTopicAttributesCommand({ TopicArn: arns(ctx).topic })),
  );
  return found?.Attributes;
}

async function topicIsOurs(ctx: ProvisionContext): Promise<boolean> {
  const { Tags } = await read(() =>
    ctx.clients.sns.send(new ListTagsForResourceCommand({ ResourceArn: arns(ctx).topic })),
  );
  return hasStackTag(Tags, ctx.names.stack);
}

function notOurs(ctx: ProvisionContext): string {
  return `topic ${ctx.names.topic}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`;
}

/** Refuses, before setup changes anything, a topic of the stack's name that another owner made. */
export async function checkTopic(ctx: ProvisionContext): Promise<void> {
  if (!(await topicAttributes(ctx)) || (await topicIsOurs(ctx))) return;
  throw new UserError(
    `${notOurs(ctx)}, so setup will not publish to it`,
    "choose another name with --topic-name (S3SIZE_TOPIC_NAME), or tag it if it is this stack's",
  );
}

export async function ensureTopic(ctx: ProvisionContext): Promise<void> {
  const { sns } = ctx.clients;
  const topicArn = arns(ctx).topic;
  const attributes = await topicAttributes(ctx);
  if (!attributes) {
    await change(ctx, `create topic ${ctx.names.topic}`, () =>
      sns.send(
        new CreateTopicCommand({
          Name: ctx.names.topic,
          Attributes: { DisplayName: TOPIC_DISPLAY_NAME },
          Tags: tagList(ctx.names),
        }),
      ),
    );
  } else {
    await checkTopic(ctx);
    if (attributes.DisplayName !== TOPIC_DISPLAY_NAME) {
      await change(ctx, `name the sender of ${ctx.names.topic}'s emails ${TOPIC_DISPLAY_NAME}`, () =>
        sns.send(
          new SetTopicAttributesCommand({
            TopicArn: topicArn,
            AttributeName: "DisplayName",
            AttributeValue: TOPIC_DISPLAY_NAME,
          }),
        ),
      );
    }
  }
  await ensureEmailSubscription(ctx, attributes !== undefined);
}

/** The address setup keeps subscribed: the flag's (empty: none), else the one state.json remembers. */
export function wantedEmail(ctx: Pick<ProvisionContext, "settings" | "state">): string | undefined {
  const wanted = ctx.settings.notifyEmail ?? ctx.state.notifyEmail;
  return wanted ? wanted : undefined;
}

export async function emailSubscriptions(ctx: ProvisionContext): Promise<Subscription[]> {
  const found: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const page = await read(() =>
      ctx.clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arns(ctx).topic, NextToken })),
    );
    found.push(...(page.Subscriptions ?? []).filter((s) => s.Protocol === "email"));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

export function isPending(subscription: Subscription): boolean {
  return PENDING_ARNS.includes(subscription.SubscriptionArn ?? "");
}

async function ensureEmailSubscription(ctx: ProvisionContext, topicExisted: boolean): Promise<void> {
  const { sns } = ctx.clients;
  const wanted = wantedEmail(ctx);
  const remembered = ctx.state.notifyEmail;
  const subscriptions = topicExisted ? await emailSubscriptions(ctx) : [];
  if (wanted && !subscriptions.some((s) => s.Endpoint === wanted)) {
    await change(ctx, `subscribe ${wanted} to ${ctx.names.topic} (AWS mails a link to confirm)`, () =>
      sns.send(
        new SubscribeCommand({
          TopicArn: arns(ctx).topic,
          Protocol: "email",
          Endpoint: wanted,
          ReturnSubscriptionArn: true,
        }),
      ),
    );
  }
  // The address an earlier setup subscribed and the flag now replaced.
  for (const old of subscriptions.filter((s) => s.Endpoint === remembered && remembered !== wanted)) {
    if (isPending(old)) {
      ctx.notes.push(`${remembered} never confirmed its subscription: AWS removes it after 3 days`);
      continue;
    }
    await change(ctx, `unsubscribe ${remembered} from ${ctx.names.topic}`, () =>
      sns.send(new UnsubscribeCommand({ SubscriptionArn: old.SubscriptionArn })),
    );
  }
  if (!ctx.dryRun && ctx.state.notifyEmail !== wanted) {
    if (wanted) ctx.state.notifyEmail = wanted;
    else delete ctx.state.notifyEmail;
    ctx.saveState();
  }
}

/** For `status` and `notifications`: whether the remembered address has confirmed. */
export async function emailSubscriptionState(
  ctx: ProvisionContext,
): Promise<EmailSubscriptionState | undefined> {
  const address = wantedEmail(ctx);
  if (!address) return undefined;
  if (!(await topicAttributes(ctx))) return { address, state: "missing" };
  const found = (await emailSubscriptions(ctx)).find((s) => s.Endpoint === address);
  if (!found) return { address, state: "missing" };
  if (isPending(found)) return { address, state: "pending" };
  return { address, state: "confirmed", subscriptionArn: found.SubscriptionArn };
}

export async function destroyTopic(ctx: ProvisionContext): Promise<void> {
  if (!(await topicAttributes(ctx))) return;
  if (!(await topicIsOurs(ctx))) {
    ctx.notes.push(`left ${notOurs(ctx)}`);
    return;
  }
  try {
    // Deleting a topic deletes its subscriptions with it.
    await change(ctx, `delete topic ${ctx.names.topic}`, () =>
      ctx.clients.sns.send(new DeleteTopicCommand({ TopicArn: arns(ctx).topic })),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
