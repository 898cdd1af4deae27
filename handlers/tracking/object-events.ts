// Turns what invokes the tracker into object changes: S3 notification records (event version 2.x) and
// EventBridge "Object Created" / "Object Deleted" events (source aws.s3) both become one ObjectChange
// shape, so the two tracking modes never look at either wire shape.
import type { HistoryTrigger } from "../common/history.ts";

/** The parts of an S3 event notification record the tracker reads. */
export interface S3EventRecord {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  responseElements?: { "x-amz-request-id"?: string };
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; sequencer?: string; size?: number; eTag?: string; versionId?: string | null };
  };
}

export interface S3Event {
  Records?: S3EventRecord[];
}

/** The parts of an EventBridge event from S3 the tracker reads. */
export interface EventBridgeS3Event {
  source?: string;
  "detail-type"?: string;
  time?: string;
  detail?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; etag?: string; "version-id"?: string; sequencer?: string };
    "request-id"?: string;
    reason?: string;
    "deletion-type"?: string;
  };
}

/**
 * What happened to one object:
 * - `created`: a new object or version (`size` bytes); on an unversioned key it replaces the object;
 * - `deleted`: a version removed for good (on an unversioned key, the object);
 * - `marker`: a delete marker became the key's newest version (0 bytes, the object stays billed);
 * - `other`: an event that does not change what the bucket stores (tags, ACLs, restores).
 */
export type ChangeKind = "created" | "deleted" | "marker" | "other";

export interface ObjectChange {
  bucket: string;
  key: string;
  kind: ChangeKind;
  size?: number;
  etag?: string;
  /** Absent for buckets whose versioning was never configured; "null" for null versions. */
  versionId?: string;
  sequencer?: string;
  trigger: HistoryTrigger;
}

/** S3 URL-encodes keys in notifications, with '+' for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/** Every object change the invocation carries, in the order it carries them. */
export function objectChanges(event: unknown): ObjectChange[] {
  if (isEventBridgeS3Event(event)) {
    const change = fromEventBridge(event);
    return change ? [change] : [];
  }
  const records = (event as S3Event | undefined)?.Records;
  if (!Array.isArray(records)) return [];
  return records.flatMap((record) => {
    const change = fromS3Record(record);
    return change ? [change] : [];
  });
}

export function isEventBridgeS3Event(event: unknown): event is EventBridgeS3Event {
  const e = event as EventBridgeS3Event | undefined;
  return e?.source === "aws.s3" && typeof e["detail-type"] === "string" && typeof e.detail === "object";
}

function kindOfS3EventName(name: string): ChangeKind {
  if (name.startsWith("ObjectCreated:")) return "created";
  // S3 names a delete marker "ObjectRemoved:DeleteMarkerCreated", lifecycle "LifecycleExpiration:…".
  if (name === "ObjectRemoved:DeleteMarkerCreated" || name === "LifecycleExpiration:DeleteMarkerCreated") {
    return "marker";
  }
  if (name === "ObjectRemoved:Delete" || name === "LifecycleExpiration:Delete") return "deleted";
  return "other";
}

function fromS3Record(record: S3EventRecord): ObjectChange | undefined {
  const bucket = record.s3?.bucket?.name;
  const rawKey = record.s3?.object?.key;
  if (!bucket || rawKey === undefined) return undefined;
  const object = record.s3?.object ?? {};
  const key = decodeS3Key(rawKey);
  const eventName = (record.eventName ?? "").replace(/^s3:/, "");
  const change: ObjectChange = {
    bucket,
    key,
    kind: kindOfS3EventName(eventName),
    trigger: compactTrigger({
      eventName,
      objectKey: key,
      eventTime: record.eventTime,
      sequencer: object.sequencer,
      requestId: record.responseElements?.["x-amz-request-id"],
    }),
  };
  if (typeof object.size === "number") change.size = object.size;
  if (object.eTag) change.etag = object.eTag;
  // The documented shape says "null" when the bucket is not versioned; some senders write JSON null.
  if (typeof object.versionId === "string" && object.versionId !== "") change.versionId = object.versionId;
  if (object.sequencer) change.sequencer = object.sequencer;
  return change;
}

/** EventBridge's reasons, as the S3 notification event names that describe the same change. */
const CREATED_REASONS: Record<string, string> = {
  PutObject: "ObjectCreated:Put",
  "POST Object": "ObjectCreated:Post",
  CopyObject: "ObjectCreated:Copy",
  CompleteMultipartUpload: "ObjectCreated:CompleteMultipartUpload",
};

function fromEventBridge(event: EventBridgeS3Event): ObjectChange | undefined {
  const detail = event.detail ?? {};
  const bucket = detail.bucket?.name;
  const key = detail.object?.key;
  if (!bucket || key === undefined) return undefined;
  const object = detail.object ?? {};
  const type = event["detail-type"];
  let kind: ChangeKind = "other";
  let eventName = type ?? "";
  if (type === "Object Created") {
    kind = "created";
    eventName = CREATED_REASONS[detail.reason ?? ""] ?? "ObjectCreated:Put";
  } else if (type === "Object Deleted") {
    const marker = detail["deletion-type"] === "Delete Marker Created";
    const lifecycle = detail.reason === "Lifecycle Expiration";
    kind = marker ? "marker" : "deleted";
    eventName = `${lifecycle ? "LifecycleExpiration" : "ObjectRemoved"}:${marker ? "DeleteMarkerCreated" : "Delete"}`;
  }
  const change: ObjectChange = {
    bucket,
    // EventBridge carries the key as it is, not URL-encoded as notification records do.
    key,
    kind,
    trigger: compactTrigger({
      eventName,
      objectKey: key,
      eventTime: event.time,
      sequencer: object.sequencer,
      requestId: detail["request-id"],
    }),
  };
  if (typeof object.size === "number") change.size = object.size;
  if (object.etag) change.etag = object.etag;
  if (object["version-id"]) change.versionId = object["version-id"];
  if (object.sequencer) change.sequencer = object.sequencer;
  return change;
}

function compactTrigger(fields: Record<keyof HistoryTrigger, string | undefined>): HistoryTrigger {
  const trigger: HistoryTrigger = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value) trigger[name as keyof HistoryTrigger] = value;
  }
  return trigger;
}

export interface BucketToMeasure {
  bucket: string;
  trigger: HistoryTrigger;
  /** Whether any of the bucket's changes carried a version id: its versions must be listed. */
  versioned: boolean;
}

/**
 * The buckets named by the changes, in first-seen order, each with its newest change as the trigger
 * (by event time; later in the batch wins a tie, as S3 lists a batch in the order it sent it).
 */
export function bucketsToMeasure(changes: ObjectChange[]): BucketToMeasure[] {
  const newest = new Map<string, BucketToMeasure>();
  for (const change of changes) {
    const seen = newest.get(change.bucket);
    const versioned = (seen?.versioned ?? false) || change.versionId !== undefined;
    if (!seen || eventMillis(change.trigger) >= eventMillis(seen.trigger)) {
      newest.set(change.bucket, { bucket: change.bucket, trigger: change.trigger, versioned });
    } else {
      seen.versioned = versioned;
    }
  }
  return [...newest.values()];
}

function eventMillis(trigger: HistoryTrigger): number {
  const millis = Date.parse(trigger.eventTime ?? "");
  return Number.isNaN(millis) ? 0 : millis;
}
