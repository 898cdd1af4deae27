// What SNS refuses, in its words: malformed ARNs, names, subjects, message attributes, subscription
// endpoints and attributes, filter policies.
import { PatternError, parsePattern } from "../events/pattern.ts";
import { ServiceError } from "../protocol/operations.ts";
import { isLoopbackUrl, type SnsAttribute } from "./delivery.ts";

export const invalidParameter = (reason: string) =>
  new ServiceError(400, "InvalidParameterException", `Invalid parameter: ${reason}`, "InvalidParameter");
export const parameterValueInvalid = (message: string) =>
  new ServiceError(400, "InvalidParameterValueException", message, "ParameterValueInvalid");
export const notFound = (what: string) =>
  new ServiceError(404, "NotFoundException", `${what} does not exist`, "NotFound");

export const PROTOCOLS = ["sqs", "lambda", "email", "email-json", "http", "https"];
/** Protocols AWS has that the local cloud cannot deliver to. */
const UNDELIVERABLE = ["sms", "application", "firehose"];
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const SUBJECT = /^[\x20-\x7E]{1,100}$/;

/** The topic an ARN names, as parts; refuses what is not an SNS topic ARN of this account and region. */
export function topicArnParts(arn: unknown, field: string, region: string, account: string) {
  const text = arn === undefined ? "" : String(arn);
  if (!text) throw invalidParameter(`${field} Reason: no value for required parameter`);
  const parts = text.split(":");
  if (parts.length < 6)
    throw invalidParameter(`${field} Reason: An ARN must have at least 6 elements, not ${parts.length}`);
  if (parts[0] !== "arn" || parts[2] !== "sns" || parts[3] !== region || parts[4] !== account) {
    throw invalidParameter(field);
  }
  return { name: parts[5]!, subscriptionId: parts[6] };
}

export function checkTopicName(name: unknown): string {
  const text = name === undefined ? "" : String(name);
  if (!TOPIC_NAME.test(text)) throw invalidParameter("Topic Name");
  return text;
}

export function checkSubject(subject: unknown): string | undefined {
  if (subject === undefined) return undefined;
  const text = String(subject);
  if (!SUBJECT.test(text)) throw invalidParameter("Subject");
  return text;
}

