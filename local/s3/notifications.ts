// S3 event notifications to Lambda: the configuration's XML form, AWS's validation of it, which
// configurations an event matches, and the event record AWS delivers (version 2.1).
import { randomBytes, randomUUID } from "node:crypto";
import { parseXml, type XmlElement, xmlChild, xmlChildren, xmlEscape, xmlText } from "../protocol/xml.ts";
import type { InvokeCaller, LambdaInternal } from "../types.ts";
import { S3Failure } from "./failure.ts";

export interface FunctionNotification {
  id: string;
  functionArn: string;
  /** As configured, e.g. "s3:ObjectCreated:*". */
  events: string[];
  prefix?: string;
  suffix?: string;
}

export interface NotificationConfiguration {
  functions: FunctionNotification[];
  eventBridge?: boolean;
}

export const SUPPORTED_EVENTS = [
  "s3:TestEvent",
  "s3:ReducedRedundancyLostObject",
  "s3:ObjectCreated:*",
  "s3:ObjectCreated:Put",
  "s3:ObjectCreated:Post",
  "s3:ObjectCreated:Copy",
  "s3:ObjectCreated:CompleteMultipartUpload",
  "s3:ObjectRemoved:*",
  "s3:ObjectRemoved:Delete",
  "s3:ObjectRemoved:DeleteMarkerCreated",
  "s3:ObjectRestore:*",
  "s3:ObjectRestore:Post",
  "s3:ObjectRestore:Completed",
  "s3:ObjectRestore:Delete",
  "s3:Replication:*",
  "s3:Replication:OperationFailedReplication",
  "s3:Replication:OperationNotTracked",
  "s3:Replication:OperationMissedThreshold",
  "s3:Replication:OperationReplicatedAfterThreshold",
  "s3:LifecycleExpiration:*",
  "s3:LifecycleExpiration:Delete",
  "s3:LifecycleExpiration:DeleteMarkerCreated",
  "s3:LifecycleTransition",
  "s3:IntelligentTiering",
  "s3:ObjectTagging:*",
  "s3:ObjectTagging:Put",
  "s3:ObjectTagging:Delete",
  "s3:ObjectAcl:Put",
];

/** Whether a configured event (possibly "family:*") covers a concrete event name such as "s3:ObjectCreated:Put". */
export function eventMatches(pattern: string, eventName: string): boolean {
  return pattern === eventName || (pattern.endsWith(":*") && eventName.startsWith(pattern.slice(0, -1)));
}

function eventsOverlap(a: string, b: string): boolean {
  return eventMatches(a, b) || eventMatches(b, a);
}

export function matchingConfigurations(
  config: NotificationConfiguration | undefined,
  eventName: string,
  key: string,
): FunctionNotification[] {
  return (config?.functions ?? []).filter(
    (entry) =>
      entry.events.some((pattern) => eventMatches(pattern, eventName)) &&
      key.startsWith(entry.prefix ?? "") &&
      key.endsWith(entry.suffix ?? ""),
  );
}

/** An Id as AWS generates one when the request has none: base64 of a random UUID. */
function generatedId(): string {
  return Buffer.from(randomUUID()).toString("base64");
}

function invalid(message: string, extra: Record<string, string> = {}): S3Failure {
  return new S3Failure(400, "InvalidArgument", message, extra);
}

function parseFilter(filter: XmlElement | undefined): Pick<FunctionNotification, "prefix" | "suffix"> {
  const result: Pick<FunctionNotification, "prefix" | "suffix"> = {};
  for (const rule of xmlChildren(xmlChild(filter, "S3Key"), "FilterRule")) {
    const name = (xmlText(rule, "Name") ?? "").toLowerCase();
    if (name !== "prefix" && name !== "suffix") {
      throw invalid("filter rule name must be either prefix or suffix", {
        ArgumentName: "FilterRule.Name",
        ArgumentValue: name,
      });
    }
    if (result[name] !== undefined) throw invalid(`Cannot specify more than one ${name} rule in a filter.`);
    result[name] = xmlChild(rule, "Value")?.text ?? "";
  }
  return result;
}

