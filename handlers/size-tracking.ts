// size-tracking Lambda: on every S3 notification, measures each bucket it names with a full
// listing and appends one history record per bucket. Throws on failure so the platform retries.
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type AwsClients, awsClients } from "./common/clients.ts";
import { FUNCTION_ENV, requireEnv } from "./common/function-env.ts";
import { HISTORY_KEYS, type HistoryRecord, recordToItem } from "./common/history.ts";
import { measureBucket } from "./tracking/bucket-totals.ts";
import { type BucketToMeasure, bucketsInEvent, type S3Event } from "./tracking/s3-event.ts";
import { storeWithoutOverwrite } from "./tracking/store-record.ts";

export interface TrackingDeps {
  clients: () => AwsClients;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: (line: string) => void;
}

export interface TrackingResult {
  records: HistoryRecord[];
}

export function createTrackingHandler(overrides: Partial<TrackingDeps> = {}) {
  const deps: TrackingDeps = {
    clients: awsClients,
    env: process.env,
    now: Date.now,
    log: (line) => console.log(line),
    ...overrides,
  };
  return async (event: S3Event): Promise<TrackingResult> => {
    const table = requireEnv(FUNCTION_ENV.table, deps.env);
    const targets = bucketsInEvent(event);
    if (targets.length === 0) deps.log(JSON.stringify({ level: "info", message: "event names no bucket" }));
    const outcomes = await Promise.allSettled(targets.map((target) => trackBucket(target, table, deps)));
    const failures = outcomes.flatMap((outcome, i) =>
      outcome.status === "rejected" ? [{ bucket: targets[i]!.bucket, error: outcome.reason }] : [],
    );
    for (const { bucket, error } of failures) {
      deps.log(JSON.stringify({ level: "error", bucket, error: describe(error) }));
    }
    if (failures.length > 0) {
      throw new Error(
        `size tracking failed for ${failures.map(({ bucket, error }) => `${bucket} (${describe(error)})`).join(", ")}`,
      );
    }
    return {
      records: outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : [])),
    };
  };
}

async function trackBucket(
  target: BucketToMeasure,
  table: string,
  deps: TrackingDeps,
): Promise<HistoryRecord> {
  const { s3, dynamodb } = deps.clients();
  const totals = await measureBucket((token) =>
    s3.send(new ListObjectsV2Command({ Bucket: target.bucket, ContinuationToken: token })),
  );
  const timestamp = deps.now();
  const stored = await storeWithoutOverwrite(
    {
      bucketName: target.bucket,
      timestamp,
      recordedAt: new Date(timestamp).toISOString(),
      ...totals,
      trigger: target.trigger,
    },
    async (record) => {
      await dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: recordToItem(record),
          ConditionExpression: "attribute_not_exists(#ts)",
          ExpressionAttributeNames: { "#ts": HISTORY_KEYS.sort },
        }),
      );
    },
  );
  deps.log(JSON.stringify({ level: "info", message: "recorded bucket size", ...stored }));
  return stored;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export const handler = createTrackingHandler();
