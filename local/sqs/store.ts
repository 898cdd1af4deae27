// SQS's state: queues and their messages in memory for the operations, written through to an embedded
// ordered store (classic-level) in `<dataDir>/sqs/` before a call is answered, so an acknowledged message
// survives a restart. Keys are (region, queue name, arrival number); names never become paths.
import { ClassicLevel } from "classic-level";
import type { QueueRecord } from "./queues.ts";

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64, as the JSON and Query protocols carry binary values. */
  BinaryValue?: string;
}

export interface StoredMessage {
  id: string;
  /** Arrival order, kept across restarts. */
  seq: number;
  body: string;
  attributes: Record<string, MessageAttribute>;
  traceHeader?: string;
  senderId: string;
  /** Epoch milliseconds. */
  sentAt: number;
  /** Until then the message is delayed or in flight. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The receipt handle of the latest receive. */
  receipt?: string;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  deadLetterSourceArn?: string;
}

export class QueueState {
  readonly messages = new Map<string, StoredMessage>();
  /** Long polls waiting for a message to arrive. */
  readonly waiters = new Set<() => void>();
  lastPurgeAt = 0;
  /** FIFO deduplication ids seen in the last five minutes, with when. */
  readonly deduplication = new Map<string, { at: number; messageId: string; sequenceNumber: string }>();

  constructor(public record: QueueRecord) {}

  wake(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

const SEP = "\u0000";
const queueKey = (record: Pick<QueueRecord, "region" | "name">) =>
  `q${SEP}${record.region}${SEP}${record.name}`;
const messagePrefix = (record: Pick<QueueRecord, "region" | "name">) =>
  `m${SEP}${record.region}${SEP}${record.name}${SEP}`;
const messageKey = (record: QueueRecord, seq: number) =>
  `${messagePrefix(record)}${String(seq).padStart(16, "0")}`;

export class SqsStore {
  private readonly queues = new Map<string, QueueState>();
  /** When a queue name was last deleted, for QueueDeletedRecently. */
  readonly deletedAt = new Map<string, number>();
  private seq = 0;

  private constructor(private readonly db: ClassicLevel<string, string>) {}

  static async open(dir: string): Promise<SqsStore> {
    const db = new ClassicLevel<string, string>(dir, { valueEncoding: "utf8" });
    await db.open();
    const store = new SqsStore(db);
    // Queues first: message keys ("m…") sort before queue keys ("q…").
    for await (const value of db.values({ gte: `q${SEP}`, lt: `q${SEP}\uffff` })) {
      const record = JSON.parse(value) as QueueRecord;
      store.queues.set(SqsStore.key(record.region, record.name), new QueueState(record));
    }
    for await (const [key, value] of db.iterator({ gte: `m${SEP}`, lt: `m${SEP}\uffff` })) {
      const [, region, name] = key.split(SEP);
      const message = JSON.parse(value) as StoredMessage;
      store.queues.get(SqsStore.key(region!, name!))?.messages.set(message.id, message);
      store.seq = Math.max(store.seq, message.seq);
    }
    return store;
  }

  private static key(region: string, name: string): string {
    return `${region}${SEP}${name}`;
  }

  get(region: string, name: string): QueueState | undefined {
    return this.queues.get(SqsStore.key(region, name));
  }

  byArn(arn: string): QueueState | undefined {
    const match = arn.match(/^arn:aws:sqs:([^:]+):\d{12}:([^:]+)$/);
    return match ? this.get(match[1]!, match[2]!) : undefined;
  }

  inRegion(region: string): QueueState[] {
    return [...this.queues.values()]
      .filter((queue) => queue.record.region === region)
      .sort((a, b) => (a.record.name < b.record.name ? -1 : 1));
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  async saveQueue(queue: QueueState): Promise<void> {
    this.queues.set(SqsStore.key(queue.record.region, queue.record.name), queue);
    await this.db.put(queueKey(queue.record), JSON.stringify(queue.record));
  }

  async deleteQueue(queue: QueueState): Promise<void> {
    this.queues.delete(SqsStore.key(queue.record.region, queue.record.name));
    this.deletedAt.set(SqsStore.key(queue.record.region, queue.record.name), Date.now());
    await this.db.del(queueKey(queue.record));
    await this.clearMessages(queue);
    queue.wake();
  }

  wasDeletedAt(region: string, name: string): number | undefined {
    return this.deletedAt.get(SqsStore.key(region, name));
  }

  async putMessages(queue: QueueState, messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    for (const message of messages) queue.messages.set(message.id, message);
    await this.db.batch(
      messages.map((message) => ({
        type: "put" as const,
        key: messageKey(queue.record, message.seq),
        value: JSON.stringify(message),
      })),
    );
  }

  async removeMessages(queue: QueueState, messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    for (const message of messages) queue.messages.delete(message.id);
    await this.db.batch(
      messages.map((message) => ({ type: "del" as const, key: messageKey(queue.record, message.seq) })),
    );
  }

  async clearMessages(queue: QueueState): Promise<void> {
    queue.messages.clear();
    const prefix = messagePrefix(queue.record);
    await this.db.clear({ gte: prefix, lt: `${prefix}\uffff` });
  }

  async close(): Promise<void> {
    for (const queue of this.queues.values()) queue.wake();
    await this.db.close();
  }
}
