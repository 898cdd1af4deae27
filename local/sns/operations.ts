// SNS's operations (the Query protocol), each with the IAM action and topic ARN it needs and the topic's
// policy as the resource policy: topics, subscriptions and their confirmation, publishing, tags.
import { randomBytes, randomUUID } from "node:crypto";
import {
  type Input,
  type Operation,
  paginate,
  ServiceError,
  toBoolean,
  toList,
} from "../protocol/operations.ts";
import { type XmlValue, xmlMap } from "../protocol/query.ts";
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import {
  checkEndpoint,
  checkMessage,
  checkMessageAttributes,
  checkSubject,
  checkSubscriptionAttribute,
  checkTopicName,
  invalidParameter,
  notFound,
  topicArnParts,
} from "./checks.ts";
import type { Deliveries } from "./delivery.ts";
import type { SnsStore, SubscriptionRecord, TopicRecord } from "./store.ts";

const PAGE = 100;
const CONFIRMATION_VALID_MS = 3 * 24 * 3600_000;
const TOPIC_ATTRIBUTES = new Set([
  "DisplayName",
  "Policy",
  "DeliveryPolicy",
  "KmsMasterKeyId",
  "SignatureVersion",
  "TracingConfig",
  "DataProtectionPolicy",
  ...["HTTP", "Lambda", "SQS", "Application", "Firehose"].flatMap((kind) => [
    `${kind}SuccessFeedbackRoleArn`,
    `${kind}SuccessFeedbackSampleRate`,
    `${kind}FailureFeedbackRoleArn`,
  ]),
]);
const EFFECTIVE_DELIVERY_POLICY = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: "linear",
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: "text/plain; charset=UTF-8" },
  },
});

/** The policy AWS gives a new topic: the owning account may do everything to it. */
export function defaultTopicPolicy(arn: string, account: string): string {
  return JSON.stringify({
    Version: "2008-10-17",
    Id: "__default_policy_ID",
    Statement: [
      {
        Sid: "__default_statement_ID",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish",
        ],
        Resource: arn,
        Condition: { StringEquals: { "AWS:SourceOwner": account } },
      },
    ],
  });
}

function checkTopicAttribute(name: string, value: string): void {
  if (!TOPIC_ATTRIBUTES.has(name)) throw invalidParameter("AttributeName");
  const valid =
    (name === "Policy" && isJsonObject(value)) ||
    (name === "DeliveryPolicy" && (value === "" || isJsonObject(value))) ||
    (name === "SignatureVersion" && ["1", "2"].includes(value)) ||
    (name === "TracingConfig" && ["PassThrough", "Active"].includes(value)) ||
    (name === "DisplayName" && value.length <= 100) ||
    !["Policy", "DeliveryPolicy", "SignatureVersion", "TracingConfig", "DisplayName"].includes(name);
  if (!valid) throw invalidParameter(`Attributes Reason: ${name}: Invalid value [${value}]`);
}

