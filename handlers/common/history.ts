// The history table's shape, written once: its keys, its two indexes, and how a record maps to an item.
// The tracker writes these items, the plotter and driver query them, the CLI creates the table from them.

import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";

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
  const attributes: Record<string, string | number> = {
    [HISTORY_KEYS.partition]: record.bucketName,
    [HISTORY_KEYS.sort]: record.timestamp,
    [HISTORY_KEYS.size]: record.totalSize,
    object_count: record.objectCount,
    recorded_at: record.recordedAt,
    [HISTORY_KEYS.global]: GLOBAL_PARTITION_VALUE,
  };
  for (const [field, attribute] of Object.entries(TRIGGER_ATTRIBUTES)) {
    const value = record.trigger?.[field as keyof HistoryTrigger];
    if (value !== undefined && value !== "") attributes[attribute] = value;
  }
  return marshall(attributes);
}

export function itemToRecord(item: Item): HistoryRecord {
  const values = unmarshall(item) as Record<string, string | number | undefined>;
  const trigger: HistoryTrigger = {};
  for (const [field, attribute] of Object.entries(TRIGGER_ATTRIBUTES)) {
    const value = values[attribute];
    if (typeof value === "string") trigger[field as keyof HistoryTrigger] = value;
  }
  const timestamp = Number(values[HISTORY_KEYS.sort]);
  return {
    bucketName: String(values[HISTORY_KEYS.partition] ?? ""),
    timestamp,
    totalSize: Number(values[HISTORY_KEYS.size] ?? 0),
    objectCount: Number(values.object_count ?? 0),
    recordedAt:
      typeof values.recorded_at === "string" ? values.recorded_at : new Date(timestamp).toISOString(),
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
