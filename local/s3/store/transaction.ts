// Every change to the S3 store runs in a transaction that reads the committed state plus the writes
// before it, and lands in a LevelDB batch. Changes queued together are committed as one group (one batch
// for many concurrent PutObjects); a change that scans the index runs alone, after everything before it
// has landed. Bodies a group indexes are put in place before its batch, and bodies nothing points at any
// more are deleted after it, so a crash at any moment leaves every listed key with its body (at worst an
// unreferenced body, which is collected later).
import type { ClassicLevel } from "classic-level";
import { type BodyFiles, type BodyRef, isInline, type StagedBody } from "./bodies.ts";
import { keys } from "./keys.ts";

export type Database = ClassicLevel<Buffer, unknown>;

type Written = { key: Buffer; value: unknown; valueEncoding?: "buffer" };

export class Transaction {
  private readonly writes = new Map<string, Written>();
  readonly promotions: StagedBody[] = [];
  readonly released = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly clock: SequenceClock,
    private readonly parent?: Transaction,
  ) {}

  private written(id: string): Written | undefined {
    return this.writes.get(id) ?? this.parent?.written(id);
  }

  get<T>(key: Buffer): T | undefined {
    const written = this.written(key.toString("latin1"));
    if (written) return written.value as T | undefined;
    return this.db.getSync(key) as T | undefined;
  }

  put(key: Buffer, value: unknown, valueEncoding?: "buffer"): void {
    this.writes.set(key.toString("latin1"), { key, value, ...(valueEncoding ? { valueEncoding } : {}) });
  }

  del(key: Buffer): void {
    this.writes.set(key.toString("latin1"), { key, value: undefined });
  }

  nextSeq(): number {
    return this.clock.next();
  }

  /**
   * One more version or part points at a body. A body new to the store is stored by this commit: in the
   * batch itself when small, or put in place as a file before the batch lands.
   */
  reference(body: StagedBody | BodyRef): void {
    const count = this.get<number>(keys.references(body.sha256)) ?? 0;
    if (count === 0) {
      if (!("md5" in body)) throw new Error(`body ${body.sha256} is referenced but not stored`);
      if (isInline(body.size)) this.put(keys.inlineBody(body.sha256), body.bytes, "buffer");
      else this.promotions.push(body);
    }
    this.put(keys.references(body.sha256), count + 1);
  }

  /** One version or part fewer points at a body; the last one gone deletes it (a file after the commit). */
  release(body: BodyRef | undefined): void {
    if (!body) return;
    const count = (this.get<number>(keys.references(body.sha256)) ?? 1) - 1;
    if (count > 0) {
      this.put(keys.references(body.sha256), count);
      return;
    }
    this.del(keys.references(body.sha256));
    if (isInline(body.size)) this.del(keys.inlineBody(body.sha256));
    else this.released.add(body.sha256);
  }

  /** A transaction for one change of a group: its writes join the group only if it succeeds. */
  child(): Transaction {
    return new Transaction(this.db, this.clock, this);
  }

  mergeInto(parent: Transaction): void {
    for (const [id, written] of this.writes) parent.writes.set(id, written);
    parent.promotions.push(...this.promotions);
    for (const sha256 of this.released) parent.released.add(sha256);
  }

  operations() {
    return [...this.writes.values()].map(({ key, value, valueEncoding }) =>
      value === undefined
        ? { type: "del" as const, key }
        : { type: "put" as const, key, value, ...(valueEncoding ? { valueEncoding } : {}) },
    );
  }
}

/** Sequence numbers that only grow, also across restarts: the clock in microseconds, or one more than the last. */
export class SequenceClock {
  constructor(private last: number) {}

  next(): number {
    this.last = Math.max(this.last + 1, Date.now() * 1000);
    return this.last;
  }

  get current(): number {
    return this.last;
  }
}

type Change<T> = (tx: Transaction) => T | Promise<T>;

interface Queued {
  change: Change<unknown>;
  alone: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** At most this many changes share a batch. */
const GROUP_LIMIT = 256;

export class WriteQueue {
  private readonly queued: Queued[] = [];
  private running: Promise<void> | undefined;
  private readonly clock: SequenceClock;

  constructor(
    private readonly db: Database,
    private readonly bodies: BodyFiles,
  ) {
    this.clock = new SequenceClock((db.getSync(keys.sequence) as number | undefined) ?? 0);
  }

  /**
   * Queues a change; resolves once its batch has landed. `alone` changes read the committed index with
   * iterators, which cannot see a group's pending writes, so they run by themselves.
   */
  run<T>(change: Change<T>, options: { alone?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({
        change,
        alone: options.alone === true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.running ??= this.drain();
    });
  }

  /** Resolves once every change queued so far has landed. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const first = this.queued[0]!;
        let size = 1;
        if (!first.alone) {
          while (size < this.queued.length && size < GROUP_LIMIT && !this.queued[size]!.alone) size++;
        }
        await this.commit(this.queued.splice(0, size));
      }
    } finally {
      // Cleared in the same step as the last look at the queue: a change queued after it starts a new drain.
      this.running = undefined;
    }
  }

  private async commit(group: Queued[]): Promise<void> {
    const tx = new Transaction(this.db, this.clock);
    const before = this.clock.current;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    for (const entry of group) {
      const child = tx.child();
      try {
        const value = await entry.change(child);
        child.mergeInto(tx);
        outcomes.push({ ok: true, value });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    try {
      for (const staged of tx.promotions) this.bodies.promote(staged);
      if (this.clock.current !== before) tx.put(keys.sequence, this.clock.current);
      const operations = tx.operations();
      if (operations.length > 0) await this.db.batch(operations);
      for (const sha256 of tx.released) {
        if (this.db.getSync(keys.references(sha256)) === undefined) await this.bodies.remove(sha256);
      }
    } catch (error) {
      for (const entry of group) entry.reject(error);
      return;
    }
    group.forEach((entry, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
  }
}
