// Fan-out: a published message goes, after Publish has answered, to every confirmed subscription whose
// filter policy it passes — the envelope (or the raw message) to SQS, the event record to Lambda
// (whose policy must allow sns.amazonaws.com), a POST to a loopback HTTP(S) endpoint (retried), an
// email to the outbox. A delivery that fails for good goes to the subscription's dead-letter queue.
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { matchesPattern } from "../events/pattern.ts";
import type { CloudContext, InvokeCaller } from "../types.ts";
import {
  confirmationEmailBody,
  confirmUrl,
  lambdaEvent,
  notification,
  notificationEmailBody,
  type Published,
  type Signer,
  subscriptionConfirmation,
  unsubscribeUrl,
} from "./envelope.ts";
import { appendToOutbox } from "./outbox.ts";
import type { SnsStore, SubscriptionRecord, TopicRecord } from "./store.ts";

export interface SnsAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64. */
  BinaryValue?: string;
}

export interface PublishInput {
  message: string;
  subject?: string;
  /** "json": `message` is a JSON object with a "default" and optional per-protocol messages. */
  structure?: string;
  attributes: Record<string, SnsAttribute>;
}

const HTTP_RETRIES = 3;

/** A refusal from the endpoint that retrying will not change (SNS retries 5xx, 429 and network errors only). */
class PermanentFailure extends Error {}

export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return /^(127\.\d+\.\d+\.\d+|::1|localhost|.+\.localhost)$/i.test(host);
}

export class Deliveries {
  constructor(
    private readonly ctx: CloudContext,
    private readonly store: SnsStore,
    private readonly signer: Signer,
  ) {}

  private links(topic: TopicRecord) {
    return { endpoint: this.ctx.endpoint, signatureVersion: topic.attributes.SignatureVersion ?? "1" };
  }

  private caller(topic: TopicRecord): InvokeCaller {
    return { principal: "sns.amazonaws.com", sourceArn: topic.arn, sourceAccount: this.ctx.accountId };
  }

  /** Accepts a message for the topic's subscribers and returns its id; delivery happens afterwards. */
  publish(topic: TopicRecord, input: PublishInput): string {
    const messageId = randomUUID();
    const timestamp = new Date().toISOString();
    const perProtocol =
      input.structure === "json" ? (JSON.parse(input.message) as Record<string, string>) : undefined;
    const attributes = Object.fromEntries(
      Object.entries(input.attributes).map(([name, attribute]) => [
        name,
        { Type: attribute.DataType, Value: attribute.StringValue ?? attribute.BinaryValue ?? "" },
      ]),
    );
    for (const subscription of this.store.subscriptionsOf(topic.arn)) {
      if (subscription.pending) continue;
      const message = perProtocol
        ? (perProtocol[subscription.protocol] ?? perProtocol.default!)
        : input.message;
      if (!passesFilter(subscription, message, input.attributes)) continue;
      const published: Published = {
        messageId,
        topicArn: topic.arn,
        message,
        timestamp,
        attributes,
        ...(input.subject !== undefined ? { subject: input.subject } : {}),
      };
      setImmediate(() => {
        this.deliver(topic, subscription, published, input.attributes).catch((error: Error) =>
          this.ctx.debug(`sns: delivery to ${subscription.endpoint} failed: ${error.message}`),
        );
      });
    }
    return messageId;
  }

  private async deliver(
    topic: TopicRecord,
    subscription: SubscriptionRecord,
    published: Published,
    attributes: Record<string, SnsAttribute>,
  ): Promise<void> {
    const raw = subscription.attributes.RawMessageDelivery === "true";
    const envelope = notification(this.signer, this.links(topic), published, subscription.arn);
    const body = raw ? published.message : JSON.stringify(envelope);
    try {
      switch (subscription.protocol) {
        case "sqs": {
          const sqsAttributes = raw ? rawAttributes(attributes) : undefined;
          await this.sqs().sendMessage(subscription.endpoint, body, sqsAttributes, this.caller(topic));
          return;
        }
        case "lambda":
          return await this.invoke(topic, subscription, lambdaEvent(envelope, subscription.arn));
        case "http":
        case "https":
          return await this.post(subscription, body, {
            type: "Notification",
            messageId: published.messageId,
            topicArn: topic.arn,
            subscriptionArn: subscription.arn,
            raw,
          });
        case "email":
        case "email-json":
          appendToOutbox(this.ctx.dataDir, {
            time: published.timestamp,
            to: subscription.endpoint,
            from: sender(topic),
            subject: published.subject ?? "AWS Notification Message",
            body:
              subscription.protocol === "email"
                ? notificationEmailBody(
                    published.message,
                    unsubscribeUrl(this.ctx.endpoint, subscription.arn),
                  )
                : JSON.stringify(envelope),
            type: "Notification",
            topicArn: topic.arn,
            subscriptionArn: subscription.arn,
          });
          return;
      }
    } catch (error) {
      await this.deadLetter(topic, subscription, body, error as Error);
    }
  }

