// What S3 tells its destinations about a change: the event record AWS delivers to Lambda, SQS and SNS
// (version 2.1), the EventBridge event, and the sequencer that orders a key's events.

/** One change to an object, as every destination kind learns of it. */
export interface ObjectEvent {
  /** With the "s3:" prefix, e.g. "s3:ObjectCreated:Put". */
  eventName: string;
  bucket: string;
  key: string;
  region: string;
  accountId: string;
  time: Date;
  sourceIp: string;
  requestId: string;
  hostId: string;
  sequencer: string;
  /** The API call behind it, EventBridge's `reason` (PutObject, POST Object, CopyObject, …). */
  reason: string;
  size?: number;
  eTag?: string;
  /** Present only for buckets with versioning configured ("null" while suspended). */
  versionId?: string;
  /** EventBridge's deletion-type for an Object Deleted event. */
  deletionType?: "Permanently Deleted" | "Delete Marker Created";
}

/** Keys in event records are URL-encoded as S3 does it: like a form, spaces as '+', but '/' kept. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, "+")
    .replace(/%2F/g, "/")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function buildEventRecord(event: ObjectEvent, configurationId: string) {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: event.region,
    eventTime: event.time.toISOString(),
    eventName: event.eventName.replace(/^s3:/, ""),
    userIdentity: { principalId: `AWS:${event.accountId}` },
    requestParameters: { sourceIPAddress: event.sourceIp },
    responseElements: { "x-amz-request-id": event.requestId, "x-amz-id-2": event.hostId },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId,
      bucket: {
        name: event.bucket,
        ownerIdentity: { principalId: event.accountId },
        arn: `arn:aws:s3:::${event.bucket}`,
      },
      object: {
        key: encodeEventKey(event.key),
        ...(event.size !== undefined ? { size: event.size } : {}),
        ...(event.eTag !== undefined ? { eTag: event.eTag } : {}),
        ...(event.versionId !== undefined ? { versionId: event.versionId } : {}),
        sequencer: event.sequencer,
      },
    },
  };
}

/** The message S3 sends a queue or topic when a configuration naming it is put. */
export function testEventMessage(bucket: string, requestId: string, hostId: string): string {
  return JSON.stringify({
    Service: "Amazon S3",
    Event: "s3:TestEvent",
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: requestId,
    HostId: hostId,
  });
}

/** The EventBridge detail-type of each S3 event family S3 sends there. */
const DETAIL_TYPES: Array<[string, string]> = [
  ["s3:ObjectCreated:", "Object Created"],
  ["s3:ObjectRemoved:", "Object Deleted"],
  ["s3:ObjectTagging:Put", "Object Tags Added"],
  ["s3:ObjectTagging:Delete", "Object Tags Deleted"],
];

/** EventBridge's event (source aws.s3) for a change, or undefined for changes S3 does not send there. */
export function buildEventBridgeEvent(event: ObjectEvent) {
  const detailType = DETAIL_TYPES.find(([prefix]) => event.eventName.startsWith(prefix))?.[1];
  if (!detailType) return undefined;
  const created = detailType === "Object Created";
  const deleted = detailType === "Object Deleted";
  return {
    source: "aws.s3",
    detailType,
    resources: [`arn:aws:s3:::${event.bucket}`],
    detail: {
      version: "0",
      bucket: { name: event.bucket },
      object: {
        key: event.key,
        ...(created ? { size: event.size } : {}),
        ...(!deleted && event.eTag !== undefined ? { etag: event.eTag } : {}),
        ...(event.versionId !== undefined ? { "version-id": event.versionId } : {}),
        ...(created || deleted ? { sequencer: event.sequencer } : {}),
      },
      "request-id": event.requestId,
      requester: event.accountId,
      "source-ip-address": event.sourceIp,
      ...(created || deleted ? { reason: event.reason } : {}),
      ...(deleted ? { "deletion-type": event.deletionType ?? "Permanently Deleted" } : {}),
    },
  };
}

/** A sequencer as S3 writes it: upper-case hex, compared by AWS's rule (left-pad, then compare). */
export function sequencerOf(seq: number): string {
  // Scaled as the s3rver-era sequencers were (milliseconds × 10⁶), so a key's new events sort after its old ones.
  return (BigInt(seq) * 1000n).toString(16).toUpperCase().padStart(18, "0");
}
