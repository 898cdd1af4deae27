// Which buckets the incremental index tracks, and the maintenance requests that name them. The index
// keeps one item per tracked bucket in a partition no bucket can have ("#buckets" is not a valid bucket
// name), written with the baseline, so a schedule and `s3size status` list them by Query, never Scan.
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { TrackingContext } from "../context.ts";
import { indexTableOf } from "../incremental-mode.ts";
import type { Item } from "./items.ts";
import { INDEX_KEYS } from "./keys.ts";

export const REGISTRY_PARTITION = "#buckets";

export function registryItem(bucket: string, at: number): Item {
  return {
    [INDEX_KEYS.partition]: { S: REGISTRY_PARTITION },
    [INDEX_KEYS.sort]: { S: bucket },
    tracked_since: { N: String(at) },
  };
}

export async function trackedBuckets(context: TrackingContext): Promise<string[]> {
  const input: QueryCommandInput = {
    TableName: indexTableOf(context),
    KeyConditionExpression: "#b = :b",
    ExpressionAttributeNames: { "#b": INDEX_KEYS.partition },
    ExpressionAttributeValues: { ":b": { S: REGISTRY_PARTITION } },
  };
  const buckets: string[] = [];
  let startKey: QueryCommandInput["ExclusiveStartKey"];
  do {
    const page = await context.tally.call("dynamodb", "Query", () =>
      context.dynamodb.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
    );
    for (const item of page.Items ?? []) {
      const name = item[INDEX_KEYS.sort]?.S;
      if (name) buckets.push(name);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return buckets;
}

/**
 * Forgets a bucket (`untrack`, with the CLI's own credentials): it leaves the list of tracked buckets
 * and every index item of its partition goes, so tracking it again starts from a fresh baseline. The
 * bucket, its objects and its history are left alone. Returns how many index items were deleted.
 */
export async function forgetBucket(context: TrackingContext, bucket: string): Promise<number> {
  const table = indexTableOf(context);
  await context.tally.call("dynamodb", "DeleteItem", () =>
    context.dynamodb.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { [INDEX_KEYS.partition]: { S: REGISTRY_PARTITION }, [INDEX_KEYS.sort]: { S: bucket } },
      }),
    ),
  );
  let deleted = 0;
  for (;;) {
    // Each pass reads a page of what is left (deleted items are gone from the next read).
    const page = await context.tally.call("dynamodb", "Query", () =>
      context.dynamodb.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "#b = :b",
          ExpressionAttributeNames: { "#b": INDEX_KEYS.partition, "#k": INDEX_KEYS.sort },
          ExpressionAttributeValues: { ":b": { S: bucket } },
          ProjectionExpression: "#b, #k",
          ConsistentRead: true,
        }),
      ),
    );
    const keys = page.Items ?? [];
    if (keys.length === 0) return deleted;
    for (let start = 0; start < keys.length; start += 25) {
      let pending: WriteRequest[] | undefined = keys
        .slice(start, start + 25)
        .map((Key) => ({ DeleteRequest: { Key } }));
      while (pending && pending.length > 0) {
        const batch: WriteRequest[] = pending;
        const answer = await context.tally.call("dynamodb", "BatchWriteItem", () =>
          context.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: batch } })),
        );
        pending = answer.UnprocessedItems?.[table];
      }
    }
    deleted += keys.length;
  }
}

export interface MaintenanceRequest {
  action: "reconcile" | "baseline";
  /** Undefined: every tracked bucket. */
  bucket?: string;
}

/**
 * A maintenance request, or undefined for anything else: an EventBridge schedule's event reconciles
 * every tracked bucket; `{"action":"reconcile"|"baseline","bucket":…}` (a schedule target's constant
 * input, or a direct invocation) names one.
 */
export function maintenanceRequest(event: unknown): MaintenanceRequest | undefined {
  const e = event as { source?: unknown; "detail-type"?: unknown; action?: unknown; bucket?: unknown } | null;
  if (!e || typeof e !== "object") return undefined;
  if (e.source === "aws.events" && e["detail-type"] === "Scheduled Event") return { action: "reconcile" };
  if (e.action === "reconcile" || e.action === "baseline") {
    if (e.bucket !== undefined && (typeof e.bucket !== "string" || e.bucket === "")) {
      throw new Error(
        `a ${e.action} request's bucket must be a bucket name, got ${JSON.stringify(e.bucket)}`,
      );
    }
    if (e.action === "baseline" && e.bucket === undefined)
      throw new Error("a baseline request must name its bucket");
    return { action: e.action, ...(typeof e.bucket === "string" ? { bucket: e.bucket } : {}) };
  }
  return undefined;
}