  /** Asks a new email or HTTP(S) subscriber to confirm: an email in the outbox, or a POST to the endpoint. */
  requestConfirmation(topic: TopicRecord, subscription: SubscriptionRecord): void {
    const token = subscription.token!;
    const messageId = randomUUID();
    const envelope = subscriptionConfirmation(this.signer, this.links(topic), topic.arn, token, messageId);
    if (subscription.protocol === "email" || subscription.protocol === "email-json") {
      const link = confirmUrl(this.ctx.endpoint, topic.arn, token);
      appendToOutbox(this.ctx.dataDir, {
        time: new Date().toISOString(),
        to: subscription.endpoint,
        from: sender(topic),
        subject: "AWS Notification - Subscription Confirmation",
        body:
          subscription.protocol === "email"
            ? confirmationEmailBody(topic.arn, link)
            : JSON.stringify(envelope),
        type: "SubscriptionConfirmation",
        topicArn: topic.arn,
        subscriptionArn: subscription.arn,
        confirmUrl: link,
      });
      return;
    }
    setImmediate(() => {
      this.post(subscription, JSON.stringify(envelope), {
        type: "SubscriptionConfirmation",
        messageId,
        topicArn: topic.arn,
        raw: false,
      }).catch((error: Error) =>
        this.ctx.debug(`sns: confirmation request to ${subscription.endpoint} failed: ${error.message}`),
      );
    });
  }

  private sqs() {
    if (!this.ctx.sqs) throw new Error("SQS is not running");
    return this.ctx.sqs;
  }

  private async invoke(topic: TopicRecord, subscription: SubscriptionRecord, event: unknown): Promise<void> {
    const lambda = this.ctx.lambda;
    if (!lambda) throw new Error("Lambda is not running");
    const caller = this.caller(topic);
    if (!lambda.isInvokeAllowed(subscription.endpoint, caller)) {
      throw new Error(
        `the policy of ${subscription.endpoint} does not allow sns.amazonaws.com to invoke it for ${topic.arn}`,
      );
    }
    await lambda.invoke(subscription.endpoint, Buffer.from(JSON.stringify(event)), {
      invocationType: "Event",
      caller,
    });
  }

  /** POSTs as SNS does, retrying server errors, throttling and unreachable endpoints with a delay between tries. */
  private async post(
    subscription: SubscriptionRecord,
    body: string,
    meta: { type: string; messageId: string; topicArn: string; subscriptionArn?: string; raw: boolean },
  ): Promise<void> {
    const headers: Record<string, string> = {
      "content-type": "text/plain; charset=UTF-8",
      "user-agent": "Amazon Simple Notification Service Agent",
      "x-amz-sns-message-type": meta.type,
      "x-amz-sns-message-id": meta.messageId,
      "x-amz-sns-topic-arn": meta.topicArn,
      ...(meta.subscriptionArn ? { "x-amz-sns-subscription-arn": meta.subscriptionArn } : {}),
      ...(meta.type === "Notification" ? { "x-amz-sns-rawdelivery": String(meta.raw) } : {}),
    };
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await postOnce(new URL(subscription.endpoint), headers, body);
      } catch (error) {
        if (error instanceof PermanentFailure || attempt >= HTTP_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.ctx.realism.asyncRetryDelayMs));
      }
    }
  }

  private async deadLetter(topic: TopicRecord, subscription: SubscriptionRecord, body: string, error: Error) {
    this.ctx.debug(
      `sns: delivery to ${subscription.protocol} ${subscription.endpoint} failed: ${error.message}`,
    );
    const policy = subscription.attributes.RedrivePolicy;
    if (!policy) return;
    const target = (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    if (target) await this.sqs().sendMessage(target, body, undefined, this.caller(topic));
  }
}

function postOnce(url: URL, headers: Record<string, string>, body: string): Promise<void> {
  if (!isLoopbackUrl(url))
    return Promise.reject(new PermanentFailure(`${url.host} is not a loopback address`));
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const call = send(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        // Loopback test servers have self-signed certificates.
        rejectUnauthorized: false,
        timeout: 15_000,
        agent: false,
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else if (status >= 500 || status === 429) reject(new Error(`the endpoint answered ${status}`));
        else reject(new PermanentFailure(`the endpoint answered ${status}`));
      },
    );
    call.on("timeout", () => call.destroy(new Error("the endpoint did not answer in 15 s")));
    call.on("error", reject);
    call.end(body);
  });
}

function sender(topic: TopicRecord): string {
  return `${topic.attributes.DisplayName || "AWS Notifications"} <no-reply@sns.amazonaws.com>`;
}

/** With raw delivery to SQS, message attributes travel as SQS message attributes. */
function rawAttributes(attributes: Record<string, SnsAttribute>) {
  const result: Record<string, { DataType: string; StringValue: string }> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    if (attribute.StringValue !== undefined)
      result[name] = { DataType: attribute.DataType, StringValue: attribute.StringValue };
  }
  return result;
}

/** The subscription's filter policy against the message attributes (default scope) or the JSON body. */
function passesFilter(
  subscription: SubscriptionRecord,
  message: string,
  attributes: Record<string, SnsAttribute>,
) {
  const text = subscription.attributes.FilterPolicy;
  if (!text) return true;
  const policy = JSON.parse(text) as Record<string, unknown>;
  if (subscription.attributes.FilterPolicyScope === "MessageBody") {
    try {
      return matchesPattern(policy, JSON.parse(message));
    } catch {
      return false;
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    const value = attribute.StringValue;
    if (value === undefined) continue;
    if (attribute.DataType.startsWith("Number")) values[name] = Number(value);
    else if (attribute.DataType === "String.Array") {
      try {
        values[name] = JSON.parse(value);
      } catch {
        // not an array: matches nothing
      }
    } else values[name] = value;
  }
  return matchesPattern(policy, values);
}
