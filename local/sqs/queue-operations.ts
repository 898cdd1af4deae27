// SQS's queue operations, each with the IAM action and queue ARN it needs (the queue's policy as its
// resource policy): create, find, list, attributes (redrive policies checked), purge, tags, permissions.
import { type Operation, paginate, ServiceError, toList, toNumber } from "../protocol/operations.ts";
import type { CloudContext } from "../types.ts";
import type { QueueAddressing } from "./addressing.ts";
import {
  invalidParameterValue,
  invalidValue,
  missingParameter,
  queueDoesNotExist,
  unknownAttribute,
} from "./errors.ts";
import type { Messaging } from "./messages.ts";
import {
  type COMPUTED,
  checkAttributes,
  checkQueueName,
  initialAttributes,
  knownAttribute,
  type QueueRecord,
  queueArn,
} from "./queues.ts";
import { QueueState, type SqsStore } from "./store.ts";

export function queueOperations(
  ctx: CloudContext,
  store: SqsStore,
  messaging: Messaging,
  address: QueueAddressing,
) {
  const account = ctx.accountId;
  const { queueOf, onQueue, url } = address;

  const checkRedrive = (attributes: Record<string, string>, fifo: boolean, region: string) => {
    const text = attributes.RedrivePolicy;
    if (!text) return;
    const policy = JSON.parse(text) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    const fail = (reason: string) => invalidValue("RedrivePolicy", text, reason);
    if (!policy.deadLetterTargetArn)
      throw fail("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
    if (policy.maxReceiveCount === undefined)
      throw fail("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
    const count = Number(policy.maxReceiveCount);
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      throw fail(
        `Invalid value for maxReceiveCount: ${policy.maxReceiveCount}, valid values are from 1 to 1000 both inclusive.`,
      );
    }
    const target = store.byArn(String(policy.deadLetterTargetArn));
    if (!target || target.record.region !== region) throw fail("Dead letter target does not exist.");
    if (target.record.fifo !== fifo)
      throw fail("Dead-letter queue must be same type of queue as the source.");
  };

  const tagsOf = (given: unknown): Record<string, string> =>
    Object.fromEntries(
      Object.entries((given ?? {}) as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
    );

  const operations: Record<string, Operation> = {
    CreateQueue: {
      iam: (input, req) => ({
        action: "sqs:CreateQueue",
        resources: [queueArn(req.region, account, String(input.QueueName ?? ""))],
      }),
      async run(input, req) {
        const name = input.QueueName === undefined ? "" : String(input.QueueName);
        if (!name) throw missingParameter("QueueName");
        const given = (input.Attributes ?? {}) as Record<string, unknown>;
        const fifo = String(given.FifoQueue) === "true";
        checkQueueName(name, fifo);
        const attributes = { ...initialAttributes(fifo), ...checkAttributes(given, fifo, true) };
        checkRedrive(attributes, fifo, req.region);
        const existing = store.get(req.region, name);
        if (existing) {
          for (const [key, value] of Object.entries(attributes)) {
            if ((existing.record.attributes[key] ?? "") !== value) {
              throw new ServiceError(
                400,
                "QueueNameExists",
                `A queue already exists with the same name and a different value for attribute ${key}`,
                "QueueAlreadyExists",
              );
            }
          }
          return { QueueUrl: url(req, existing.record) };
        }
        const deletedAt = store.wasDeletedAt(req.region, name);
        if (deletedAt !== undefined && Date.now() - deletedAt < ctx.realism.queueNameReuseMs) {
          throw new ServiceError(
            400,
            "QueueDeletedRecently",
            "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
            "AWS.SimpleQueueService.QueueDeletedRecently",
          );
        }
        const now = Math.floor(Date.now() / 1000);
        for (const key of ["Policy", "RedrivePolicy", "RedriveAllowPolicy"])
          if (attributes[key] === "") delete attributes[key];
        const record: QueueRecord = {
          region: req.region,
          name,
          arn: queueArn(req.region, account, name),
          fifo,
          createdAt: now,
          modifiedAt: now,
          attributes,
          tags: tagsOf(input.tags),
        };
        await store.saveQueue(new QueueState(record));
        return { QueueUrl: url(req, record) };
      },
    },

    DeleteQueue: {
      iam: onQueue("DeleteQueue"),
      async run(input, req) {
        await store.deleteQueue(queueOf(input, req));
        return {};
      },
    },

    GetQueueUrl: {
      iam: (input, req) => ({
        action: "sqs:GetQueueUrl",
        resources: [queueArn(req.region, account, String(input.QueueName ?? ""))],
      }),
      run(input, req) {
        const owner = input.QueueOwnerAWSAccountId;
        const queue = store.get(req.region, String(input.QueueName ?? ""));
        if (!queue || (owner !== undefined && owner !== account)) throw queueDoesNotExist();
        return { QueueUrl: url(req, queue.record) };
      },
    },

    ListQueues: {
      iam: () => ({ action: "sqs:ListQueues", resources: ["*"] }),
      run(input, req) {
        const prefix = String(input.QueueNamePrefix ?? "");
        const max = toNumber(input.MaxResults);
        if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1000)) {
          throw invalidValue(
            "MaxResults",
            input.MaxResults,
            "MaxResults must be an integer between 1 and 1000.",
          );
        }
        const names = store
          .inRegion(req.region)
          .map((queue) => queue.record)
          .filter((record) => record.name.startsWith(prefix));
        // Without MaxResults, SQS answers up to 1000 queues and no token.
        const { items, next } = paginate(names, input.NextToken, max ?? 1000);
        return {
          ...(items.length > 0 ? { QueueUrls: items.map((record) => url(req, record)) } : {}),
          ...(next && max !== undefined ? { NextToken: next } : {}),
        };
      },
    },

    GetQueueAttributes: {
      iam: onQueue("GetQueueAttributes"),
      run(input, req) {
        const queue = queueOf(input, req);
        const names = toList<string>(input.AttributeNames).map(String);
        const record = queue.record;
        const counts = messaging.counts(queue);
        const computed: Record<(typeof COMPUTED)[number], string> = {
          ApproximateNumberOfMessages: String(counts.visible),
          ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
          ApproximateNumberOfMessagesDelayed: String(counts.delayed),
          CreatedTimestamp: String(record.createdAt),
          LastModifiedTimestamp: String(record.modifiedAt),
          QueueArn: record.arn,
        };
        const all: Record<string, string> = { ...record.attributes, ...computed };
        const chosen: Record<string, string> = {};
        for (const name of names) {
          if (!knownAttribute(name, record.fifo)) throw unknownAttribute(name);
          if (name === "All") Object.assign(chosen, all);
          else if (Object.hasOwn(all, name)) chosen[name] = all[name]!;
        }
        return Object.keys(chosen).length > 0 ? { Attributes: chosen } : {};
      },
    },

    SetQueueAttributes: {
      iam: onQueue("SetQueueAttributes"),
      async run(input, req) {
        const queue = queueOf(input, req);
        const record = queue.record;
        const changes = checkAttributes(
          (input.Attributes ?? {}) as Record<string, unknown>,
          record.fifo,
          false,
        );
        checkRedrive({ ...changes }, record.fifo, record.region);
        for (const [key, value] of Object.entries(changes)) {
          if (value === "" && ["Policy", "RedrivePolicy", "RedriveAllowPolicy"].includes(key))
            delete record.attributes[key];
          else record.attributes[key] = value;
        }
        record.modifiedAt = Math.floor(Date.now() / 1000);
        await store.saveQueue(queue);
        return {};
      },
    },

    PurgeQueue: {
      iam: onQueue("PurgeQueue"),
      async run(input, req) {
        const queue = queueOf(input, req);
        if (Date.now() - queue.lastPurgeAt < 60_000) {
          throw new ServiceError(
            403,
            "PurgeQueueInProgress",
            `Only one PurgeQueue operation on ${queue.record.name} is allowed every 60 seconds.`,
            "AWS.SimpleQueueService.PurgeQueueInProgress",
          );
        }
        queue.lastPurgeAt = Date.now();
        await store.clearMessages(queue);
        return {};
      },
    },

    TagQueue: {
      iam: onQueue("TagQueue"),
      async run(input, req) {
        const queue = queueOf(input, req);
        const tags = { ...queue.record.tags, ...tagsOf(input.Tags) };
        if (Object.keys(tags).length > 50) throw invalidParameterValue("Too many tags added for queue.");
        queue.record.tags = tags;
        await store.saveQueue(queue);
        return {};
      },
    },

    UntagQueue: {
      iam: onQueue("UntagQueue"),
      async run(input, req) {
        const queue = queueOf(input, req);
        for (const key of toList<string>(input.TagKeys)) delete queue.record.tags[String(key)];
        await store.saveQueue(queue);
        return {};
      },
    },

    ListQueueTags: {
      iam: onQueue("ListQueueTags"),
      run(input, req) {
        const tags = queueOf(input, req).record.tags;
        return Object.keys(tags).length > 0 ? { Tags: { ...tags } } : {};
      },
    },

    AddPermission: {
      iam: onQueue("AddPermission"),
      async run(input, req) {
        const queue = queueOf(input, req);
        const label = String(input.Label ?? "");
        const accounts = toList<string>(input.AWSAccountIds).map(String);
        const actions = toList<string>(input.Actions).map(String);
        if (!label) throw missingParameter("Label");
        if (accounts.length === 0) throw missingParameter("AWSAccountIds");
        if (actions.length === 0) throw missingParameter("Actions");
        const policy = queuePolicy(queue.record);
        if (policy.Statement.some((statement) => statement.Sid === label)) {
          throw invalidValue("Label", label, "Already exists.");
        }
        const principals = accounts.map((id) => `arn:aws:iam::${id}:root`);
        const sqsActions = actions.map((action) => `SQS:${action}`);
        policy.Statement.push({
          Sid: label,
          Effect: "Allow",
          Principal: { AWS: principals.length === 1 ? principals[0] : principals },
          Action: sqsActions.length === 1 ? sqsActions[0] : sqsActions,
          Resource: queue.record.arn,
        });
        queue.record.attributes.Policy = JSON.stringify(policy);
        await store.saveQueue(queue);
        return {};
      },
    },

    RemovePermission: {
      iam: onQueue("RemovePermission"),
      async run(input, req) {
        const queue = queueOf(input, req);
        const label = String(input.Label ?? "");
        const policy = queuePolicy(queue.record);
        const kept = policy.Statement.filter((statement) => statement.Sid !== label);
        if (kept.length === policy.Statement.length) throw invalidValue("Label", label, "can't find label.");
        if (kept.length > 0) queue.record.attributes.Policy = JSON.stringify({ ...policy, Statement: kept });
        else delete queue.record.attributes.Policy;
        await store.saveQueue(queue);
        return {};
      },
    },

    ListDeadLetterSourceQueues: {
      iam: onQueue("ListDeadLetterSourceQueues"),
      run(input, req) {
        const target = queueOf(input, req).record.arn;
        const sources = store.inRegion(req.region).filter((queue) => {
          const text = queue.record.attributes.RedrivePolicy;
          return (
            text !== undefined &&
            (JSON.parse(text) as { deadLetterTargetArn?: string }).deadLetterTargetArn === target
          );
        });
        return { queueUrls: sources.map((queue) => url(req, queue.record)) };
      },
    },
  };
  return operations;
}

interface PolicyDocument {
  Version: string;
  Id: string;
  Statement: Array<Record<string, unknown>>;
}

function queuePolicy(record: QueueRecord): PolicyDocument {
  if (record.attributes.Policy) {
    const policy = JSON.parse(record.attributes.Policy) as PolicyDocument;
    policy.Statement = toList<Record<string, unknown>>(policy.Statement);
    return policy;
  }
  return { Version: "2008-10-17", Id: `${record.arn}/SQSDefaultPolicy`, Statement: [] };
}
