// The dashboard's reads, each one AWS call or a bounded few: the history by Query (newest first, a page at
// a time), the maximum from the global index, a bucket's current objects, and the read-only status of the
// failure queue and the alarm. Nothing here writes; the role allows nothing else.
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { type DynamoDBClient, QueryCommand, type QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { HISTORY_KEYS, itemToRecord } from "../common/history.ts";
import { bucketRecordsQuery, type HistoryPoint, historyPoint, queryFirst } from "../common/history-query.ts";
import { maxQuery } from "../plotting/reads.ts";
import type { WebClients } from "./clients.ts";
import type { WebConfig } from "./config.ts";
import { encodeHistoryCursor, encodeObjectsCursor } from "./routes.ts";

export const OBJECTS_PAGE_SIZE = 100;

export interface HistoryPage {
  bucket: string;
  records: HistoryPoint[];
  /** Opaque: pass back as `cursor` for the next (older) page. */
  next?: string;
}

export interface MaxRecord {
  bucket: string;
  totalSize: number;
  timestamp: number;
}

export interface ObjectsPage {
  bucket: string;
  objects: Array<{ key: string; size: number; lastModified?: string }>;
  next?: string;
}

export type FailureStatus =
  | { configured: false }
  | { configured: true; waiting: number }
  | { configured: true; missing: true }
  | { configured: true; error: string };

export type AlarmStatus =
  | { configured: false }
  | { configured: true; name: string; state: string; reason?: string; updatedAt?: string }
  | { configured: true; name: string; missing: true }
  | { configured: true; name: string; error: string };

export interface DashboardStatus {
  failures: FailureStatus;
  alarm: AlarmStatus;
}

/** One page of a bucket's records, newest first, starting after the record at `cursor`. */
export async function readHistoryPage(
  dynamodb: DynamoDBClient,
  table: string,
  bucket: string,
  options: { cursor?: number; limit: number },
): Promise<HistoryPage> {
  const query = bucketRecordsQuery(table, bucket, {}, "newest-first");
  let startKey: QueryCommandInput["ExclusiveStartKey"] =
    options.cursor === undefined
      ? undefined
      : { [HISTORY_KEYS.partition]: { S: bucket }, [HISTORY_KEYS.sort]: { N: String(options.cursor) } };
  // One record more than the page shows tells whether an older page exists (DynamoDB hands out a
  // LastEvaluatedKey whenever the limit is reached, even when nothing follows). A page can also come
  // back short with more behind it (DynamoDB's 1 MB read): read on until the page is full.
  const records: HistoryPoint[] = [];
  do {
    const page = await dynamodb.send(
      new QueryCommand({ ...query, Limit: options.limit + 1 - records.length, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) records.push(historyPoint(itemToRecord(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && records.length <= options.limit);
  const shown = records.slice(0, options.limit);
  const last = shown.at(-1);
  return {
    bucket,
    records: shown,
    ...(records.length > options.limit && last ? { next: encodeHistoryCursor(last.timestamp) } : {}),
  };
}

/** The largest size any tracked bucket ever had, from the global index. */
export async function readMax(
  dynamodb: DynamoDBClient,
  table: string,
  bucket: string,
): Promise<MaxRecord | undefined> {
  const record = await queryFirst(dynamodb, maxQuery(table, "global", bucket));
  return record
    ? { bucket: record.bucketName, totalSize: record.totalSize, timestamp: record.timestamp }
    : undefined;
}

export async function readObjects(s3: S3Client, bucket: string, cursor?: string): Promise<ObjectsPage> {
  const page = await s3.send(
    new ListObjectsV2Command({
      Bucket: bucket,
      MaxKeys: OBJECTS_PAGE_SIZE,
      ...(cursor ? { ContinuationToken: cursor } : {}),
    }),
  );
  return {
    bucket,
    objects: (page.Contents ?? []).map((object) => ({
      key: object.Key ?? "",
      size: object.Size ?? 0,
      ...(object.LastModified ? { lastModified: object.LastModified.toISOString() } : {}),
    })),
    ...(page.IsTruncated && page.NextContinuationToken
      ? { next: encodeObjectsCursor(page.NextContinuationToken) }
      : {}),
  };
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** SQS's two names for "no such queue" (JSON protocol, and the Query protocol's code). */
const NO_QUEUE = ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"];

/** Queue URLs found by name, kept for the warm environment (a queue's URL never changes). */
const queueUrls = new Map<string, string>();

async function failureQueueUrl(sqs: SQSClient, config: WebConfig): Promise<string | undefined> {
  if (config.failureQueueUrl) return config.failureQueueUrl;
  const name = config.failureQueueName;
  if (!name) return undefined;
  const known = queueUrls.get(name);
  if (known) return known;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (QueueUrl) queueUrls.set(name, QueueUrl);
  return QueueUrl;
}

/**
 * The failure queue's waiting messages and the alarm's state; each "not configured" when the stack
 * names none and "missing" when the named one does not exist (yet: another feature makes them), so the
 * page leaves out what is not there instead of failing.
 */
export async function readStatus(
  clients: Pick<WebClients, "sqs" | "cloudwatch">,
  config: WebConfig,
): Promise<DashboardStatus> {
  const failures = async (): Promise<FailureStatus> => {
    if (!config.failureQueueUrl && !config.failureQueueName) return { configured: false };
    try {
      const QueueUrl = await failureQueueUrl(clients.sqs(), config);
      const { Attributes } = await clients.sqs().send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      return { configured: true, waiting: Number(Attributes?.ApproximateNumberOfMessages ?? 0) };
    } catch (error) {
      if (NO_QUEUE.includes((error as Error).name)) {
        if (config.failureQueueName) queueUrls.delete(config.failureQueueName);
        return { configured: true, missing: true };
      }
      return { configured: true, error: message(error) };
    }
  };
  const alarm = async (): Promise<AlarmStatus> => {
    const name = config.errorsAlarm;
    if (!name) return { configured: false };
    try {
      const { MetricAlarms = [] } = await clients
        .cloudwatch()
        .send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
      const found = MetricAlarms[0];
      if (!found) return { configured: true, name, missing: true };
      return {
        configured: true,
        name,
        state: found.StateValue ?? "INSUFFICIENT_DATA",
        ...(found.StateReason ? { reason: found.StateReason } : {}),
        ...(found.StateUpdatedTimestamp ? { updatedAt: found.StateUpdatedTimestamp.toISOString() } : {}),
      };
    } catch (error) {
      return { configured: true, name, error: message(error) };
    }
  };
  const [failureStatus, alarmStatus] = await Promise.all([failures(), alarm()]);
  return { failures: failureStatus, alarm: alarmStatus };
}
