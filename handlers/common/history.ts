// The history table's shape, written once: its keys, its two indexes, and how a record maps to an item.
// The tracker writes these items, the plotter and driver query them, the CLI creates the table from them.

import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export const HISTORY_KEYS = {
  partition: "bucket_name",
  sort: "timestamp",
  size: "total_size",
  /** Constant attribute that puts every record in one partition of the global index. */
  global: "all",
} as const;

export const GLOBAL_PARTITION_VALUE = "ALL";
export const BUCKET_SIZE_INDEX = "bucket_size_index";
export const GLOBAL_SIZE_INDEX = "global_size_index";
export const DEFAULT_TABLE_NAME = "S3-object-size-history";

/** What caused a record: the S3 event record it was computed for. */
export interface HistoryTrigger {
  eventName?: string;
  objectKey?: string;
  eventTime?: string;
  sequencer?: string;
  requestId?: string;
}

export interface HistoryRecord {
  bucketName: string;
  /** Epoch milliseconds, UTC: when the size was computed. */
  timestamp: number;
  totalSize: number;
  objectCount: number;
  /** ISO-8601 UTC ending in Z, the same instant as timestamp. */
  recordedAt: string;
  trigger?: HistoryTrigger;
}

/** A DynamoDB item in the low-level attribute-value form, as the SDK sends and returns it. */
export type Item = Record<string, AttributeValue>;

const TRIGGER_ATTRIBUTES: Record<keyof HistoryTrigger, string> = {
  eventName: "event_name",
  objectKey: "object_key",
  eventTime: "event_time",
  sequencer: "sequencer",
  requestId: "request_id",
};

export function recordToItem(record: HistoryRecord): Item {
  const item: Item = {
    [HISTORY_KEYS.partition]: { S: record.bucketName },
    [HISTORY_KEYS.sort]: { N: String(record.timestamp) },
    [HISTORY_KEYS.size]: { N: String(record.totalSize) },
    object_count: { N: String(record.objectCount) },
    recorded_at: { S: record.recordedAt },
    [HISTORY_KEYS.global]: { S: GLOBAL_PARTITION_VALUE },
  };
  for (const [field, attribute] of Object.entries(TRIGGER_ATTRIBUTES)) {
    const value = record.trigger?.[field as keyof HistoryTrigger];
    if (value !== undefined && value !== "") item[attribute] = { S: value };
  }
  return item;
}

export function itemToRecord(item: Item): HistoryRecord {
  const trigger: HistoryTrigger = {};
  for (const [field, attribute] of Object.entries(TRIGGER_ATTRIBUTES)) {
    const value = item[attribute]?.S;
    if (value !== undefined) trigger[field as keyof HistoryTrigger] = value;
  }
  const timestamp = Number(item[HISTORY_KEYS.sort]?.N);
  return {
    bucketName: item[HISTORY_KEYS.partition]?.S ?? "",
    timestamp,
    totalSize: Number(item[HISTORY_KEYS.size]?.N ?? 0),
    objectCount: Number(item.object_count?.N ?? 0),
    recordedAt: item.recorded_at?.S ?? new Date(timestamp).toISOString(),
    ...(Object.keys(trigger).length > 0 ? { trigger } : {}),
  };
}

/** The CreateTable input for the history table (on-demand billing, both indexes projecting everything). */
export function historyTableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: [
      { AttributeName: HISTORY_KEYS.partition, AttributeType: "S" as const },
      { AttributeName: HISTORY_KEYS.sort, AttributeType: "N" as const },
      { AttributeName: HISTORY_KEYS.size, AttributeType: "N" as const },
      { AttributeName: HISTORY_KEYS.global, AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: HISTORY_KEYS.partition, KeyType: "HASH" as const },
      { AttributeName: HISTORY_KEYS.sort, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: BUCKET_SIZE_INDEX,
        KeySchema: [
          { AttributeName: HISTORY_KEYS.partition, KeyType: "HASH" as const },
          { AttributeName: HISTORY_KEYS.size, KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
      {
        IndexName: GLOBAL_SIZE_INDEX,
        KeySchema: [
          { AttributeName: HISTORY_KEYS.global, KeyType: "HASH" as const },
          { AttributeName: HISTORY_KEYS.size, KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
    ],
  };
}
