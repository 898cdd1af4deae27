// Reading the history table, by Query only and always to the last page: the plotter and the driver
// both read records this way, so pagination is handled once, here.
import { QueryCommand, type QueryCommandInput, type QueryCommandOutput } from "@aws-sdk/client-dynamodb";
import { HISTORY_KEYS, type HistoryRecord, itemToRecord } from "./history.ts";

/** A record as the functions report it in JSON: what a reader of the history needs, no trigger. */
export interface HistoryPoint {
  timestamp: number;
  recordedAt: string;
  totalSize: number;
  objectCount: number;
}

export function historyPoint(record: HistoryRecord): HistoryPoint {
  return {
    timestamp: record.timestamp,
    recordedAt: record.recordedAt,
    totalSize: record.totalSize,
    objectCount: record.objectCount,
  };
}

/** What the readers need of a DynamoDB client: a DynamoDBClient, or a wrapper that counts its requests. */
export interface QueryClient {
  send(command: QueryCommand): Promise<QueryCommandOutput>;
}

/** Every record the query matches, following LastEvaluatedKey to the end. */
export async function queryAll(dynamodb: QueryClient, input: QueryCommandInput): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  let startKey: QueryCommandInput["ExclusiveStartKey"];
  do {
    const page = await dynamodb.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) records.push(itemToRecord(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return records;
}

/**
 * The first record in the query's order. A page may come back empty but with a LastEvaluatedKey
 * (DynamoDB stops at 1 MB read, and an emulator may page differently), so it keeps reading until
 * a record appears or the pages run out.
 */
export async function queryFirst(
  dynamodb: QueryClient,
  input: QueryCommandInput,
): Promise<HistoryRecord | undefined> {
  let startKey: QueryCommandInput["ExclusiveStartKey"];
  do {
    const page = await dynamodb.send(new QueryCommand({ ...input, Limit: 1, ExclusiveStartKey: startKey }));
    const item = page.Items?.[0];
    if (item) return itemToRecord(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return undefined;
}

/**
 * One bucket's records with timestamp in [from, to] (either end optional), oldest or newest first.
 * Timestamps are whole milliseconds, so "before t" is `to: t - 1`.
 */
export function bucketRecordsQuery(
  table: string,
  bucket: string,
  range: { from?: number; to?: number },
  order: "oldest-first" | "newest-first",
): QueryCommandInput {
  const values: NonNullable<QueryCommandInput["ExpressionAttributeValues"]> = { ":b": { S: bucket } };
  if (range.from !== undefined) values[":from"] = { N: String(range.from) };
  if (range.to !== undefined) values[":to"] = { N: String(range.to) };
  const sortCondition =
    range.from !== undefined && range.to !== undefined
      ? " AND #ts BETWEEN :from AND :to"
      : range.from !== undefined
        ? " AND #ts >= :from"
        : range.to !== undefined
          ? " AND #ts <= :to"
          : "";
  return {
    TableName: table,
    KeyConditionExpression: `#b = :b${sortCondition}`,
    // "timestamp" is a DynamoDB reserved word, so the sort key always goes through a name placeholder.
    ExpressionAttributeNames: sortCondition
      ? { "#b": HISTORY_KEYS.partition, "#ts": HISTORY_KEYS.sort }
      : { "#b": HISTORY_KEYS.partition },
    ExpressionAttributeValues: values,
    ScanIndexForward: order === "oldest-first",
  };
}
