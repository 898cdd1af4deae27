// Counts the requests one unit of tracking work makes, per service and operation, so each log line and
// each result can say what it cost (the clients are shared by concurrent work, so they cannot count).

export type Service = "s3" | "dynamodb";

export interface RequestSummary {
  s3: number;
  dynamodb: number;
  byOperation: Record<string, number>;
}

export class RequestTally {
  private readonly counts: Record<Service, Record<string, number>> = { s3: {}, dynamodb: {} };

  /** Runs one request, counting it under its service and operation whether or not it succeeds. */
  call<T>(service: Service, operation: string, request: () => Promise<T>): Promise<T> {
    const byName = this.counts[service];
    byName[operation] = (byName[operation] ?? 0) + 1;
    return request();
  }

  count(service: Service, operation?: string): number {
    const byName = this.counts[service];
    if (operation) return byName[operation] ?? 0;
    return Object.values(byName).reduce((sum, n) => sum + n, 0);
  }

  summary(): RequestSummary {
    return {
      s3: this.count("s3"),
      dynamodb: this.count("dynamodb"),
      byOperation: { ...this.counts.s3, ...this.counts.dynamodb },
    };
  }
}
