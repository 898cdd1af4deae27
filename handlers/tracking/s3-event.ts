// Turns an S3 notification event into the buckets to measure, each with the event record that
// caused the measurement (the newest one for that bucket when a batch names it several times).
import type { HistoryTrigger } from "../common/history.ts";

/** The parts of an S3 event notification record (version 2.x) the tracker reads. */
export interface S3EventRecord {
  eventName?: string;
  eventTime?: string;
  responseElements?: { "x-amz-request-id"?: string };
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; sequencer?: string; size?: number };
  };
}

export interface S3Event {
  Records?: S3EventRecord[];
}

export interface BucketToMeasure {
  bucket: string;
  trigger: HistoryTrigger;
}

/** S3 URL-encodes keys in notifications, with '+' for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/** The buckets named in the event, in first-seen order, each with its newest triggering record. */
export function bucketsInEvent(event: S3Event): BucketToMeasure[] {
  const newest = new Map<string, S3EventRecord>();
  for (const record of event.Records ?? []) {
    const bucket = record.s3?.bucket?.name;
    if (!bucket) continue;
    const seen = newest.get(bucket);
    // Later in the batch wins a tie: S3 lists a bucket's records in the order it sent them.
    if (!seen || eventMillis(record) >= eventMillis(seen)) newest.set(bucket, record);
  }
  return [...newest].map(([bucket, record]) => ({ bucket, trigger: triggerOf(record) }));
}

function eventMillis(record: S3EventRecord): number {
  const millis = Date.parse(record.eventTime ?? "");
  return Number.isNaN(millis) ? 0 : millis;
}

function triggerOf(record: S3EventRecord): HistoryTrigger {
  const trigger: HistoryTrigger = {};
  if (record.eventName) trigger.eventName = record.eventName;
  const key = record.s3?.object?.key;
  if (key !== undefined) trigger.objectKey = decodeS3Key(key);
  if (record.eventTime) trigger.eventTime = record.eventTime;
  const sequencer = record.s3?.object?.sequencer;
  if (sequencer) trigger.sequencer = sequencer;
  const requestId = record.responseElements?.["x-amz-request-id"];
  if (requestId) trigger.requestId = requestId;
  return trigger;
}
