// The local cloud's SQS: queues with their attributes, policies and tags; messages with delays,
// visibility, long polling, dead-letter queues and FIFO groups, persisted in `<dataDir>/sqs/`; and
// `ctx.sqs` for the services that deliver to queues (SNS, EventBridge, S3, Lambda destinations).
import { join } from "node:path";
import { dispatch, ServiceError } from "../protocol/operations.ts";
import { resourcePolicyAllows } from "../resource-policy.ts";
import type { CloudContext, Service } from "../types.ts";
import { queueAddressing } from "./addressing.ts";
import { messageOperations } from "./message-operations.ts";
import { Messaging } from "./messages.ts";
import { queueOperations } from "./queue-operations.ts";
import { SqsStore } from "./store.ts";
import { sqsWire } from "./wire.ts";

export async function createSqsService(ctx: CloudContext): Promise<Service> {
  const store = await SqsStore.open(join(ctx.dataDir, "sqs"));
  const messaging = new Messaging(store);
  const address = queueAddressing(ctx, store);
  const operations = {
    ...queueOperations(ctx, store, messaging, address),
    ...messageOperations(ctx, messaging, address),
  };

  ctx.sqs = {
    async sendMessage(queueArn, body, attributes, caller) {
      const queue = store.byArn(queueArn);
      if (!queue) throw new Error(`SQS queue ${queueArn} does not exist`);
      if (
        caller &&
        !resourcePolicyAllows(queue.record.attributes.Policy, "sqs:SendMessage", queueArn, caller)
      ) {
        throw new Error(
          `the policy of SQS queue ${queueArn} does not allow ${caller.principal} to send messages`,
        );
      }
      const prepared = messaging.prepare(queue, { body, attributes, senderId: ctx.accountId });
      if ("body" in prepared) await messaging.enqueue(queue, [prepared]);
      return { messageId: Messaging.result(prepared).MessageId };
    },
  };

  return {
    name: "sqs",
    handle: (req, res) =>
      dispatch(ctx, req, res, sqsWire(req), operations, {
        unknownOperation: (name) =>
          new ServiceError(
            400,
            "InvalidAction",
            `The action ${name || "(none)"} is not valid for this endpoint.`,
          ),
        accessDenied: (message) => new ServiceError(403, "AccessDenied", message),
      }),
    async close() {
      messaging.close();
      await store.close();
    },
  };
}
