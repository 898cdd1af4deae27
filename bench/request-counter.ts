// Counts what an SDK client sends: commands by name, and the items DynamoDB returns, with a middleware
// at the client, so a figure says how many requests a piece of code made and not how long they took.

interface WithMiddleware {
  middlewareStack: {
    add: (middleware: never, options: { step: "initialize"; name: string }) => void;
  };
}

export class RequestCounter {
  private counts = new Map<string, number>();
  itemsRead = 0;

  /** Adds the counting middleware to a client; every logical call counts once (retries included once). */
  attach(client: WithMiddleware): void {
    const middleware =
      (
        next: (args: unknown) => Promise<{ output?: { Items?: unknown[] } }>,
        context: { commandName?: string },
      ) =>
      async (args: unknown) => {
        const name = (context.commandName ?? "unknown").replace(/Command$/, "");
        this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        const result = await next(args);
        this.itemsRead += result.output?.Items?.length ?? 0;
        return result;
      };
    client.middlewareStack.add(middleware as never, { step: "initialize", name: "s3sizeBenchCounter" });
  }

  count(command: string): number {
    return this.counts.get(command) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  byCommand(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
    this.itemsRead = 0;
  }
}
