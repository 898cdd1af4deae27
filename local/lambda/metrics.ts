// Lambda's AWS/Lambda metrics, published through CloudWatch's internal side where invocations run. As on
// AWS, invocation metrics are per-invocation indicators (Invocations 1, Errors 0 or 1, Throttles 0 or 1)
// with dimension FunctionName and again without dimensions for the whole account; the asynchronous
// queue's metrics are per function only.
import type { CloudContext } from "../types.ts";

const NAMESPACE = "AWS/Lambda";

export interface FunctionRef {
  name: string;
  region: string;
}

export class LambdaMetrics {
  /** Executions running now, per region and function, for ConcurrentExecutions. */
  private readonly running = new Map<string, number>();

  constructor(private readonly ctx: CloudContext) {}

  /** An execution starts; returns the call that marks its end. */
  started(fn: FunctionRef): () => void {
    const change = (delta: number) => {
      const key = `${fn.region}\u0000${fn.name}`;
      const count = (this.running.get(key) ?? 0) + delta;
      if (count === 0) this.running.delete(key);
      else this.running.set(key, count);
      return count;
    };
    const forFunction = change(1);
    const inRegion = [...this.running.entries()]
      .filter(([key]) => key.startsWith(`${fn.region}\u0000`))
      .reduce((sum, [, count]) => sum + count, 0);
    this.put(fn.region, "ConcurrentExecutions", forFunction, "Count", { FunctionName: fn.name });
    this.put(fn.region, "ConcurrentExecutions", inRegion, "Count", {});
    return () => change(-1);
  }

  /** One execution's outcome; Throttles is 0 because the local pool queues instead of throttling. */
  invoked(fn: FunctionRef, outcome: { error: boolean; durationMs: number }): void {
    const perFunctionAndAccount: Array<Record<string, string>> = [{ FunctionName: fn.name }, {}];
    for (const dimensions of perFunctionAndAccount) {
      this.put(fn.region, "Invocations", 1, "Count", dimensions);
      this.put(fn.region, "Errors", outcome.error ? 1 : 0, "Count", dimensions);
      this.put(fn.region, "Throttles", 0, "Count", dimensions);
      this.put(fn.region, "Duration", outcome.durationMs, "Milliseconds", dimensions);
    }
  }

  asyncReceived(fn: FunctionRef): void {
    this.put(fn.region, "AsyncEventsReceived", 1, "Count", { FunctionName: fn.name });
  }

  /** How long an event waited in the queue before this attempt. */
  asyncAge(fn: FunctionRef, ageMs: number): void {
    this.put(fn.region, "AsyncEventAge", ageMs, "Milliseconds", { FunctionName: fn.name });
  }

  /** An event that never succeeded left the queue (after its record went to the on-failure destination). */
  asyncDropped(fn: FunctionRef): void {
    this.put(fn.region, "AsyncEventsDropped", 1, "Count", { FunctionName: fn.name });
  }

  destinationDeliveryFailed(fn: FunctionRef): void {
    this.put(fn.region, "DestinationDeliveryFailures", 1, "Count", { FunctionName: fn.name });
  }

  private put(region: string, name: string, value: number, unit: string, dimensions: Record<string, string>) {
    this.ctx.metrics?.putMetric({ region, namespace: NAMESPACE, name, dimensions, value, unit });
  }
}
