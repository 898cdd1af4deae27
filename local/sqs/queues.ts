// A queue's identity (name, ARN, URL) and its attributes: which exist, their defaults and ranges, and
// which are computed at read time — validated as SQS validates CreateQueue and SetQueueAttributes.
import { ServiceError } from "../protocol/operations.ts";
import type { EdgeRequest } from "../types.ts";
import {
  invalidAttributeValue,
  invalidParameterValue,
  queueDoesNotExist,
  unknownAttribute,
} from "./errors.ts";

export interface QueueRecord {
  region: string;
  name: string;
  arn: string;
  fifo: boolean;
  /** Epoch seconds, as SQS reports them. */
  createdAt: number;
  modifiedAt: number;
  /** The settable attributes, as strings, defaults filled in. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const NAME_REASON = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length";

/** A queue's name as CreateQueue accepts it: never used in a path, but checked all the same. */
export function checkQueueName(name: string, fifo: boolean): void {
  const base = name.endsWith(".fifo") ? `${name.slice(0, -5)}_fifo` : name;
  if (!NAME.test(base) || (name.endsWith(".fifo") && !fifo)) throw invalidParameterValue(NAME_REASON);
  if (fifo && !name.endsWith(".fifo")) {
    throw invalidParameterValue(
      "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.",
    );
  }
}

const range = (low: number, high: number) => (value: string) =>
  /^-?\d+$/.test(value) && Number(value) >= low && Number(value) <= high;
const json = (value: string) => {
  try {
    return typeof JSON.parse(value) === "object";
  } catch {
    return false;
  }
};
const bool = (value: string) => value === "true" || value === "false";

/** Settable attributes: their check and their default for a new queue (undefined: absent until set). */
const SETTABLE: Record<string, { valid: (value: string) => boolean; fifoOnly?: boolean; initial?: string }> =
  {
    DelaySeconds: { valid: range(0, 900), initial: "0" },
    MaximumMessageSize: { valid: range(1024, 1048576), initial: "1048576" },
    MessageRetentionPeriod: { valid: range(60, 1209600), initial: "345600" },
    ReceiveMessageWaitTimeSeconds: { valid: range(0, 20), initial: "0" },
    VisibilityTimeout: { valid: range(0, 43200), initial: "30" },
    Policy: { valid: (value) => value === "" || json(value) },
    RedrivePolicy: { valid: (value) => value === "" || json(value) },
    RedriveAllowPolicy: { valid: (value) => value === "" || json(value) },
    KmsMasterKeyId: { valid: () => true },
    KmsDataKeyReusePeriodSeconds: { valid: range(60, 86400) },
    SqsManagedSseEnabled: { valid: bool, initial: "true" },
    ContentBasedDeduplication: { valid: bool, fifoOnly: true, initial: "false" },
    DeduplicationScope: {
      valid: (value) => ["messageGroup", "queue"].includes(value),
      fifoOnly: true,
      initial: "queue",
    },
    FifoThroughputLimit: {
      valid: (value) => ["perQueue", "perMessageGroupId"].includes(value),
      fifoOnly: true,
      initial: "perQueue",
    },
  };

/** Attributes SQS computes when asked; never set. */
export const COMPUTED = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "QueueArn",
] as const;

/** Whether GetQueueAttributes knows the name for a queue of this type (FIFO-only ones are unknown elsewhere). */
export function knownAttribute(name: string, fifo: boolean): boolean {
  if (name === "All" || (COMPUTED as readonly string[]).includes(name)) return true;
  if (name === "FifoQueue") return fifo;
  const spec = Object.hasOwn(SETTABLE, name) ? SETTABLE[name] : undefined;
  return spec !== undefined && (fifo || !spec.fifoOnly);
}

export function initialAttributes(fifo: boolean): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, spec] of Object.entries(SETTABLE)) {
    if (spec.initial !== undefined && (fifo || !spec.fifoOnly)) attributes[name] = spec.initial;
  }
  if (fifo) attributes.FifoQueue = "true";
  return attributes;
}

/**
 * Checks attributes a caller sets (CreateQueue, SetQueueAttributes) and returns them as stored. An
 * empty Policy or RedrivePolicy removes it, as SQS does.
 */
export function checkAttributes(
  given: Record<string, unknown>,
  fifo: boolean,
  creating: boolean,
): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, raw] of Object.entries(given)) {
    const value = String(raw);
    if (name === "FifoQueue") {
      if (!creating) {
        if (value === String(fifo)) continue;
        throw invalidAttributeValue(name, "Modifying queue type is not supported.");
      }
      if (!bool(value)) throw invalidAttributeValue(name);
      continue;
    }
    const spec = Object.hasOwn(SETTABLE, name) ? SETTABLE[name] : undefined;
    if (!spec) throw unknownAttribute(name);
    if (spec.fifoOnly && !fifo) {
      if (name === "ContentBasedDeduplication") throw unknownAttribute(name);
      throw new ServiceError(
        400,
        "InvalidAttributeName",
        `You can specify the ${name} only when FifoQueue is set to true.`,
      );
    }
    if (!spec.valid(value)) throw invalidAttributeValue(name);
    checked[name] = value;
  }
  return checked;
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export function redrivePolicy(queue: QueueRecord): RedrivePolicy | undefined {
  const text = queue.attributes.RedrivePolicy;
  if (!text) return undefined;
  const parsed = JSON.parse(text) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  return {
    deadLetterTargetArn: String(parsed.deadLetterTargetArn),
    maxReceiveCount: Number(parsed.maxReceiveCount),
  };
}

export function queueArn(region: string, account: string, name: string): string {
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/** The queue URL for this request: the edge's address as the client reached it, then account and name. */
export function queueUrl(
  req: Pick<EdgeRequest, "headers"> | undefined,
  endpoint: string,
  account: string,
  name: string,
) {
  const host = req?.headers.host;
  const base = host && /^[\w.:[\]-]+$/.test(host) ? `http://${host}` : endpoint;
  return `${base}/${account}/${name}`;
}

/**
 * Which queue a QueueUrl names: `http(s)://<any host>/<account>/<name>`. A host of the form
 * `sqs.<region>.…` (as some clients build it) selects that region; otherwise the request's.
 */
export function parseQueueUrl(
  url: string,
  requestRegion: string,
  account: string,
): { region: string; name: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw queueDoesNotExist();
  }
  const match = parsed.pathname.match(/^\/(\d{12})\/([^/]+)\/?$/);
  if (!match || match[1] !== account) throw queueDoesNotExist();
  const region = parsed.hostname.match(/^sqs\.([a-z]{2}(?:-[a-z]+)+-\d)\./)?.[1] ?? requestRegion;
  return { region, name: decodeURIComponent(match[2]!) };
}
