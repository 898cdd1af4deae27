// SQS on the wire: awsJson 1.0 (`X-Amz-Target: AmazonSQS.<Op>`, awsQueryCompatible) as current SDKs and
// CLIs speak it, and the Query protocol older clients still send. Query's flattened names
// (`Attribute.1.Name`, `<Message>…</Message>`) are mapped once here to and from the JSON shape.
import { awsJsonWire } from "../protocol/json.ts";
import type { Input, Wire } from "../protocol/operations.ts";
import { queryWire, XmlList, type XmlValue } from "../protocol/query.ts";
import type { EdgeRequest } from "../types.ts";

const NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/";

/** Query parameter → JSON member; `map` ones are lists of {Name|Key, Value} that become objects. */
const INPUT_NAMES: Record<string, { json: string; map?: boolean }> = {
  Attribute: { json: "Attributes", map: true },
  AttributeName: { json: "AttributeNames" },
  MessageAttribute: { json: "MessageAttributes", map: true },
  MessageAttributeName: { json: "MessageAttributeNames" },
  MessageSystemAttribute: { json: "MessageSystemAttributes", map: true },
  MessageSystemAttributeName: { json: "MessageSystemAttributeNames" },
  Tag: { json: "Tags", map: true },
  TagKey: { json: "TagKeys" },
  AWSAccountId: { json: "AWSAccountIds" },
  ActionName: { json: "Actions" },
  SendMessageBatchRequestEntry: { json: "Entries" },
  DeleteMessageBatchRequestEntry: { json: "Entries" },
  ChangeMessageVisibilityBatchRequestEntry: { json: "Entries" },
};

function readQuery(operation: string, input: Input): Input {
  const read = (value: Input): Input => {
    const result: Input = Object.create(null);
    for (const [key, field] of Object.entries(value)) {
      const rename = Object.hasOwn(INPUT_NAMES, key) ? INPUT_NAMES[key] : undefined;
      if (!rename) {
        result[key] = field;
        continue;
      }
      const items = (Array.isArray(field) ? field : [field]).map((item) =>
        item && typeof item === "object" ? read(item as Input) : item,
      );
      result[rename.json] = rename.map
        ? Object.fromEntries((items as Input[]).map((item) => [String(item.Name ?? item.Key), item.Value]))
        : items;
    }
    return result;
  };
  const result = read(input);
  // CreateQueue names its tags in lower case in the JSON protocol.
  if (operation === "CreateQueue" && result.Tags !== undefined) {
    result.tags = result.Tags;
    delete result.Tags;
  }
  return result;
}

const FLAT_LISTS: Record<string, string> = {
  QueueUrls: "QueueUrl",
  queueUrls: "QueueUrl",
  Messages: "Message",
  Failed: "BatchResultErrorEntry",
};
const FLAT_MAPS: Record<string, [element: string, key: string]> = {
  Attributes: ["Attribute", "Name"],
  MessageAttributes: ["MessageAttribute", "Name"],
  Tags: ["Tag", "Key"],
};

function renderQuery(operation: string, output: unknown): XmlValue {
  const render = (value: unknown): XmlValue => {
    if (value === null || typeof value !== "object" || value instanceof Date) return value as XmlValue;
    const result: Record<string, XmlValue> = {};
    for (const [key, field] of Object.entries(value)) {
      const element = key === "Successful" ? `${operation}ResultEntry` : FLAT_LISTS[key];
      if (element) {
        result[key] = new XmlList(element, (field as unknown[]).map(render), true);
      } else if (Object.hasOwn(FLAT_MAPS, key)) {
        const [name, keyName] = FLAT_MAPS[key]!;
        const entries = Object.entries(field as Record<string, unknown>).map(([k, v]) => ({
          [keyName]: k,
          Value: render(v),
        }));
        result[key] = new XmlList(name, entries, true);
      } else {
        result[key] = render(field);
      }
    }
    return result;
  };
  return render(output);
}

const json = awsJsonWire({ contentType: "application/x-amz-json-1.0", queryCompatible: true });
const query = queryWire(NAMESPACE, { read: readQuery, render: renderQuery });

/** The wire a request speaks: JSON when it names its operation in X-Amz-Target, Query otherwise. */
export function sqsWire(req: EdgeRequest): Wire {
  return req.target?.startsWith("AmazonSQS.") ? json : query;
}
