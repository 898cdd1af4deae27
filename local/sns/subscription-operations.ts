// SNS's subscription operations, each with the IAM action on the topic it concerns: subscribe (a
// confirmation requested from email and HTTP endpoints), confirm, unsubscribe, list, attributes.
import { randomBytes, randomUUID } from "node:crypto";
import { type Operation, paginate, toBoolean } from "../protocol/operations.ts";
import { type XmlValue, xmlMap } from "../protocol/query.ts";
import type { CloudContext } from "../types.ts";
import { checkEndpoint, checkSubscriptionAttribute, invalidParameter, topicArnParts } from "./checks.ts";
import type { Deliveries } from "./delivery.ts";
import type { SnsStore, SubscriptionRecord } from "./store.ts";
import { EFFECTIVE_DELIVERY_POLICY, type TopicAddressing } from "./topics.ts";

const PAGE = 100;
const CONFIRMATION_VALID_MS = 3 * 24 * 3600_000;

export function subscriptionOperations(
  ctx: CloudContext,
  store: SnsStore,
  deliveries: Deliveries,
  address: TopicAddressing,
) {
  const account = ctx.accountId;
  const { topicOf, subscriptionOf, onTopic, anywhere } = address;
  const listed = (subscription: SubscriptionRecord) => ({
    SubscriptionArn: subscription.pending ? "PendingConfirmation" : subscription.arn,
    Owner: subscription.owner,
    Protocol: subscription.protocol,
    Endpoint: subscription.endpoint,
    TopicArn: subscription.topicArn,
  });

  const operations: Record<string, Operation> = {
    Subscribe: {
      iam: onTopic("Subscribe"),
      run(input, req): XmlValue {
        const topic = topicOf(req, input.TopicArn);
        const protocol = String(input.Protocol ?? "");
        const endpoint = checkEndpoint(protocol, input.Endpoint);
        if (protocol === "sqs" && endpoint.endsWith(".fifo")) {
          throw invalidParameter(
            "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
          );
        }
        const attributes: Record<string, string> = {};
        for (const [key, value] of Object.entries((input.Attributes ?? {}) as Record<string, unknown>)) {
          checkSubscriptionAttribute(protocol, key, String(value), "Attributes Reason: ");
          attributes[key] = String(value);
        }
        const returnArn = toBoolean(input.ReturnSubscriptionArn) ?? false;
        const existing = store
          .subscriptionsOf(topic.arn)
          .find((s) => s.protocol === protocol && s.endpoint === endpoint);
        if (existing) {
          if (Object.entries(attributes).some(([key, value]) => existing.attributes[key] !== value)) {
            throw invalidParameter(
              "Attributes Reason: Subscription already exists with different attributes",
            );
          }
          return { SubscriptionArn: existing.pending && !returnArn ? "pending confirmation" : existing.arn };
        }
        const needsConfirmation = !["sqs", "lambda"].includes(protocol);
        const subscription: SubscriptionRecord = {
          arn: `${topic.arn}:${randomUUID()}`,
          topicArn: topic.arn,
          region: topic.region,
          protocol,
          endpoint,
          owner: account,
          attributes,
          pending: needsConfirmation,
          confirmationWasAuthenticated: !needsConfirmation,
          ...(needsConfirmation
            ? { token: randomBytes(128).toString("hex"), tokenExpires: Date.now() + CONFIRMATION_VALID_MS }
            : {}),
        };
        store.subscriptions.set(subscription.arn, subscription);
        store.save();
        if (needsConfirmation) deliveries.requestConfirmation(topic, subscription);
        return {
          SubscriptionArn: needsConfirmation && !returnArn ? "pending confirmation" : subscription.arn,
        };
      },
    },

    ConfirmSubscription: {
      iam: onTopic("ConfirmSubscription"),
      run(input, req): XmlValue {
        const topic = topicOf(req, input.TopicArn);
        const token = String(input.Token ?? "");
        const subscription = store
          .subscriptionsOf(topic.arn)
          .find((s) => s.token !== undefined && s.token === token && (s.tokenExpires ?? 0) > Date.now());
        if (!subscription) throw invalidParameter("Token");
        if (subscription.pending) {
          subscription.pending = false;
          subscription.confirmationWasAuthenticated =
            req.accessKeyId !== undefined || toBoolean(input.AuthenticateOnUnsubscribe) === true;
          store.save();
        }
        return { SubscriptionArn: subscription.arn };
      },
    },

    Unsubscribe: {
      iam: onTopic("Unsubscribe", "SubscriptionArn"),
      run(input, req) {
        const { subscriptionId } = topicArnParts(
          input.SubscriptionArn,
          "SubscriptionArn",
          req.region,
          account,
        );
        if (!subscriptionId) throw invalidParameter("SubscriptionId");
        const subscription = store.subscriptions.get(String(input.SubscriptionArn));
        if (subscription) {
          store.subscriptions.delete(subscription.arn);
          const topic = store.topics.get(subscription.topicArn);
          if (topic) topic.subscriptionsDeleted += 1;
          store.save();
        }
        return undefined;
      },
    },

    ListSubscriptions: {
      iam: anywhere("ListSubscriptions"),
      run(input, req): XmlValue {
        const all = [...store.subscriptions.values()].filter((s) => s.region === req.region);
        const { items, next } = paginate(all, input.NextToken, PAGE);
        return { Subscriptions: items.map(listed), NextToken: next };
      },
    },

    ListSubscriptionsByTopic: {
      iam: onTopic("ListSubscriptionsByTopic"),
      run(input, req): XmlValue {
        const topic = topicOf(req, input.TopicArn);
        const { items, next } = paginate(store.subscriptionsOf(topic.arn), input.NextToken, PAGE);
        return { Subscriptions: items.map(listed), NextToken: next };
      },
    },

    GetSubscriptionAttributes: {
      iam: onTopic("GetSubscriptionAttributes", "SubscriptionArn"),
      run(input, req): XmlValue {
        const subscription = subscriptionOf(req, input.SubscriptionArn);
        const attributes: Record<string, string> = {
          ConfirmationWasAuthenticated: String(subscription.confirmationWasAuthenticated),
          PendingConfirmation: String(subscription.pending),
          Owner: subscription.owner,
          RawMessageDelivery: "false",
          TopicArn: subscription.topicArn,
          Endpoint: subscription.endpoint,
          Protocol: subscription.protocol,
          SubscriptionArn: subscription.arn,
          ...(subscription.protocol.startsWith("http")
            ? { EffectiveDeliveryPolicy: EFFECTIVE_DELIVERY_POLICY }
            : {}),
          ...subscription.attributes,
        };
        if (attributes.FilterPolicy) attributes.FilterPolicyScope ??= "MessageAttributes";
        return { Attributes: xmlMap(attributes) };
      },
    },

    SetSubscriptionAttributes: {
      iam: onTopic("SetSubscriptionAttributes", "SubscriptionArn"),
      run(input, req) {
        const subscription = subscriptionOf(req, input.SubscriptionArn);
        const name = String(input.AttributeName ?? "");
        const value = input.AttributeValue === undefined ? "" : String(input.AttributeValue);
        checkSubscriptionAttribute(subscription.protocol, name, value);
        if (value === "" && name !== "RawMessageDelivery") delete subscription.attributes[name];
        else subscription.attributes[name] = value;
        store.save();
        return undefined;
      },
    },
  };
  return operations;
}
