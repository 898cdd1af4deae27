// What one unit of tracking work runs with: the shared clients, the clock, the settings, and a tally of
// the requests it makes (its own, even when other work shares the clients).
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { RequestTally } from "./request-tally.ts";
import type { TrackingSettings } from "./settings.ts";

export interface TrackingContext {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  settings: TrackingSettings;
  now: () => number;
  /** Waits between retries of a contended transaction; tests make it instant. */
  sleep: (ms: number) => Promise<void>;
  tally: RequestTally;
}

/** The same context with a fresh tally, for one bucket's or one change's work. */
export function withFreshTally(context: TrackingContext): TrackingContext {
  return { ...context, tally: new RequestTally() };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