function isJsonObject(text: string): boolean {
  try {
    const parsed = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

export function snsOperations(ctx: CloudContext, store: SnsStore, deliveries: Deliveries) {
  const account = ctx.accountId;

  const topicArnOf = (req: EdgeRequest, value: unknown, field = "TopicArn") => {
    const { name } = topicArnParts(value, field, req.region, account);
    return `arn:aws:sns:${req.region}:${account}:${name}`;
  };
  const topicOf = (req: EdgeRequest, value: unknown, field = "TopicArn"): TopicRecord => {
    const topic = store.topics.get(topicArnOf(req, value, field));
    if (!topic) throw notFound("Topic");
    return topic;
  };
  const subscriptionOf = (req: EdgeRequest, value: unknown): SubscriptionRecord => {
    const { subscriptionId } = topicArnParts(value, "SubscriptionArn", req.region, account);
    if (!subscriptionId) throw invalidParameter("SubscriptionId");
    const subscription = store.subscriptions.get(String(value));
    if (!subscription) throw notFound("Subscription");
    return subscription;
  };
  /** `sns:<action>` on the topic named by `field` (or owning the subscription), with the topic's policy. */
  const onTopic =
    (action: string, field = "TopicArn") =>
    (input: Input): IamRequirement => {
      const value = String(input[field] ?? "");
      const arn = field === "SubscriptionArn" ? value.split(":").slice(0, 6).join(":") : value;
      const topic = store.topics.get(arn);
      return {
        action: `sns:${action}`,
        resources: [arn || "*"],
        ...(topic ? { resourcePolicy: policyOf(topic) } : {}),
      };
    };
  const policyOf = (topic: TopicRecord) => topic.attributes.Policy ?? defaultTopicPolicy(topic.arn, account);
  const anywhere = (action: string) => (): IamRequirement => ({ action: `sns:${action}`, resources: ["*"] });
  const listed = (subscription: SubscriptionRecord) => ({
    SubscriptionArn: subscription.pending ? "PendingConfirmation" : subscription.arn,
    Owner: subscription.owner,
    Protocol: subscription.protocol,
    Endpoint: subscription.endpoint,
    TopicArn: subscription.topicArn,
  });
  const tagsOf = (given: unknown) =>
    Object.fromEntries(
      toList<{ Key?: unknown; Value?: unknown }>(given).map((tag) => [
        String(tag.Key),
        String(tag.Value ?? ""),
      ]),
    );

  const publish = (topic: TopicRecord, input: Input, path: string) => {
    const attributes = checkMessageAttributes(input.MessageAttributes, path);
    const subject = checkSubject(input.Subject);
    const message = checkMessage(input.Message, input.MessageStructure, attributes);
    if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
      throw invalidParameter(
        "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
      );
    }
    return deliveries.publish(topic, {
      message,
      attributes,
      ...(subject !== undefined ? { subject } : {}),
      ...(input.MessageStructure !== undefined ? { structure: String(input.MessageStructure) } : {}),
    });
  };

  const operations: Record<string, Operation> = {
    CreateTopic: {
      iam: (input, req) => ({
        action: "sns:CreateTopic",
        resources: [`arn:aws:sns:${req.region}:${account}:${String(input.Name ?? "")}`],
      }),
      run(input, req): XmlValue {
        const given = (input.Attributes ?? {}) as Record<string, string>;
        if (given.FifoTopic === "true" || String(input.Name ?? "").endsWith(".fifo")) {
          throw invalidParameter("Attributes Reason: the local cloud does not emulate FIFO topics");
        }
        const name = checkTopicName(input.Name);
        const attributes: Record<string, string> = {};
        for (const [key, value] of Object.entries(given)) {
          if (key === "FifoTopic") continue;
          checkTopicAttribute(key, String(value));
          attributes[key] = String(value);
        }
        const tags = tagsOf(input.Tags);
        const arn = `arn:aws:sns:${req.region}:${account}:${name}`;
        const existing = store.topics.get(arn);
        if (existing) {
          if (Object.entries(attributes).some(([key, value]) => existing.attributes[key] !== value)) {
            throw invalidParameter("Attributes Reason: Topic already exists with different attributes");
          }
          if (Object.entries(tags).some(([key, value]) => existing.tags[key] !== value)) {
            throw invalidParameter("Tags Reason: Topic already exists with different tags");
          }
          return { TopicArn: arn };
        }
        store.topics.set(arn, { region: req.region, name, arn, attributes, tags, subscriptionsDeleted: 0 });
        store.save();
        return { TopicArn: arn };
      },
    },

    DeleteTopic: {
      iam: onTopic("DeleteTopic"),
      run(input, req) {
        const arn = topicArnOf(req, input.TopicArn);
        store.topics.delete(arn);
        for (const subscription of store.subscriptionsOf(arn)) store.subscriptions.delete(subscription.arn);
        store.save();
        return undefined;
      },
    },

    ListTopics: {
      iam: anywhere("ListTopics"),
      run(input, req): XmlValue {
        const topics = [...store.topics.values()].filter((topic) => topic.region === req.region);
        const { items, next } = paginate(topics, input.NextToken, PAGE);
        return { Topics: items.map((topic) => ({ TopicArn: topic.arn })), NextToken: next };
      },
    },

    GetTopicAttributes: {
      iam: onTopic("GetTopicAttributes"),
      run(input, req): XmlValue {
        const topic = topicOf(req, input.TopicArn);
        const subscriptions = store.subscriptionsOf(topic.arn);
        return {
          Attributes: xmlMap({
            Policy: policyOf(topic),
            Owner: account,
            SubscriptionsPending: String(subscriptions.filter((s) => s.pending).length),
            TopicArn: topic.arn,
            EffectiveDeliveryPolicy: EFFECTIVE_DELIVERY_POLICY,
            SubscriptionsConfirmed: String(subscriptions.filter((s) => !s.pending).length),
            DisplayName: "",
            SubscriptionsDeleted: String(topic.subscriptionsDeleted),
            ...topic.attributes,
          }),
        };
      },
    },

    SetTopicAttributes: {
      iam: onTopic("SetTopicAttributes"),
      run(input, req) {
        const topic = topicOf(req, input.TopicArn);
        const name = String(input.AttributeName ?? "");
        const value = input.AttributeValue === undefined ? "" : String(input.AttributeValue);
        checkTopicAttribute(name, value);
        if (value === "" && name !== "DisplayName") delete topic.attributes[name];
        else topic.attributes[name] = value;
        store.save();
        return undefined;
      },
    },

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

    Publish: {
      iam: onTopic("Publish"),
      run(input, req): XmlValue {
        if (input.PhoneNumber !== undefined)
          throw invalidParameter("PhoneNumber Reason: the local cloud does not send SMS");
        const field = input.TopicArn !== undefined ? "TopicArn" : "TargetArn";
        const topic = topicOf(req, input[field], field);
        return { MessageId: publish(topic, input, "messageAttributes") };
      },
    },

    PublishBatch: {
      iam: onTopic("Publish"),
      run(input, req): XmlValue {
        const topic = topicOf(req, input.TopicArn);
        const entries = toList<Input>(input.PublishBatchRequestEntries);
        checkBatch(entries);
        const successful: XmlValue[] = [];
        const failed: XmlValue[] = [];
        entries.forEach((entry, index) => {
          try {
            const path = `publishBatchRequestEntries.${index + 1}.member.messageAttributes`;
            successful.push({ Id: String(entry.Id), MessageId: publish(topic, entry, path) });
          } catch (error) {
            if (!(error instanceof ServiceError)) throw error;
            failed.push({
              Id: String(entry.Id),
              Code: error.queryCode,
              Message: error.message,
              SenderFault: true,
            });
          }
        });
        return { Successful: successful, Failed: failed };
      },
    },

    TagResource: {
      iam: onTopic("TagResource", "ResourceArn"),
      run(input, req) {
        const topic = taggable(req, input.ResourceArn);
        Object.assign(topic.tags, tagsOf(input.Tags));
        if (Object.keys(topic.tags).length > 50) {
          throw new ServiceError(
            400,
            "TagLimitExceededException",
            "Could not complete request: tag quota of per resource exceeded",
            "TagLimitExceeded",
          );
        }
        store.save();
        return undefined;
      },
    },

    UntagResource: {
      iam: onTopic("UntagResource", "ResourceArn"),
      run(input, req) {
        const topic = taggable(req, input.ResourceArn);
        for (const key of toList<string>(input.TagKeys)) delete topic.tags[String(key)];
        store.save();
        return undefined;
      },
    },

    ListTagsForResource: {
      iam: onTopic("ListTagsForResource", "ResourceArn"),
      run(input, req): XmlValue {
        const topic = taggable(req, input.ResourceArn);
        return { Tags: Object.entries(topic.tags).map(([Key, Value]) => ({ Key, Value })) };
      },
    },
  };

  const taggable = (req: EdgeRequest, arn: unknown): TopicRecord => {
    const topic = store.topics.get(topicArnOf(req, arn, "ResourceArn"));
    if (!topic)
      throw new ServiceError(404, "ResourceNotFoundException", "Resource does not exist", "ResourceNotFound");
    return topic;
  };
  return operations;
}

function checkBatch(entries: Input[]): void {
  if (entries.length === 0) {
    throw new ServiceError(
      400,
      "EmptyBatchRequestException",
      "The batch request doesn't contain any entries.",
      "EmptyBatchRequest",
    );
  }
  if (entries.length > 10) {
    throw new ServiceError(
      400,
      "TooManyEntriesInBatchRequestException",
      "The batch request contains more entries than permissible.",
      "TooManyEntriesInBatchRequest",
    );
  }
  const ids = new Set<string>();
  for (const entry of entries) {
    const id = String(entry.Id ?? "");
    if (id.length > 80) {
      throw new ServiceError(
        400,
        "InvalidBatchEntryIdException",
        `The Id of a batch entry in the batch request is too long: ${id}`,
        "InvalidBatchEntryId",
      );
    }
    if (!/^[\w-]+$/.test(id)) {
      throw new ServiceError(
        400,
        "InvalidBatchEntryIdException",
        `The Id of a batch entry in the batch request contains an impermissible character: ${id}`,
        "InvalidBatchEntryId",
      );
    }
    if (ids.has(id)) {
      throw new ServiceError(
        400,
        "BatchEntryIdsNotDistinctException",
        "Two or more batch entries in the request have the same Id.",
        "BatchEntryIdsNotDistinct",
      );
    }
    ids.add(id);
  }
  const size = entries.reduce((total, entry) => total + Buffer.byteLength(String(entry.Message ?? "")), 0);
  if (size > 262144) {
    throw new ServiceError(
      400,
      "BatchRequestTooLongException",
      "The length of all the messages put together is more than the limit.",
      "BatchRequestTooLong",
    );
  }
}
