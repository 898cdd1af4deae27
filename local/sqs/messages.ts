// A queue's messages as SQS handles them: checks on what is sent, delays, receives that hide a message
// for the visibility timeout, long polls, receive counts and the move to a dead-letter queue, retention,
// FIFO groups and deduplication, and the MD5 digests the SDKs verify.
import { createHash, randomUUID } from "node:crypto";
import { ServiceError } from "../protocol/operations.ts";
import { invalidParameterValue, invalidReceiptHandle, invalidValue, missingParameter } from "./errors.ts";
import { redrivePolicy } from "./queues.ts";
import type { MessageAttribute, QueueState, SqsStore, StoredMessage } from "./store.ts";

const VALID_BODY = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const FIFO_ID = /^[\x21-\x7E]{1,128}$/;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)(?![Aa][Ww][Ss]\.)(?![Aa]mazon\.)[\w.-]{1,256}$/;
const DEDUPLICATION_MS = 5 * 60_000;

export const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex");

/** The digest of message attributes the SDKs check: names sorted, each field length-prefixed. */
export function md5OfAttributes(attributes: Record<string, MessageAttribute>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const attribute = attributes[name]!;
    field(Buffer.from(name));
    field(Buffer.from(attribute.DataType));
    const binary = attribute.DataType.startsWith("Binary");
    parts.push(Buffer.from([binary ? 2 : 1]));
    field(
      binary ? Buffer.from(attribute.BinaryValue ?? "", "base64") : Buffer.from(attribute.StringValue ?? ""),
    );
  }
  return md5(Buffer.concat(parts));
}

export function checkMessageAttributes(given: unknown): Record<string, MessageAttribute> {
  const attributes: Record<string, MessageAttribute> = {};
  for (const [name, raw] of Object.entries((given ?? {}) as Record<string, Record<string, unknown>>)) {
    if (!ATTRIBUTE_NAME.test(name)) {
      throw invalidParameterValue(
        "Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ",
      );
    }
    const type = raw?.DataType === undefined ? undefined : String(raw.DataType);
    if (!type)
      throw invalidParameterValue(
        `The message attribute '${name}' must contain non-empty message attribute type.`,
      );
    if (!/^(String|Number|Binary)(\..+)?$/.test(type)) {
      throw invalidParameterValue(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    const binaryValue =
      raw.BinaryValue instanceof Uint8Array
        ? Buffer.from(raw.BinaryValue).toString("base64")
        : raw.BinaryValue;
    const value = type.startsWith("Binary") ? binaryValue : raw.StringValue;
    if (value === undefined || value === "") {
      const kind = type.startsWith("Binary") ? "Binary" : "String";
      throw invalidParameterValue(
        `Message (user) attribute '${name}' must contain a non-empty value of type '${kind}'.`,
      );
    }
    if (type.startsWith("Number") && !Number.isFinite(Number(value))) {
      throw invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    attributes[name] = type.startsWith("Binary")
      ? { DataType: type, BinaryValue: String(value) }
      : { DataType: type, StringValue: String(value) };
  }
  return attributes;
}

export function messageSize(body: string, attributes: Record<string, MessageAttribute>): number {
  let size = Buffer.byteLength(body);
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType);
    size += attribute.BinaryValue
      ? Buffer.from(attribute.BinaryValue, "base64").length
      : Buffer.byteLength(attribute.StringValue ?? "");
  }
  return size;
}

export interface SendInput {
  body: unknown;
  attributes?: unknown;
  delaySeconds?: number;
  groupId?: unknown;
  deduplicationId?: unknown;
  traceHeader?: string;
  senderId: string;
}

export interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  SequenceNumber?: string;
}

export interface ReceiveOptions {
  max: number;
  visibilityTimeout?: number;
  waitSeconds: number;
  systemAttributeNames: string[];
  messageAttributeNames: string[];
}

export class Messaging {
  private closed = false;

  constructor(private readonly store: SqsStore) {}