/** The endpoint a subscription may have for its protocol; HTTP(S) only to loopback addresses. */
export function checkEndpoint(protocol: string, endpoint: unknown): string {
  const text = endpoint === undefined ? "" : String(endpoint);
  if (UNDELIVERABLE.includes(protocol)) {
    throw invalidParameter(`Protocol Reason: the local cloud does not deliver to ${protocol} endpoints`);
  }
  if (!PROTOCOLS.includes(protocol)) {
    throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`);
  }
  switch (protocol) {
    case "sqs":
      if (!/^arn:aws:sqs:[a-z0-9-]+:\d{12}:[\w.-]+$/.test(text)) throw invalidParameter("SQS endpoint ARN");
      return text;
    case "lambda":
      if (!/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(text)) {
        throw invalidParameter("Lambda endpoint ARN");
      }
      return text;
    case "email":
    case "email-json":
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) throw invalidParameter("Email address");
      return text;
    default: {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw invalidParameter("Endpoint must match the specified protocol");
      }
      if (url.protocol !== `${protocol}:`)
        throw invalidParameter("Endpoint must match the specified protocol");
      if (!isLoopbackUrl(url)) {
        throw invalidParameter(
          `Endpoint Reason: the local cloud delivers HTTP(S) notifications to loopback addresses only`,
        );
      }
      return text;
    }
  }
}

const SUBSCRIPTION_ATTRIBUTES = [
  "DeliveryPolicy",
  "FilterPolicy",
  "FilterPolicyScope",
  "RawMessageDelivery",
  "RedrivePolicy",
  "SubscriptionRoleArn",
  "ReplayPolicy",
];

/** A subscription attribute as SetSubscriptionAttributes (and Subscribe's Attributes) accept it. */
export function checkSubscriptionAttribute(protocol: string, name: string, value: string, prefix = ""): void {
  if (!SUBSCRIPTION_ATTRIBUTES.includes(name)) throw invalidParameter("AttributeName");
  switch (name) {
    case "RawMessageDelivery":
      if (value !== "true" && value !== "false") {
        throw invalidParameter(
          `${prefix}RawMessageDelivery: Invalid value [${value}]. Must be true or false.`,
        );
      }
      if (!["sqs", "http", "https", "firehose"].includes(protocol)) {
        throw invalidParameter(
          `${prefix}Delivery protocol [${protocol}] does not support raw message delivery.`,
        );
      }
      return;
    case "FilterPolicyScope":
      if (value !== "MessageAttributes" && value !== "MessageBody") {
        throw invalidParameter(
          `${prefix}FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`,
        );
      }
      return;
    case "FilterPolicy":
      if (value === "") return;
      try {
        parsePattern(value, { wildcard: false });
      } catch (error) {
        if (error instanceof PatternError) throw invalidParameter(`${prefix}FilterPolicy: ${error.message}`);
        throw error;
      }
      return;
    case "RedrivePolicy": {
      if (value === "") return;
      let target: unknown;
      try {
        target = (JSON.parse(value) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
      } catch (error) {
        throw invalidParameter(`${prefix}RedrivePolicy: failed to parse JSON. ${(error as Error).message}`);
      }
      if (typeof target !== "string" || !/^arn:aws:sqs:[a-z0-9-]+:\d{12}:[\w.-]+$/.test(target)) {
        throw invalidParameter(`${prefix}RedrivePolicy: deadLetterTargetArn is an invalid arn`);
      }
    }
  }
}

/** Message attributes as Publish checks them, in the JSON shape the operations use. */
export function checkMessageAttributes(
  given: unknown,
  path = "messageAttributes",
): Record<string, SnsAttribute> {
  const attributes: Record<string, SnsAttribute> = {};
  for (const [name, raw] of Object.entries((given ?? {}) as Record<string, Record<string, unknown>>)) {
    if (Buffer.byteLength(name) >= 256)
      throw parameterValueInvalid("Length of message attribute name must be less than 256 bytes.");
    const bad = name.match(/[^\w.-]/);
    if (bad) {
      const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
      throw parameterValueInvalid(
        `Invalid non-alphanumeric character '#x${code}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`,
      );
    }
    if (name.startsWith("."))
      throw parameterValueInvalid("Invalid message attribute name starting with character '.' was found.");
    if (name.endsWith("."))
      throw parameterValueInvalid("Invalid message attribute name ending with character '.' was found.");
    if (name.includes(".."))
      throw parameterValueInvalid("Message attribute name can not have successive '.' character.");
    const type = raw?.DataType;
    if (type === undefined) {
      throw new ServiceError(
        400,
        "ValidationError",
        `1 validation error detected: Value null at '${path}.${name}.member.dataType' failed to satisfy constraint: Member must not be null`,
      );
    }
    const dataType = String(type);
    const kind = dataType.split(".")[0];
    if (!["String", "Number", "Binary"].includes(kind!)) {
      throw parameterValueInvalid(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const field = kind === "Binary" ? "Binary" : "String";
    const binary =
      raw.BinaryValue instanceof Uint8Array
        ? Buffer.from(raw.BinaryValue).toString("base64")
        : raw.BinaryValue;
    const value = kind === "Binary" ? binary : raw.StringValue;
    const other = kind === "Binary" ? raw.StringValue : binary;
    if ((value === undefined || value === "") && other !== undefined) {
      throw parameterValueInvalid(
        `The message attribute '${name}' with type '${dataType}' must use field '${field}'.`,
      );
    }
    if (value === undefined || value === "") {
      throw parameterValueInvalid(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${kind}'.`,
      );
    }
    if (kind === "Number" && !Number.isFinite(Number(value))) {
      throw parameterValueInvalid(`Could not cast message attribute '${name}' value to number.`);
    }
    if (dataType === "String.Array" && !isJsonArray(String(value))) {
      throw parameterValueInvalid(
        `The message attribute '${name}' with type 'String.Array' has an invalid value. The value must be a JSON array.`,
      );
    }
    attributes[name] =
      kind === "Binary"
        ? { DataType: dataType, BinaryValue: String(value) }
        : { DataType: dataType, StringValue: String(value) };
  }
  return attributes;
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

/** Publish's Message (and MessageStructure=json's per-protocol messages) as SNS checks them. */
export function checkMessage(
  message: unknown,
  structure: unknown,
  attributes: Record<string, SnsAttribute>,
): string {
  const text = message === undefined ? "" : String(message);
  if (text === "") throw invalidParameter("Empty message");
  let size = Buffer.byteLength(text);
  for (const [name, attribute] of Object.entries(attributes)) {
    size +=
      Buffer.byteLength(name) +
      Buffer.byteLength(attribute.DataType) +
      Buffer.byteLength(attribute.StringValue ?? attribute.BinaryValue ?? "");
  }
  if (size > 262144) throw invalidParameter("Message too long");
  if (structure === undefined) return text;
  if (structure !== "json") throw invalidParameter("MessageStructure");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter("Message Structure - JSON message body failed to parse");
  }
  if (
    !parsed ||
    typeof parsed !== "object" ||
    typeof (parsed as Record<string, unknown>).default !== "string"
  ) {
    throw invalidParameter("Message Structure - No default entry in JSON message body");
  }
  return text;
}
