// Invocation: finds the function, refuses it while Pending, runs it in an environment, shapes the result
// as Invoke returns it, and publishes its AWS/Lambda metrics. Event invocations go through a queue kept
// on disk: written before they are acknowledged, retried on function error as the function's
// asynchronous settings say, reported to its destinations, and resumed after a restart.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { CloudContext, InvokeResult } from "../types.ts";
import { type Condition, invocationRecord, sendRecord } from "./destinations.ts";
import type { EnvironmentPool } from "./environments.ts";
import { type AsyncSettings, EventInvokeConfigStore } from "./event-invoke-config.ts";
import { EventQueueStore, type QueuedEvent } from "./event-queue.ts";
import { type FunctionRecord, type FunctionStore, functionArn, functionState } from "./functions.ts";
import { LambdaMetrics } from "./metrics.ts";

const TAIL_BYTES = 4096;

export class Invoker {
  /** The asynchronous settings of each function (PutFunctionEventInvokeConfig and its siblings). */
  readonly eventInvokeConfigs: EventInvokeConfigStore;
  private readonly metrics: LambdaMetrics;
  private queue?: EventQueueStore;
  private started?: Promise<void>;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Events being processed now; closing waits for them before the queue is closed. */
  private readonly processing = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly ctx: CloudContext,
    private readonly store: FunctionStore,
    private readonly pool: EnvironmentPool,
  ) {
    this.eventInvokeConfigs = new EventInvokeConfigStore(join(ctx.dataDir, "lambda-async"));
    this.metrics = new LambdaMetrics(ctx);
  }

  /**
   * Opens the queue on disk and resumes the events an earlier run left, keeping their due times. Called
   * once the edge listens (functions run then can call the cloud back through AWS_ENDPOINT_URL), or by
   * the first Event invocation of a Lambda used without an edge.
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      const queue = await EventQueueStore.open(join(this.ctx.dataDir, "lambda-async", "queue"));
      this.queue = queue;
      const left = await queue.all();
      if (left.length > 0) this.ctx.debug(`lambda: resuming ${left.length} queued asynchronous invocations`);
      for (const event of left) this.schedule(event);
    })();
    return this.started;
  }

  async invoke(record: FunctionRecord, payload: Buffer): Promise<InvokeResult> {
    const codeDir = await this.store.ensureCodeDir(record);
    const finished = this.metrics.started(record);
    let outcome: Awaited<ReturnType<EnvironmentPool["run"]>>;
    const startedAt = Date.now();
    try {
      outcome = await this.pool.run(
        {
          functionName: record.name,
          functionArn: functionArn(record),
          generation: record.generation,
          codeDir,
          handler: record.handler,
          runtime: record.runtime,
          role: record.role,
          timeoutSeconds: record.timeout,
          memorySize: record.memorySize,
          region: record.region,
          endpoint: this.ctx.endpoint,
          variables: record.environment ?? {},
        },
        payload.length === 0 ? Buffer.from("{}") : payload,
      );
    } finally {
      finished();
    }
    // The REPORT line's Duration is the function's own run, without waiting for an environment.
    const reported = Number(outcome.logText.match(/\tDuration: ([\d.]+) ms/)?.[1]);
    const durationMs = Number.isFinite(reported) ? reported : Date.now() - startedAt;
    this.metrics.invoked(record, { error: Boolean(outcome.errorType), durationMs });
    const tail = Buffer.from(`${outcome.logText}\n`).subarray(-TAIL_BYTES);
    return {
      statusCode: 200,
      payload: outcome.payload,
      ...(outcome.errorType ? { functionError: "Unhandled" } : {}),
      executedVersion: "$LATEST",
      logResult: tail.toString("base64"),
    };
  }

  /**
   * Accepts an Event invocation: resolves with its request id once the event is on disk (so the 202,
   * or the S3 answer that caused it, never promises an event a crash could lose), then runs it soon.
   */
  async enqueue(record: FunctionRecord, payload: Buffer): Promise<string> {
    await this.start();
    const now = Date.now();
    const event: QueuedEvent = {
      requestId: randomUUID(),
      functionName: record.name,
      region: record.region,
      functionCreatedAt: record.createdAt,
      payload: payload.length === 0 ? "{}" : payload.toString("utf8"),
      enqueuedAt: now,
      dueAt: now,
      attempts: 0,
    };
    await this.queue!.put(event);
    this.metrics.asyncReceived(record);
    // Accepted while stopping (a destination of an event finishing now): schedule leaves it to the next start.
    this.schedule(event);
    return event.requestId;
  }

  /** Stops taking events off the queue and waits for the ones running; what is left stays on disk. */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.pool.close();
    await Promise.allSettled([...this.processing]);
    await this.started?.catch(() => {});
    await this.queue?.close();
  }

  private schedule(event: QueuedEvent): void {
    // While stopping, an event stays on disk for the next start.
    if (this.closing) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(event.requestId);
        const work = this.process(event).catch((error: unknown) =>
          this.ctx.debug(
            `lambda: event ${event.requestId} for ${event.functionName}: ${(error as Error).stack}`,
          ),
        );
        this.processing.add(work);
        void work.then(() => this.processing.delete(work));
      },
      Math.max(0, event.dueAt - Date.now()),
    );
    this.timers.set(event.requestId, timer);
  }

  /** One attempt at an event: run it, then finish it, or put it back with its next due time. */
  private async process(event: QueuedEvent): Promise<void> {
    const queue = this.queue!;
    const record = this.store.get(event.region, event.functionName);
    if (!record || record.createdAt !== event.functionCreatedAt) {
      this.ctx.debug(`lambda: dropped event ${event.requestId} for deleted function ${event.functionName}`);
      return queue.remove(event.requestId);
    }
    // A function still Pending: wait until it is Active, as S3 keeps retrying its delivery on AWS.
    if (functionState(record, this.ctx.realism) === "Pending") {
      return this.schedule({ ...event, dueAt: record.createdAt + this.ctx.realism.functionPendingMs });
    }
    const settings = this.eventInvokeConfigs.settings(record);
    const age = Date.now() - event.enqueuedAt;
    if (age > settings.maximumEventAgeInSeconds * 1000)
      return this.finish(event, record, settings, "EventAgeExceeded");
    // Resumed after its last attempt failed but before its record went out.
    if (event.attempts > settings.maximumRetryAttempts)
      return this.finish(event, record, settings, "RetriesExhausted");
    this.metrics.asyncAge(record, age);
    let result: InvokeResult;
    try {
      result = await this.invoke(record, Buffer.from(event.payload));
    } catch (error) {
      if (this.closing) return;
      const message = (error as Error).message;
      result = {
        statusCode: 200,
        payload: Buffer.from(JSON.stringify({ errorType: "ServiceException", errorMessage: message })),
        functionError: "Unhandled",
        executedVersion: "$LATEST",
      };
    }
    // Stopped under it: the attempt does not count, and the event stays on disk for the next start.
    if (this.closing && result.functionError) return;
    const attempted: QueuedEvent = { ...event, attempts: event.attempts + 1 };
    if (!result.functionError) return this.finish(attempted, record, settings, "Success", result);
    attempted.lastFailure = { functionError: result.functionError, payload: result.payload.toString("utf8") };
    if (attempted.attempts > settings.maximumRetryAttempts) {
      return this.finish(attempted, record, settings, "RetriesExhausted");
    }
    const delayMs = this.ctx.realism.asyncRetryDelayMs * attempted.attempts;
    attempted.dueAt = Date.now() + delayMs;
    await queue.put(attempted);
    this.ctx.debug(
      `lambda: event ${event.requestId} for ${record.name} failed attempt ${attempted.attempts}; retrying in ${delayMs} ms`,
    );
    this.schedule(attempted);
  }

  /** Sends the event's record to the destination its outcome calls for, then takes it off the queue. */
  private async finish(
    event: QueuedEvent,
    record: FunctionRecord,
    settings: AsyncSettings,
    condition: Condition,
    result?: InvokeResult,
  ): Promise<void> {
    const succeeded = condition === "Success";
    if (!succeeded) {
      this.metrics.asyncDropped(record);
      this.ctx.debug(`lambda: event ${event.requestId} for ${record.name} dropped: ${condition}`);
    }
    const destination = succeeded ? settings.onSuccess : settings.onFailure;
    if (destination) {
      const response = succeeded ? { payload: result!.payload.toString("utf8") } : event.lastFailure;
      const report = invocationRecord({
        requestId: event.requestId,
        functionArn: `${functionArn(record)}:$LATEST`,
        condition,
        approximateInvokeCount: event.attempts,
        requestPayload: event.payload,
        ...(response ? { response } : {}),
      });
      try {
        await sendRecord(this.ctx, record.role, destination, report);
      } catch (error) {
        this.metrics.destinationDeliveryFailed(record);
        this.ctx.debug(
          `lambda: record of ${event.requestId} not delivered to ${destination}: ${(error as Error).message}`,
        );
      }
    }
    await this.queue!.remove(event.requestId);
  }
}