  /** Checks a message as SendMessage does and returns what to store; nothing is stored yet. */
  prepare(queue: QueueState, input: SendInput): StoredMessage | SendResult {
    const record = queue.record;
    if (input.body === undefined || input.body === "") throw missingParameter("MessageBody");
    const body = String(input.body);
    if (!VALID_BODY.test(body)) {
      throw new ServiceError(
        400,
        "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
      );
    }
    const attributes = checkMessageAttributes(input.attributes);
    const max = Number(record.attributes.MaximumMessageSize);
    if (messageSize(body, attributes) > max) {
      throw invalidParameterValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`,
      );
    }
    if (input.delaySeconds !== undefined) {
      if (record.fifo) {
        throw invalidValue(
          "DelaySeconds",
          input.delaySeconds,
          "The request include parameter that is not valid for this queue type.",
        );
      }
      if (!Number.isInteger(input.delaySeconds) || input.delaySeconds < 0 || input.delaySeconds > 900) {
        throw invalidValue("DelaySeconds", input.delaySeconds, "Must be >= 0 and <= 900, if provided.");
      }
    }
    const groupId = input.groupId === undefined ? undefined : String(input.groupId);
    let deduplicationId = input.deduplicationId === undefined ? undefined : String(input.deduplicationId);
    if (groupId !== undefined && !FIFO_ID.test(groupId)) {
      throw invalidValue(
        "MessageGroupId",
        groupId,
        "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
      );
    }
    if (deduplicationId !== undefined && !FIFO_ID.test(deduplicationId)) {
      throw invalidValue(
        "MessageDeduplicationId",
        deduplicationId,
        "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
      );
    }
    const now = Date.now();
    const message: StoredMessage = {
      id: randomUUID(),
      seq: 0,
      body,
      attributes,
      senderId: input.senderId,
      sentAt: now,
      visibleAt: now + 1000 * (input.delaySeconds ?? Number(record.attributes.DelaySeconds)),
      receiveCount: 0,
      ...(input.traceHeader ? { traceHeader: input.traceHeader } : {}),
      ...(groupId !== undefined ? { groupId } : {}),
    };
    if (!record.fifo) {
      if (deduplicationId !== undefined) {
        throw invalidValue(
          "MessageDeduplicationId",
          deduplicationId,
          "The request include parameter that is not valid for this queue type.",
        );
      }
      return message;
    }
    if (groupId === undefined) throw missingParameter("MessageGroupId");
    if (deduplicationId === undefined) {
      if (record.attributes.ContentBasedDeduplication !== "true") {
        throw invalidParameterValue(
          "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        );
      }
      deduplicationId = createHash("sha256").update(body).digest("hex");
    }
    for (const [key, entry] of queue.deduplication) {
      if (now - entry.at >= DEDUPLICATION_MS) queue.deduplication.delete(key);
    }
    const scope = record.attributes.DeduplicationScope === "messageGroup" ? `${groupId}\u0000` : "";
    const seen = queue.deduplication.get(scope + deduplicationId);
    if (seen) {
      return { MessageId: seen.messageId, MD5OfMessageBody: md5(body), SequenceNumber: seen.sequenceNumber };
    }
    message.deduplicationId = deduplicationId;
    message.sequenceNumber = String(this.store.nextSeq()).padStart(20, "1");
    queue.deduplication.set(scope + deduplicationId, {
      at: now,
      messageId: message.id,
      sequenceNumber: message.sequenceNumber,
    });
    return message;
  }

  /** Stores prepared messages (one write for a batch) and wakes the long polls waiting on the queue. */
  async enqueue(queue: QueueState, messages: StoredMessage[]): Promise<void> {
    for (const message of messages) message.seq = this.store.nextSeq();
    await this.store.putMessages(queue, messages);
    queue.wake();
  }

  static result(message: StoredMessage | SendResult): SendResult {
    if (!("body" in message)) return message;
    const attributesMd5 = md5OfAttributes(message.attributes);
    return {
      MessageId: message.id,
      MD5OfMessageBody: md5(message.body),
      ...(attributesMd5 ? { MD5OfMessageAttributes: attributesMd5 } : {}),
      ...(message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}),
    };
  }

  /** ReceiveMessage: what is visible now, or, within the wait time, as soon as something is. */
  async receive(queue: QueueState, options: ReceiveOptions): Promise<StoredMessage[]> {
    const deadline = Date.now() + options.waitSeconds * 1000;
    for (;;) {
      const received = await this.take(queue, options);
      const live = this.store.get(queue.record.region, queue.record.name) === queue;
      if (received.length > 0 || !live || this.closed || Date.now() >= deadline) return received;
      const nextVisible = Math.min(
        ...[...queue.messages.values()].map((m) => m.visibleAt).filter((t) => t > Date.now()),
      );
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          queue.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, Math.min(deadline, nextVisible) - Date.now()));
        queue.waiters.add(done);
      });
      // Woken by the cloud stopping: its store is closing, so answer with nothing.
      if (this.closed) return [];
    }
  }

  private async take(queue: QueueState, options: ReceiveOptions): Promise<StoredMessage[]> {
    const now = Date.now();
    const record = queue.record;
    const timeout = options.visibilityTimeout ?? Number(record.attributes.VisibilityTimeout);
    const redrive = redrivePolicy(record);
    const deadLetter = redrive ? this.store.byArn(redrive.deadLetterTargetArn) : undefined;
    const expired: StoredMessage[] = [];
    const moved: StoredMessage[] = [];
    const taken: StoredMessage[] = [];
    // FIFO: a group's messages go out in order, and none while an earlier one is in flight.
    const blockedGroups = new Set<string>();
    for (const message of queue.messages.values()) {
      if (now - message.sentAt > Number(record.attributes.MessageRetentionPeriod) * 1000) {
        expired.push(message);
        continue;
      }
      if (taken.length >= options.max) continue;
      const group = record.fifo ? message.groupId : undefined;
      if (group !== undefined && blockedGroups.has(group)) continue;
      if (message.visibleAt > now) {
        if (group !== undefined) blockedGroups.add(group);
        continue;
      }
      if (redrive && deadLetter && deadLetter !== queue && message.receiveCount >= redrive.maxReceiveCount) {
        moved.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + timeout * 1000;
      message.receipt = Buffer.from(`${record.arn} ${message.id} ${randomUUID()}`).toString("base64");
      taken.push(message);
    }
    await this.store.removeMessages(queue, [...expired, ...moved]);
    if (deadLetter && moved.length > 0) {
      await this.enqueue(
        deadLetter,
        moved.map((message) => ({
          ...message,
          receiveCount: 0,
          visibleAt: now,
          deadLetterSourceArn: record.arn,
          receipt: undefined,
          firstReceivedAt: undefined,
        })),
      );
    }
    await this.store.putMessages(queue, taken);
    return taken;
  }

  /** The message a receipt handle names; a handle from another queue, or no handle at all, is invalid. */
  findByReceipt(queue: QueueState, handle: string): StoredMessage | undefined {
    const [arn, id] = Buffer.from(handle, "base64").toString("utf8").split(" ");
    if (arn !== queue.record.arn || !id) throw invalidReceiptHandle(handle);
    return queue.messages.get(id);
  }

  async delete(queue: QueueState, handle: string): Promise<void> {
    const message = this.findByReceipt(queue, handle);
    if (message) await this.store.removeMessages(queue, [message]);
  }

  async changeVisibility(queue: QueueState, handle: string, timeout: number): Promise<void> {
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > 43200) {
      throw invalidValue("VisibilityTimeout", timeout, "Must be between 0 and 43200, if provided.");
    }
    const message = this.findByReceipt(queue, handle);
    if (!message || message.visibleAt <= Date.now()) {
      throw invalidValue(
        "ReceiptHandle",
        handle,
        message
          ? "The receipt handle has expired."
          : "Message does not exist or is not available for visibility timeout change.",
      );
    }
    if (message.receipt !== handle)
      throw invalidValue("ReceiptHandle", handle, "The receipt handle has expired.");
    message.visibleAt = Date.now() + timeout * 1000;
    await this.store.putMessages(queue, [message]);
    if (timeout === 0) queue.wake();
  }

  counts(queue: QueueState): { visible: number; inFlight: number; delayed: number } {
    const now = Date.now();
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) counts.visible += 1;
      else if (message.receiveCount > 0) counts.inFlight += 1;
      else counts.delayed += 1;
    }
    return counts;
  }

  close(): void {
    this.closed = true;
  }
}

/** A received message as ReceiveMessage returns it, with the system and user attributes asked for. */
export function renderMessage(message: StoredMessage, options: ReceiveOptions): Record<string, unknown> {
  const system: Record<string, string | undefined> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    AWSTraceHeader: message.traceHeader,
    SequenceNumber: message.sequenceNumber,
    MessageDeduplicationId: message.deduplicationId,
    MessageGroupId: message.groupId,
    DeadLetterQueueSourceArn: message.deadLetterSourceArn,
  };
  const all = options.systemAttributeNames.includes("All");
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(system)) {
    if (value !== undefined && (all || options.systemAttributeNames.includes(name))) attributes[name] = value;
  }
  const wanted = (name: string) =>
    options.messageAttributeNames.some(
      (pattern) =>
        pattern === "All" ||
        pattern === ".*" ||
        pattern === name ||
        (pattern.endsWith(".*") && name.startsWith(pattern.slice(0, -1))),
    );
  const userAttributes = Object.fromEntries(
    Object.entries(message.attributes).filter(([name]) => wanted(name)),
  );
  const attributesMd5 = md5OfAttributes(userAttributes);
  return {
    MessageId: message.id,
    ReceiptHandle: message.receipt,
    MD5OfBody: md5(message.body),
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(attributesMd5 ? { MD5OfMessageAttributes: attributesMd5, MessageAttributes: userAttributes } : {}),
  };
}
