// Invocation: finds the function, refuses it while Pending, runs it in an environment, shapes the result
// as Invoke returns it; Event invocations are queued and retried on function error as AWS does.
import type { CloudContext, InvokeResult } from "../types.ts";
import type { EnvironmentPool } from "./environments.ts";
import { type FunctionRecord, type FunctionStore, functionArn } from "./functions.ts";

/** AWS's default MaximumRetryAttempts for asynchronous invocation. */
const MAX_RETRY_ATTEMPTS = 2;
const TAIL_BYTES = 4096;

export class Invoker {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ctx: CloudContext,
    private readonly store: FunctionStore,
    private readonly pool: EnvironmentPool,
  ) {}

  async invoke(record: FunctionRecord, payload: Buffer): Promise<InvokeResult> {
    const codeDir = await this.store.ensureCodeDir(record);
    const outcome = await this.pool.run(
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
    const tail = Buffer.from(`${outcome.logText}\n`).subarray(-TAIL_BYTES);
    return {
      statusCode: 200,
      payload: outcome.payload,
      ...(outcome.errorType ? { functionError: "Unhandled" } : {}),
      executedVersion: "$LATEST",
      logResult: tail.toString("base64"),
    };
  }

  /** Queues an Event invocation: runs it soon, retries a function error up to twice, then drops it. */
  enqueue(record: FunctionRecord, payload: Buffer): void {
    const attempt = (number: number) => {
      const current = this.store.get(record.region, record.name);
      if (!current) return this.ctx.debug(`lambda: dropped event for deleted function ${record.name}`);
      this.invoke(current, payload).then(
        (result) => {
          if (!result.functionError) return;
          if (number >= MAX_RETRY_ATTEMPTS) {
            this.ctx.debug(`lambda: event for ${record.name} failed ${number + 1} times, dropped`);
            return;
          }
          this.later(() => attempt(number + 1), this.ctx.realism.asyncRetryDelayMs * (number + 1));
        },
        (error: Error) => this.ctx.debug(`lambda: event for ${record.name} not run: ${error.message}`),
      );
    };
    this.later(() => attempt(0), 0);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(run: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }
}
