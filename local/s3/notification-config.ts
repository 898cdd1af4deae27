// A bucket's notification configuration: its XML form (Lambda functions, SQS queues, SNS topics and
// EventBridge), AWS's validation of it, and which destinations an event goes to.
import { randomUUID } from "node:crypto";
import { type XmlElement, xmlChild, xmlChildren, xmlEscape, xmlText } from "../protocol/xml.ts";
import type { InvokeCaller, LambdaInternal, SnsInternal, SqsInternal } from "../types.ts";
import { S3Failure } from "./failure.ts";
import { S3_NS } from "./wire.ts";

export type DestinationKind = "lambda" | "queue" | "topic";

export interface NotificationTarget {
  id: string;
  kind: DestinationKind;
  arn: string;
  /** As configured, e.g. "s3:ObjectCreated:*". */
  events: string[];
  prefix?: string;
  suffix?: string;
}

export interface NotificationConfiguration {
  targets: NotificationTarget[];
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

/** The three destination kinds: their XML element, ARN element (both spellings S3 accepts) and service. */
const KINDS: Array<{
  kind: DestinationKind;
  elements: string[];
  arnElements: string[];
  render: [string, string];
}> = [
  {
    kind: "topic",
    elements: ["TopicConfiguration"],
    arnElements: ["Topic"],
    render: ["TopicConfiguration", "Topic"],
  },
  {
    kind: "queue",
    elements: ["QueueConfiguration"],
    arnElements: ["Queue"],
    render: ["QueueConfiguration", "Queue"],
  },
  {
    kind: "lambda",
    elements: ["CloudFunctionConfiguration", "LambdaFunctionConfiguration"],
    arnElements: ["CloudFunction", "LambdaFunctionArn"],
    render: ["CloudFunctionConfiguration", "CloudFunction"],
  },
];

/** Whether a configured event (possibly "family:*") covers a concrete event name such as "s3:ObjectCreated:Put". */
export function eventMatches(pattern: string, eventName: string): boolean {
  return pattern === eventName || (pattern.endsWith(":*") && eventName.startsWith(pattern.slice(0, -1)));
}

function eventsOverlap(a: string, b: string): boolean {
  return eventMatches(a, b) || eventMatches(b, a);
}

export function matchingTargets(
  config: NotificationConfiguration | undefined,
  eventName: string,
  key: string,
): NotificationTarget[] {
  return (config?.targets ?? []).filter(
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

function parseFilter(filter: XmlElement | undefined): Pick<NotificationTarget, "prefix" | "suffix"> {
  const result: Pick<NotificationTarget, "prefix" | "suffix"> = {};
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

/** Reads a PutBucketNotificationConfiguration body. */
export function parseNotificationConfiguration(root: XmlElement): NotificationConfiguration {
  const targets: NotificationTarget[] = [];
  for (const { kind, elements, arnElements } of KINDS) {
    for (const entry of elements.flatMap((name) => xmlChildren(root, name))) {
      const arn = arnElements.map((name) => xmlText(entry, name)).find((value) => value !== undefined) ?? "";
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
      const service = { lambda: "lambda", queue: "sqs", topic: "sns" }[kind];
      if (!new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`).test(arn)) {
        throw invalid("The ARN is not well formed", { ArgumentName: arnElements[0]!, ArgumentValue: arn });
      }
      targets.push({
        id: xmlText(entry, "Id") || generatedId(),
        kind,
        arn,
        events,
        ...parseFilter(xmlChild(entry, "Filter")),
      });
    }
  }
  return { targets, ...(xmlChild(root, "EventBridgeConfiguration") ? { eventBridge: true } : {}) };
}

function affixesOverlap(
  a: string,
  b: string,
  compare: (longer: string, shorter: string) => boolean,
): boolean {
  return compare(a, b) || compare(b, a);
}

export function s3Caller(bucket: string, accountId: string): InvokeCaller {
  return { principal: "s3.amazonaws.com", sourceArn: `arn:aws:s3:::${bucket}`, sourceAccount: accountId };
}

export interface DestinationServices {
  lambda: Pick<LambdaInternal, "functionExists" | "isInvokeAllowed"> | undefined;
  sqs: Pick<SqsInternal, "sendMessage"> | undefined;
  sns: Pick<SnsInternal, "publish"> | undefined;
}

/**
 * Why a destination refuses S3's deliveries for this bucket, or undefined when it takes them. Queues and
 * topics are checked as AWS checks them: by sending them S3's test event as S3 (their policy decides).
 */
async function destinationProblem(
  target: NotificationTarget,
  caller: InvokeCaller,
  services: DestinationServices,
  testEvent: string,
): Promise<string | undefined> {
  if (target.kind === "lambda") {
    const lambda = services.lambda;
    return lambda?.functionExists(target.arn) && lambda.isInvokeAllowed(target.arn, caller)
      ? undefined
      : `Not authorized to invoke function [${target.arn}]`;
  }
  const noun = target.kind === "queue" ? "queue" : "topic";
  try {
    if (target.kind === "queue") {
      if (!services.sqs) throw new Error(`SQS queue ${target.arn} does not exist`);
      await services.sqs.sendMessage(target.arn, testEvent, undefined, caller);
    } else {
      if (!services.sns) throw new Error(`SNS topic ${target.arn} does not exist`);
      await services.sns.publish(target.arn, testEvent, { subject: "Amazon S3 Notification", caller });
    }
    return undefined;
  } catch (error) {
    if (/does not exist|not found/i.test((error as Error).message))
      return `The destination ${noun} does not exist`;
    return `Permissions on the destination ${noun} do not allow S3 to publish notifications from this bucket`;
  }
}

/**
 * AWS's checks, in its order: no two configurations may share an event type with overlapping filters,
 * and every destination must exist and let S3 (this bucket, this account) deliver to it.
 */
export async function validateNotificationConfiguration(
  config: NotificationConfiguration,
  options: {
    bucket: string;
    accountId: string;
    services: DestinationServices;
    /** The s3:TestEvent message queues and topics are sent while they are checked. */
    testEvent: string;
    skipDestinationValidation?: boolean;
  },
): Promise<void> {
  const entries = config.targets;
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, b] = [entries[i]!, entries[j]!];
      const sharedEvent = a.events.some((x) => b.events.some((y) => eventsOverlap(x, y)));
      const prefixes = affixesOverlap(a.prefix ?? "", b.prefix ?? "", (x, y) => x.startsWith(y));
      const suffixes = affixesOverlap(a.suffix ?? "", b.suffix ?? "", (x, y) => x.endsWith(y));
      if (sharedEvent && prefixes && suffixes) {
        throw invalid(
          "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
          {
            ArgumentName1: a.id,
            ArgumentName2: b.id,
          },
        );
      }
    }
  }
  if (options.skipDestinationValidation) return;
  const caller = s3Caller(options.bucket, options.accountId);
  const refused: Array<{ arn: string; problem: string }> = [];
  for (const entry of entries) {
    const problem = await destinationProblem(entry, caller, options.services, options.testEvent);
    if (problem) refused.push({ arn: entry.arn, problem });
  }
  if (refused.length > 0) {
    const extra: Record<string, string> = {};
    refused.forEach((entry, index) => {
      extra[`ArgumentName${index + 1}`] = entry.arn;
      extra[`ArgumentValue${index + 1}`] = entry.problem;
    });
    throw invalid("Unable to validate the following destination configurations", extra);
  }
}

export function renderNotificationConfiguration(config: NotificationConfiguration | undefined): string {
  const entries = KINDS.flatMap(({ kind, render: [element, arnElement] }) =>
    (config?.targets ?? [])
      .filter((entry) => entry.kind === kind)
      .map((entry) => {
        const rules = (["prefix", "suffix"] as const)
          .filter((name) => entry[name] !== undefined)
          .map(
            (name) =>
              `<FilterRule><Name>${name === "prefix" ? "Prefix" : "Suffix"}</Name><Value>${xmlEscape(entry[name]!)}</Value></FilterRule>`,
          )
          .join("");
        const filter = rules ? `<Filter><S3Key>${rules}</S3Key></Filter>` : "";
        const events = entry.events.map((event) => `<Event>${event}</Event>`).join("");
        return `<${element}><Id>${xmlEscape(entry.id)}</Id><${arnElement}>${xmlEscape(entry.arn)}</${arnElement}>${events}${filter}</${element}>`;
      }),
  );
  const eventBridge = config?.eventBridge ? "<EventBridgeConfiguration/>" : "";
  return `<NotificationConfiguration ${S3_NS}>${entries.join("")}${eventBridge}</NotificationConfiguration>`;
}
