// SQS's message operations, each with the IAM action on the queue it needs: send (one or a batch),
// receive (long polling), delete and change visibility (one or a batch), batches checked as SQS checks them.
import { type Input, type Operation, ServiceError, toList, toNumber } from "../protocol/operations.ts";
import type { CloudContext } from "../types.ts";
import type { QueueAddressing } from "./addressing.ts";
import { batchErrors, invalidValue, missingParameter } from "./errors.ts";
import { Messaging, type ReceiveOptions, renderMessage, type SendInput } from "./messages.ts";
import type { QueueState, StoredMessage } from "./store.ts";

type Entry = Record<string, unknown>;
const BATCH_ID = /^[\w-]{1,80}$/;
const MAX_BATCH_BYTES = 1048576;

export function messageOperations(ctx: CloudContext, messaging: Messaging, address: QueueAddressing) {
  const account = ctx.accountId;
  const { queueOf, onQueue } = address;

  /** A batch's entries checked as SQS checks them before looking at any one entry. */
  const batch = (input: Input, kind: string): Entry[] => {
    const entries = toList<Entry>(input.Entries);
    if (entries.length === 0) throw batchErrors.empty(kind);
    if (entries.length > 10) throw batchErrors.tooMany(entries.length);
    const seen = new Set<string>();
    for (const entry of entries) {
      const id = String(entry.Id ?? "");
      if (!BATCH_ID.test(id)) throw batchErrors.invalidId();
      if (seen.has(id)) throw batchErrors.notDistinct(id);
      seen.add(id);
    }
    return entries;
  };
  /** Runs one entry of a batch; its refusal becomes a Failed entry, as SQS reports it. */
  const attempt = async <T>(entry: Entry, run: () => Promise<T>) => {
    try {
      return { ok: true as const, value: await run() };
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      return {
        ok: false as const,
        failure: {
          Id: String(entry.Id),
          SenderFault: error.status < 500,
          Code: error.queryCode,
          Message: error.message,
        },
      };
    }
  };
  /** A batch whose entries succeed or fail one by one, in order, reported as Successful and Failed. */
  const eachEntry = async (
    queue: QueueState,
    input: Input,
    kind: string,
    run: (queue: QueueState, entry: Entry) => Promise<void>,
  ) => {
    const entries = batch(input, kind);
    const outcomes = [];
    for (const entry of entries) outcomes.push(await attempt(entry, () => run(queue, entry)));
    return {
      Successful: outcomes.flatMap((outcome, index) =>
        outcome.ok ? [{ Id: String(entries[index]!.Id) }] : [],
      ),
      Failed: outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.failure])),
    };
  };
  const sendInput = (entry: Entry): SendInput => {
    const system = entry.MessageSystemAttributes as Record<string, { StringValue?: string }> | undefined;
    const trace = system?.AWSTraceHeader?.StringValue;
    return {
      body: entry.MessageBody,
      attributes: entry.MessageAttributes,
      delaySeconds: toNumber(entry.DelaySeconds),
      groupId: entry.MessageGroupId,
      deduplicationId: entry.MessageDeduplicationId,
      senderId: account,
      ...(trace ? { traceHeader: trace } : {}),
    };
  };
  const operations: Record<string, Operation> = {
    SendMessage: {
      iam: onQueue("SendMessage"),
      async run(input, req) {
        const queue = queueOf(input, req);
        const prepared = messaging.prepare(queue, sendInput(input));
        if ("body" in prepared) await messaging.enqueue(queue, [prepared]);
        return Messaging.result(prepared);
      },
    },

    SendMessageBatch: {
      iam: onQueue("SendMessage"),
      async run(input, req) {
        const queue = queueOf(input, req);
        const entries = batch(input, "SendMessageBatch");
        const size = entries.reduce(
          (total, entry) => total + Buffer.byteLength(String(entry.MessageBody ?? "")),
          0,
        );
        if (size > MAX_BATCH_BYTES) throw batchErrors.tooLong(MAX_BATCH_BYTES, size);
        const outcomes = await Promise.all(
          entries.map((entry) => attempt(entry, async () => messaging.prepare(queue, sendInput(entry)))),
        );
        const stored = outcomes.flatMap((outcome) =>
          outcome.ok && "body" in outcome.value ? [outcome.value as StoredMessage] : [],
        );
        await messaging.enqueue(queue, stored);
        return {
          Successful: outcomes.flatMap((outcome, index) =>
            outcome.ok ? [{ Id: String(entries[index]!.Id), ...Messaging.result(outcome.value) }] : [],
          ),
          Failed: outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.failure])),
        };
      },
    },

    ReceiveMessage: {
      iam: onQueue("ReceiveMessage"),
      async run(input, req) {
        const queue = queueOf(input, req);
        const max = toNumber(input.MaxNumberOfMessages) ?? 1;
        if (!Number.isInteger(max) || max < 1 || max > 10) {
          throw invalidValue(
            "MaxNumberOfMessages",
            input.MaxNumberOfMessages,
            "Must be between 1 and 10, if provided.",
          );
        }
        const wait =
          toNumber(input.WaitTimeSeconds) ?? Number(queue.record.attributes.ReceiveMessageWaitTimeSeconds);
        if (!Number.isInteger(wait) || wait < 0 || wait > 20) {
          throw invalidValue(
            "WaitTimeSeconds",
            input.WaitTimeSeconds,
            "Must be >= 0 and <= 20, if provided.",
          );
        }
        const visibility = toNumber(input.VisibilityTimeout);
        if (
          visibility !== undefined &&
          (!Number.isInteger(visibility) || visibility < 0 || visibility > 43200)
        ) {
          throw invalidValue(
            "VisibilityTimeout",
            input.VisibilityTimeout,
            "Must be >= 0 and <= 43200, if provided.",
          );
        }
        const options: ReceiveOptions = {
          max,
          waitSeconds: wait,
          ...(visibility !== undefined ? { visibilityTimeout: visibility } : {}),
          systemAttributeNames: [
            ...toList<string>(input.AttributeNames),
            ...toList<string>(input.MessageSystemAttributeNames),
          ],
          messageAttributeNames: toList<string>(input.MessageAttributeNames),
        };
        const messages = await messaging.receive(queue, options);
        return messages.length > 0
          ? { Messages: messages.map((message) => renderMessage(message, options)) }
          : {};
      },
    },

    DeleteMessage: {
      iam: onQueue("DeleteMessage"),
      async run(input, req) {
        const queue = queueOf(input, req);
        if (!input.ReceiptHandle) throw missingParameter("ReceiptHandle");
        await messaging.delete(queue, String(input.ReceiptHandle));
        return {};
      },
    },

    DeleteMessageBatch: {
      iam: onQueue("DeleteMessage"),
      run: (input, req) =>
        eachEntry(queueOf(input, req), input, "DeleteMessageBatch", (queue, entry) =>
          messaging.delete(queue, String(entry.ReceiptHandle ?? "")),
        ),
    },

    ChangeMessageVisibility: {
      iam: onQueue("ChangeMessageVisibility"),
      async run(input, req) {
        const queue = queueOf(input, req);
        if (!input.ReceiptHandle) throw missingParameter("ReceiptHandle");
        await messaging.changeVisibility(queue, String(input.ReceiptHandle), Number(input.VisibilityTimeout));
        return {};
      },
    },

    ChangeMessageVisibilityBatch: {
      iam: onQueue("ChangeMessageVisibility"),
      run: (input, req) =>
        eachEntry(queueOf(input, req), input, "ChangeMessageVisibilityBatch", (queue, entry) =>
          messaging.changeVisibility(
            queue,
            String(entry.ReceiptHandle ?? ""),
            Number(entry.VisibilityTimeout),
          ),
        ),
    },
  };
  return operations;
}