/** Reads a PutBucketNotificationConfiguration body; queue and topic destinations are refused (not emulated). */
export function parseNotificationConfiguration(document: string): NotificationConfiguration {
  let root: XmlElement;
  try {
    root = parseXml(document);
  } catch {
    throw new S3Failure(
      400,
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema",
    );
  }
  const unsupported = [
    ...xmlChildren(root, "QueueConfiguration"),
    ...xmlChildren(root, "TopicConfiguration"),
  ];
  if (unsupported.length > 0) {
    const arns = unsupported.map((entry) => xmlText(entry, "Queue") ?? xmlText(entry, "Topic") ?? "");
    throw new S3Failure(
      501,
      "NotImplemented",
      `The local cloud delivers S3 notifications to Lambda functions only; SQS/SNS destinations are not emulated: ${arns.join(", ")}`,
    );
  }
  const functions = [
    ...xmlChildren(root, "CloudFunctionConfiguration"),
    ...xmlChildren(root, "LambdaFunctionConfiguration"),
  ].map((entry): FunctionNotification => {
    const functionArn = xmlText(entry, "CloudFunction") ?? xmlText(entry, "LambdaFunctionArn") ?? "";
    const events = xmlChildren(entry, "Event").map((event) => event.text.trim());
    for (const event of events) {
      if (!SUPPORTED_EVENTS.includes(event)) {
        throw invalid("The event is not supported for notifications", {
          ArgumentName: "Event",
          ArgumentValue: event,
        });
      }
    }
    if (events.length === 0) throw invalid("A notification configuration must name at least one event");
    return {
      id: xmlText(entry, "Id") || generatedId(),
      functionArn,
      events,
      ...parseFilter(xmlChild(entry, "Filter")),
    };
  });
  return { functions, ...(xmlChild(root, "EventBridgeConfiguration") ? { eventBridge: true } : {}) };
}

function affixesOverlap(
  a: string,
  b: string,
  compare: (longer: string, shorter: string) => boolean,
): boolean {
  return compare(a, b) || compare(b, a);
}

/**
 * AWS's checks, in its order: no two configurations may share an event type with overlapping filters,
 * and every destination must exist and allow S3 (this bucket, this account) to invoke it.
 */
export function validateNotificationConfiguration(
  config: NotificationConfiguration,
  options: {
    bucket: string;
    accountId: string;
    lambda: Pick<LambdaInternal, "functionExists" | "isInvokeAllowed"> | undefined;
    skipDestinationValidation?: boolean;
  },
): void {
  const entries = config.functions;
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, b] = [entries[i]!, entries[j]!];
      const sharedEvent = a.events.some((x) => b.events.some((y) => eventsOverlap(x, y)));
      const prefixes = affixesOverlap(a.prefix ?? "", b.prefix ?? "", (x, y) => x.startsWith(y));
      const suffixes = affixesOverlap(a.suffix ?? "", b.suffix ?? "", (x, y) => x.endsWith(y));
      if (sharedEvent && prefixes && suffixes) {
        throw invalid(
          "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
          { ArgumentName1: a.id, ArgumentName2: b.id },
        );
      }
    }
  }
  if (options.skipDestinationValidation) return;
  const caller = s3Caller(options.bucket, options.accountId);
  const refused = entries
    .map((entry) => entry.functionArn)
    .filter((arn) => !(options.lambda?.functionExists(arn) && options.lambda.isInvokeAllowed(arn, caller)));
  if (refused.length > 0) {
    const extra: Record<string, string> = {};
    refused.forEach((arn, index) => {
      extra[`ArgumentName${index + 1}`] = arn;
      extra[`ArgumentValue${index + 1}`] = `Not authorized to invoke function [${arn}]`;
    });
    throw invalid(
      `Unable to validate the following destination configurations: ${refused.join(", ")}`,
      extra,
    );
  }
}

export function s3Caller(bucket: string, accountId: string): InvokeCaller {
  return { principal: "s3.amazonaws.com", sourceArn: `arn:aws:s3:::${bucket}`, sourceAccount: accountId };
}

export function renderNotificationConfiguration(config: NotificationConfiguration | undefined): string {
  const entries = (config?.functions ?? []).map((entry) => {
    const rules = (["prefix", "suffix"] as const)
      .filter((name) => entry[name] !== undefined)
      .map(
        (name) =>
          `<FilterRule><Name>${name === "prefix" ? "Prefix" : "Suffix"}</Name><Value>${xmlEscape(entry[name]!)}</Value></FilterRule>`,
      )
      .join("");
    const filter = rules ? `<Filter><S3Key>${rules}</S3Key></Filter>` : "";
    const events = entry.events.map((event) => `<Event>${event}</Event>`).join("");
    return `<CloudFunctionConfiguration><Id>${xmlEscape(entry.id)}</Id><CloudFunction>${xmlEscape(entry.functionArn)}</CloudFunction>${events}${filter}</CloudFunctionConfiguration>`;
  });
  const eventBridge = config?.eventBridge ? "<EventBridgeConfiguration/>" : "";
  return `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${entries.join("")}${eventBridge}</NotificationConfiguration>`;
}

/** Keys in event records are URL-encoded as S3 does it: like a form, spaces as '+', but '/' kept. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, "+")
    .replace(/%2F/g, "/")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

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
  size?: number;
  eTag?: string;
  versionId?: string;
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

/**
 * Sequencers only ever grow (also across restarts, as they start from the clock), so for any one key a
 * later event compares greater, which is all AWS promises.
 */
export function createSequencer(now: () => number = Date.now): () => string {
  let last = 0n;
  return () => {
    const candidate = BigInt(now()) * 1_000_000n;
    last = candidate > last ? candidate : last + 1n;
    return last.toString(16).toUpperCase().padStart(18, "0");
  };
}

export function newHostId(): string {
  return randomBytes(48).toString("base64");
}
