// The asynchronous invocation queue on disk: every event Lambda accepted with 202 and has not finished
// with (its payload, attempts so far and when it is next due), in LevelDB under the state dir. An event
// is written before Invoke or S3 acknowledges it and deleted only once it succeeded or reached its
// destination, so a kill -9 at any moment loses none; one in flight at the kill runs again (at least once).
import { ClassicLevel } from "classic-level";
import { LocalStateError, moveAsideHint } from "../state.ts";

export interface QueuedEvent {
  /** The request id Invoke answered with; retries keep it, as on AWS. */
  requestId: string;
  functionName: string;
  /** The function's region: functions are regional. */
  region: string;
  /** When the function was created: an event for a function deleted and made again is dropped. */
  functionCreatedAt: number;
  payload: string;
  enqueuedAt: number;
  /** Epoch ms when the next attempt may start. */
  dueAt: number;
  /** Executions so far. */
  attempts: number;
  /** What the last failed execution answered, for the on-failure record. */
  lastFailure?: { functionError: string; payload: string };
}

type Operation = { type: "put"; key: string; value: QueuedEvent } | { type: "del"; key: string };

export class EventQueueStore {
  /**
   * Writes wait in `pending` while the previous batch is being written, then go to LevelDB together as
   * the next batch: one write per turn however many events arrive (a group commit), in request order.
   */
  private pending: Operation[] = [];
  private next?: Promise<void>;
  private tail: Promise<void> = Promise.resolve();

  private constructor(private readonly db: ClassicLevel<string, QueuedEvent>) {}

  static async open(location: string): Promise<EventQueueStore> {
    const db = new ClassicLevel<string, QueuedEvent>(location, { valueEncoding: "json" });
    try {
      await db.open();
    } catch (error) {
      const cause = (error as { cause?: Error }).cause ?? (error as Error);
      throw new LocalStateError(
        location,
        `the local cloud cannot open its queue of asynchronous invocations ${location} (${cause.message})`,
        moveAsideHint(location),
        { cause: error },
      );
    }
    return new EventQueueStore(db);
  }

  put(event: QueuedEvent): Promise<void> {
    return this.write({ type: "put", key: event.requestId, value: event });
  }

  remove(requestId: string): Promise<void> {
    return this.write({ type: "del", key: requestId });
  }

  async all(): Promise<QueuedEvent[]> {
    const events: QueuedEvent[] = [];
    for await (const value of this.db.values()) events.push(value);
    return events;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.db.close();
  }

  private write(operation: Operation): Promise<void> {
    this.pending.push(operation);
    if (!this.next) {
      const next = this.tail
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => {
          const batch = this.pending;
          this.pending = [];
          this.next = undefined;
          return this.db.batch(batch);
        });
      this.next = next;
      // A failed batch fails its own writers; the ones after it still get their turn.
      this.tail = next.catch(() => {});
    }
    return this.next;
  }
}
