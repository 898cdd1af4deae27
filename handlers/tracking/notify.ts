// Tells the stack's SNS topic what the tracker did: one message per history record (bucket, key, event,
// previous and new total, record time) and one per bucket whose tracking failed, each with the message
// attributes `bucket` and `outcome` that subscribers filter on. The records are stored before anything is
// published, and a publish that fails is logged, never thrown: the table is the record, a message the news.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { clientConfig } from "../common/aws.ts";
import type { HistoryRecord } from "../common/history.ts";
import { describeError } from "./context.ts";
import { objectChanges } from "./object-events.ts";

export const NOTIFY_ENV = {
  /** The topic's ARN, set by setup; without it the tracker publishes nothing. */
  topicArn: "EVENTS_TOPIC_ARN",
} as const;

export interface Notification {
  subject: string;
  /** JSON, indented: it reads as an email and parses as a message. */
  message: string;
  attributes: Record<string, { DataType: "String"; StringValue: string }>;
}

export type Publish = (topicArn: string, notification: Notification) => Promise<void>;

export interface RecordedChange {
  record: HistoryRecord;
  /** The bucket's total before this record; undefined for its first record. */
  previousTotal?: number;
}

export interface TrackingFailure {
  bucket: string;
  error: string;
}

/** SNS subjects: ASCII, no line breaks, under 100 characters. */
function subjectOf(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length < 100 ? ascii : `${ascii.slice(0, 98)}~`;
}

function attributes(bucket: string, outcome: "success" | "failure"): Notification["attributes"] {
  return {
    bucket: { DataType: "String", StringValue: bucket },
    outcome: { DataType: "String", StringValue: outcome },
  };
}

export function changeNotification({ record, previousTotal }: RecordedChange): Notification {
  const body = {
    outcome: "success",
    bucket: record.bucketName,
    key: record.trigger?.objectKey ?? null,
    event: record.trigger?.eventName ?? null,
    previousTotal: previousTotal ?? null,
    newTotal: record.totalSize,
    objectCount: record.objectCount,
    recordedAt: record.recordedAt,
    timestamp: record.timestamp,
    ...(record.trackingMode ? { trackingMode: record.trackingMode } : {}),
  };
  const from = previousTotal === undefined ? "" : `${previousTotal} -> `;
  return {
    subject: subjectOf(`s3size: ${record.bucketName} ${from}${record.totalSize} bytes`),
    message: JSON.stringify(body, null, 2),
    attributes: attributes(record.bucketName, "success"),
  };
}

/** `keys`/`events`: the object changes of this bucket the failed event carried. */
export function failureNotification(
  failure: TrackingFailure,
  changes: Array<{ key: string; eventName?: string }>,
  failedAt: Date,
): Notification {
  const body = {
    outcome: "failure",
    bucket: failure.bucket,
    keys: changes.map((change) => change.key),
    events: changes.map((change) => change.eventName ?? null),
    error: failure.error,
    failedAt: failedAt.toISOString(),
    next: "Lambda retries the event; once its retries are spent it goes to the failure queue (s3size failures)",
  };
  return {
    subject: subjectOf(`s3size: tracking ${failure.bucket} failed`),
    message: JSON.stringify(body, null, 2),
    attributes: attributes(failure.bucket, "failure"),
  };
}

/** The changes per bucket an event names, for a failure's message (none for maintenance requests). */
function changesOf(event: unknown, bucket: string): Array<{ key: string; eventName?: string }> {
  try {
    return objectChanges(event)
      .filter((change) => change.bucket === bucket)
      .map((change) => ({ key: change.key, eventName: change.trigger.eventName }));
  } catch {
    return [];
  }
}

let sharedClient: SNSClient | undefined;

/** Publishes with a client made on first use (warm invocations reuse it), as the other clients are. */
export const snsPublish: Publish = async (topicArn, notification) => {
  sharedClient ??= new SNSClient(clientConfig({}, process.env));
  await sharedClient.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: notification.subject,
      Message: notification.message,
      MessageAttributes: notification.attributes,
    }),
  );
};

/** Publishes every notice side by side; a failed publish becomes a log line. */
export async function notifyTopic(options: {
  env: NodeJS.ProcessEnv;
  publish: Publish;
  log: (line: string) => void;
  now: () => number;
  event: unknown;
  recorded: RecordedChange[];
  failures: TrackingFailure[];
}): Promise<void> {
  const topicArn = options.env[NOTIFY_ENV.topicArn];
  if (!topicArn) return;
  const failedAt = new Date(options.now());
  const notifications = [
    ...options.recorded.map(changeNotification),
    ...options.failures.map((failure) =>
      failureNotification(failure, changesOf(options.event, failure.bucket), failedAt),
    ),
  ];
  const results = await Promise.allSettled(notifications.map((n) => options.publish(topicArn, n)));
  results.forEach((result, i) => {
    if (result.status === "fulfilled") return;
    options.log(
      JSON.stringify({
        level: "warn",
        message: "could not publish to the topic; the record is stored",
        topicArn,
        subject: notifications[i]!.subject,
        error: describeError(result.reason),
      }),
    );
  });
}
