// SNS's topic operations, each with the IAM action and topic ARN it needs: create, delete, list,
// attributes, Publish and PublishBatch (fanned out by Deliveries), tags.
import { type Input, type Operation, paginate, ServiceError, toList } from "../protocol/operations.ts";
import { type XmlValue, xmlMap } from "../protocol/query.ts";
import type { CloudContext, EdgeRequest } from "../types.ts";
import {
  checkMessage,
  checkMessageAttributes,
  checkSubject,
  checkTopicName,
  invalidParameter,
} from "./checks.ts";
import type { Deliveries } from "./delivery.ts";
import type { SnsStore, TopicRecord } from "./store.ts";
import { checkTopicAttribute, EFFECTIVE_DELIVERY_POLICY, type TopicAddressing } from "./topics.ts";

const PAGE = 100;

export function topicOperations(
  ctx: CloudContext,
  store: SnsStore,
  deliveries: Deliveries,
  address: TopicAddressing,
) {
  const account = ctx.accountId;
  const { topicArnOf, topicOf, onTopic, policyOf, anywhere } = address;
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
  const taggable = (req: EdgeRequest, arn: unknown): TopicRecord => {
    const topic = store.topics.get(topicArnOf(req, arn, "ResourceArn"));
    if (!topic)
      throw new ServiceError(404, "ResourceNotFoundException", "Resource does not exist", "ResourceNotFound");
    return topic;
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
